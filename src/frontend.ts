// The front end: query text → (comments stripped, macros expanded) → tokens → typed AST.
// Every error leaves here as a DuckhuntError positioned in the text the user wrote.

import { parsePipeline, SyntaxProblem } from '../grammar/index.ts';
import type { Pipeline } from './ast/ast.ts';
import { DuckhuntError } from './errors.ts';
import { errorAt, expandMacros, type Expansion, type MacroLibrary } from './macros/index.ts';
import type { QuerySource } from './query-file.ts';

export interface ParsedQuery {
  source: QuerySource;
  expansion: Expansion;
  ast: Pipeline;
}

export interface FrontEndOptions {
  macros: MacroLibrary;
}

export function parseQuery(source: QuerySource, opts: FrontEndOptions): ParsedQuery {
  try {
    const expansion = expandMacros(source.text, opts.macros, { fallback: filterMacroFallback(source.detectionName) });
    let ast: Pipeline;
    try {
      ast = parsePipeline(expansion.text);
    } catch (e) {
      if (e instanceof SyntaxProblem) throw errorAt(expansion, 'syntax_error', e.message, e.span, e.hint);
      throw e;
    }
    return { source, expansion, ast };
  } catch (e) {
    if (e instanceof DuckhuntError && source.file && !e.file) throw e.withFile(source.file);
    throw e;
  }
}

/**
 * security_content's build tool generates `<detection>_filter` as `search *` for every detection; a detection
 * file run as-is needs the same, unless the user defined the macro.
 */
function filterMacroFallback(detectionName: string | undefined) {
  return (name: string, arity: number): string | undefined =>
    detectionName !== undefined && arity === 0 && name === `${detectionName}_filter` ? 'search *' : undefined;
}
