// Reading a query from disk: a `.spl` file is the query itself; a security_content detection `.yml` holds it in
// its `search:` field (and names the detection, whose `<name>_filter` macro the repository generates).

import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { DuckhuntError } from './errors.ts';

export interface QuerySource {
  file: string | undefined;
  text: string;
  /** For security_content detections: the detection's file name, whose `_filter` macro defaults to `search *`. */
  detectionName: string | undefined;
}

export const isQueryFile = (path: string): boolean => ['.spl', '.yml', '.yaml'].includes(extname(path).toLowerCase());

/** The name a query read from standard input (`duckhunt run -`) goes by in messages and error positions. */
export const STDIN_NAME = '<stdin>';

let stdinText: string | undefined;

/** Standard input, read once (`check - -` names it twice). */
function readStdin(): string {
  try {
    stdinText ??= readFileSync(0, 'utf8');
  } catch (e) {
    throw new DuckhuntError('source_error', `cannot read the query from standard input: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return stdinText;
}

/**
 * `-` is standard input: the query text, or a security_content detection (YAML whose top level has a `search:`
 * string; its `name:` gives the detection's file name, as security_content derives one from the other).
 */
export function readQueryFile(file: string): QuerySource {
  if (file === '-') {
    const content = readStdin();
    const doc = detectionDocument(content);
    if (!doc) return { file: STDIN_NAME, text: content.replace(/\s+$/, ''), detectionName: undefined };
    const name = typeof doc.name === 'string' ? doc.name.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '') : undefined;
    return { file: STDIN_NAME, text: doc.search.replace(/\s+$/, ''), detectionName: name || undefined };
  }
  let content: string;
  try {
    content = readFileSync(file, 'utf8');
  } catch (e) {
    throw new DuckhuntError('source_error', `cannot read query file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { file });
  }
  const ext = extname(file).toLowerCase();
  if (ext !== '.yml' && ext !== '.yaml') return { file, text: content.replace(/\s+$/, ''), detectionName: undefined };
  let doc: unknown;
  try {
    doc = parseYaml(content);
  } catch (e) {
    throw new DuckhuntError('syntax_error', `not valid YAML: ${(e as Error).message.split('\n')[0]}`, { file });
  }
  const search = (doc as { search?: unknown } | null)?.search;
  if (typeof search !== 'string') {
    throw new DuckhuntError('syntax_error', 'this YAML file has no `search:` field (expected a security_content detection)', { file });
  }
  return { file, text: search.replace(/\s+$/, ''), detectionName: basename(file, ext) };
}

/** Text that is a detection's YAML (a mapping with a `search:` string), else undefined: SPL is never that. */
function detectionDocument(content: string): { search: string; name?: unknown } | undefined {
  if (!/^search:/m.test(content)) return undefined;
  try {
    const doc = parseYaml(content) as { search?: unknown; name?: unknown } | null;
    return doc && typeof doc === 'object' && typeof doc.search === 'string' ? { search: doc.search, name: doc.name } : undefined;
  } catch {
    return undefined;
  }
}
