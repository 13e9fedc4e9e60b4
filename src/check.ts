// `duckhunt check`: does each query parse (and, unless --parse-only, compile)? One result per file.

import { statSync } from 'node:fs';
import { filesUnder } from './files-under.ts';
import type { Command, Pipeline } from './ast/ast.ts';
import { subpipelines } from './ast/walk.ts';
import { DuckhuntError, type ErrorKind } from './errors.ts';
import { parseQuery, type ParsedQuery } from './frontend.ts';
import { errorAt, type MacroLibrary } from './macros/index.ts';
import { isQueryFile, readQueryFile, STDIN_NAME } from './query-file.ts';

export type CheckStatus = 'ok' | 'syntax_error' | 'macro_error' | 'unsupported' | 'compile_error';

/** The JSON contract of `check --format json` (see README): one object per file. */
export interface CheckResult {
  file: string;
  status: CheckStatus;
  message: string | null;
  line: number | null;
  column: number | null;
  /** The rendered error (message, query line, caret, hint) for text output. */
  rendered?: string;
}

export interface CheckOptions {
  macros: MacroLibrary;
  parseOnly: boolean;
  /** Compiles a parsed query, throwing a DuckhuntError when it cannot; absent until a compiler is wired in. */
  compile?: (parsed: ParsedQuery) => void;
}

/** Expands directories into the `.spl`/`.yml` files below them, sorted for stable output. */
export function collectQueryFiles(paths: string[]): string[] {
  const files: string[] = [];
  for (const p of paths) {
    // `-`: the query on standard input (readQueryFile reads it).
    if (p === '-') {
      files.push(p);
      continue;
    }
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new DuckhuntError('source_error', `no such file or directory: ${p}`);
    }
    if (!st.isDirectory()) files.push(p);
    else files.push(...filesUnder(p, (path, why) => new DuckhuntError('source_error', `cannot read queries under ${path}: ${why}`)).filter(isQueryFile));
  }
  return files;
}

export function checkFile(path: string, opts: CheckOptions): CheckResult {
  const file = path === '-' ? STDIN_NAME : path;
  try {
    const parsed = parseQuery(readQueryFile(path), { macros: opts.macros });
    const generic = firstGenericCommand(parsed.ast);
    if (generic) {
      const name = generic.command === 'generic' ? generic.name : generic.command;
      throw errorAt(parsed.expansion, 'unsupported', `command '${name}' is not supported`, generic.nameSpan, 'see the README for the commands duckhunt runs').withFile(file);
    }
    if (!opts.parseOnly && opts.compile) opts.compile(parsed);
    return { file, status: 'ok', message: null, line: null, column: null };
  } catch (e) {
    if (!(e instanceof DuckhuntError)) throw e;
    return {
      file,
      status: statusOf(e.kind),
      message: e.message,
      line: e.position?.line ?? null,
      column: e.position?.column ?? null,
      rendered: e.render(),
    };
  }
}

function statusOf(kind: ErrorKind): CheckStatus {
  switch (kind) {
    case 'syntax_error':
    case 'macro_error':
    case 'unsupported':
    case 'compile_error':
      return kind;
    default:
      return 'compile_error';
  }
}

/** The first command (depth-first, in text order) that only parsed as a generic node. */
export function firstGenericCommand(p: Pipeline): Command | undefined {
  for (const c of p.commands) {
    if (c.command === 'generic') return c;
    for (const nested of subpipelines(c)) {
      const inner = firstGenericCommand(nested);
      if (inner) return inner;
    }
  }
  return undefined;
}

export function summarize(results: CheckResult[]): string {
  const counts = new Map<CheckStatus, number>();
  for (const r of results) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  const parts = (['ok', 'unsupported', 'syntax_error', 'macro_error', 'compile_error'] as CheckStatus[])
    .filter((s) => counts.has(s))
    .map((s) => `${counts.get(s)} ${s.replace('_', ' ')}`);
  return `${results.length} ${results.length === 1 ? 'query' : 'queries'}: ${parts.join(', ') || 'none'}`;
}
