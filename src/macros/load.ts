// Loads macro definitions from files and directories: Splunk `macros.conf` files and security_content macro
// YAML files. Later files override earlier definitions of the same name and arity, as a local Splunk app
// overrides a default one.

import { readFileSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { DuckhuntError } from '../errors.ts';
import { filesUnder } from '../files-under.ts';
import { PACKAGE_ROOT } from '../paths.ts';
import { parseMacrosConf } from './conf.ts';
import { MacroLibrary, type MacroDefinition } from './library.ts';
import { parseMacroYaml } from './yaml.ts';

type MacroFileKind = 'conf' | 'yaml';

/** Adds the definitions found under `paths` (files, or directories searched recursively) to `into`. */
export function loadMacros(paths: string[], into: MacroLibrary = new MacroLibrary()): MacroLibrary {
  for (const path of paths) {
    for (const file of macroFilesAt(path)) loadFile(file, file, into);
  }
  return into;
}

/**
 * The project's `queries/macros.conf`, always loaded first, then the knowledge bundles' macros (in bundle order),
 * then `extraPaths` (--macros); each may override what came before.
 */
export function defaultMacroLibrary(extraPaths: string[] = [], bundleMacros: MacroDefinition[] = []): MacroLibrary {
  const library = new MacroLibrary();
  // Resolved from the package root so that it is found whatever the working directory.
  const projectFile = join(PACKAGE_ROOT, 'queries', 'macros.conf');
  loadFile(projectFile, 'queries/macros.conf', library);
  for (const def of bundleMacros) library.add(def);
  return loadMacros(extraPaths, library);
}

function loadFile(path: string, shownAs: string, into: MacroLibrary): void {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new DuckhuntError('macro_error', `cannot read macro file ${shownAs}: ${(e as Error).message}`);
  }
  for (const def of parseMacroFile(text, shownAs)) into.add(def);
}

function parseMacroFile(text: string, file: string): MacroDefinition[] {
  switch (macroFileKind(file)) {
    case 'conf':
      return parseMacrosConf(text, file);
    case 'yaml':
      return [parseMacroYaml(text, file)];
    case undefined:
      throw new DuckhuntError('macro_error', `${file}: not a macro file (expected .conf, .yml or .yaml)`);
  }
}

function macroFileKind(path: string): MacroFileKind | undefined {
  if (path.endsWith('.conf')) return 'conf';
  if (path.endsWith('.yml') || path.endsWith('.yaml')) return 'yaml';
  return undefined;
}

/** The macro files a path names, in a fixed order so that overrides between them are deterministic. */
function macroFilesAt(path: string): string[] {
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch {
    throw new DuckhuntError('macro_error', `macro file or directory not found: ${path}`, {
      hint: 'pass a macros.conf file, a security_content macro .yml file, or a directory of them to --macros',
    });
  }
  if (!stats.isDirectory()) return [path];
  const files = filesUnder(path, (p, why) => new DuckhuntError('macro_error', `cannot read macros under ${p}: ${why}`)).filter((file) => macroFileKind(file) !== undefined);
  if (files.length === 0) {
    throw new DuckhuntError('macro_error', `no .conf, .yml or .yaml macro files under ${path}`);
  }
  return files;
}
