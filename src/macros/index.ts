// Macros: the first stage of duckhunt (query text → expanded text + source map). Comments are blanked, macro
// calls expanded recursively, and every error raised later can be mapped back to the user's text with errorAt().

export { stripComments } from './comments.ts';
export { parseMacrosConf } from './conf.ts';
export { expandMacros, securityContentFilterDefault, type ExpandOptions } from './expand.ts';
export { MacroLibrary, stanzaName, type MacroDefinition } from './library.ts';
export { defaultMacroLibrary, loadMacros } from './load.ts';
export { errorAt, SourceMap, type Expansion, type MacroStep, type OriginalLocation } from './sourcemap.ts';
export { parseMacroYaml } from './yaml.ts';
