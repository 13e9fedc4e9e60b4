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

export function readQueryFile(file: string): QuerySource {
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
