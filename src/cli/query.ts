// What `run` and `compile` share: reading the query (file or -e), macros, sources, compile options.

import { compileQuery, type CompiledQuery } from '../compile/index.ts';
import { defaultCompileOptions, type CompileOptions, type CompileWarning, type PercMethod } from '../compile/context.ts';
import { parseAbsolute, resolveTime, TimeModifierError } from '../compile/time.ts';
import { Engine } from '../engine/engine.ts';
import { DuckhuntError } from '../errors.ts';
import { parseQuery } from '../frontend.ts';
import { defaultMacroLibrary } from '../macros/index.ts';
import { readQueryFile, type QuerySource } from '../query-file.ts';
import { resolveCatalog } from '../sources/catalog.ts';

export interface QueryFlags {
  execute?: string;
  source: string[];
  config?: string;
  macros: string[];
  now?: string;
  earliest?: string;
  latest?: string;
  timezone: string;
  subsearchMaxout: string;
  percMethod: PercMethod;
}

export function querySource(file: string | undefined, flags: QueryFlags): QuerySource {
  if (file && flags.execute !== undefined) throw new DuckhuntError('compile_error', 'give either a query FILE or -e SPL, not both');
  if (flags.execute !== undefined) return { file: undefined, text: flags.execute, detectionName: undefined };
  if (!file) throw new DuckhuntError('compile_error', 'no query: give a .spl/.yml FILE or -e "SPL"', { hint: 'e.g. duckhunt run -e "sourcetype=o365:management:activity | stats count by Operation"' });
  return readQueryFile(file);
}

export function compileOptions(flags: QueryFlags): CompileOptions {
  const opts = defaultCompileOptions();
  if (flags.now !== undefined) {
    const now = parseAbsolute(flags.now);
    if (now === undefined) throw new DuckhuntError('compile_error', `--now must be epoch seconds or ISO-8601, not '${flags.now}'`);
    opts.now = now;
  }
  if (flags.timezone !== 'UTC') throw new DuckhuntError('unsupported', `time zone '${flags.timezone}': duckhunt currently computes in UTC only`);
  for (const bound of ['earliest', 'latest'] as const) {
    const spec = flags[bound];
    if (spec === undefined) continue;
    try {
      opts.timeRange[bound] = resolveTime(spec, opts.now);
    } catch (e) {
      if (e instanceof TimeModifierError) throw new DuckhuntError('compile_error', `--${bound}: ${e.message}`);
      throw e;
    }
  }
  const cap = Number(flags.subsearchMaxout);
  if (!Number.isInteger(cap) || cap < 1) throw new DuckhuntError('compile_error', '--subsearch-maxout must be a positive whole number');
  opts.subsearchMaxOut = cap;
  opts.percMethod = flags.percMethod;
  return opts;
}

/** Compile warnings on stderr, each with its line:column. */
export function printWarnings(warnings: CompileWarning[]): void {
  for (const w of warnings) process.stderr.write(`warning: ${w.line !== undefined ? `${w.line}:${w.column}: ` : ''}${w.message}\n`);
}

/** Reads, parses and compiles the query against the bound sources (Parquet sources are described first). */
export async function prepare(file: string | undefined, flags: QueryFlags, engine: Engine): Promise<CompiledQuery> {
  const source = querySource(file, flags);
  const parsed = parseQuery(source, { macros: defaultMacroLibrary(flags.macros) });
  const catalog = resolveCatalog({ sources: flags.source, config: flags.config });
  const bindings = await engine.describeSources(catalog.bindings);
  try {
    return compileQuery(parsed, bindings, compileOptions(flags));
  } catch (e) {
    if (e instanceof DuckhuntError && source.file && !e.file) throw e.withFile(source.file);
    throw e;
  }
}
