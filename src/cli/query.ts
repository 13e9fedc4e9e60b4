// What `run` and `compile` share: reading the query (file or -e), macros, sources, compile options.

import { resolve } from 'node:path';
import { compilePrepared, type CompiledQuery } from '../compile/index.ts';
import { defaultCompileOptions, type CompileOptions, type CompileWarning, type PercMethod } from '../compile/context.ts';
import { parseAbsolute, resolveTime, TimeModifierError } from '../compile/time.ts';
import { checkTimeZone } from '../compile/zone.ts';
import { Engine } from '../engine/engine.ts';
import { DuckhuntError } from '../errors.ts';
import { parseQuery } from '../frontend.ts';
import { knowledgeFromConfig, loadKnowledge, lookupsToDescribe, withFormatProps, withTimeProps, type Knowledge } from '../knowledge/index.ts';
import { defaultMacroLibrary, type MacroLibrary } from '../macros/index.ts';
import { readQueryFile, type QuerySource } from '../query-file.ts';
import { configFile, resolveCatalog, type SourceBinding } from '../sources/catalog.ts';

export interface QueryFlags {
  execute?: string;
  source: string[];
  config?: string;
  macros: string[];
  /** Knowledge bundle directories (--knowledge), after the config's `knowledge` list. */
  knowledge: string[];
  /** Where outputlookup writes (--lookup-dir), else the config's `lookupDir`. */
  lookupDir?: string;
  now?: string;
  earliest?: string;
  latest?: string;
  timezone: string;
  subsearchMaxout: string;
  subsearchFilterMaxout?: string;
  subsearchFilterMaxtime?: string;
  percMethod: PercMethod;
  /** The MaxMind database iplocation reads (--geoip). */
  geoip?: string;
}

export function querySource(file: string | undefined, flags: QueryFlags): QuerySource {
  if (file && flags.execute !== undefined) throw new DuckhuntError('compile_error', 'give either a query FILE or -e SPL, not both');
  if (flags.execute !== undefined) return { file: undefined, text: flags.execute, detectionName: undefined };
  if (!file) throw new DuckhuntError('compile_error', 'no query: give a .spl/.yml FILE or -e "SPL"', { hint: 'e.g. duckhunt run -e "sourcetype=o365:management:activity | stats count by Operation"' });
  return readQueryFile(file);
}

export function compileOptions(flags: QueryFlags): CompileOptions {
  const opts = defaultCompileOptions();
  opts.timezone = checkTimeZone(flags.timezone);
  if (flags.now !== undefined) {
    const now = parseAbsolute(flags.now, opts.timezone);
    if (now === undefined) throw new DuckhuntError('compile_error', `--now must be epoch seconds, ISO-8601 or MM/DD/YYYY:HH:MM:SS, not '${flags.now}'`);
    opts.now = now;
  }
  for (const bound of ['earliest', 'latest'] as const) {
    const spec = flags[bound];
    if (spec === undefined) continue;
    try {
      opts.timeRange[bound] = resolveTime(spec, opts.now, opts.timezone);
    } catch (e) {
      if (e instanceof TimeModifierError) throw new DuckhuntError('compile_error', `--${bound}: ${e.message}`);
      throw e;
    }
  }
  // The time picker's latest defaults to now, as Splunk's does (decision X15).
  if (opts.timeRange.earliest !== undefined && opts.timeRange.latest === undefined) opts.timeRange.latest = opts.now;
  const cap = Number(flags.subsearchMaxout);
  if (!Number.isInteger(cap) || cap < 1) throw new DuckhuntError('compile_error', '--subsearch-maxout must be a positive whole number');
  opts.subsearchMaxOut = cap;
  if (flags.subsearchFilterMaxout !== undefined) {
    const n = Number(flags.subsearchFilterMaxout);
    if (!Number.isInteger(n) || n < 1) throw new DuckhuntError('compile_error', '--subsearch-filter-maxout must be a positive whole number');
    opts.filterMaxOut = n;
  }
  if (flags.subsearchFilterMaxtime !== undefined) {
    const n = Number(flags.subsearchFilterMaxtime);
    if (!Number.isFinite(n) || n < 0) throw new DuckhuntError('compile_error', '--subsearch-filter-maxtime must be a number of seconds (0: no limit)');
    opts.filterMaxTime = n;
  }
  opts.percMethod = flags.percMethod;
  if (flags.geoip !== undefined) opts.geoip = resolve(flags.geoip);
  return opts;
}

/** Compile warnings on stderr, each with its line:column. */
export function printWarnings(warnings: CompileWarning[]): void {
  for (const w of warnings) process.stderr.write(`warning: ${w.line !== undefined ? `${w.line}:${w.column}: ` : ''}${w.message}\n`);
}

export interface Prepared {
  query: CompiledQuery;
  /** Every bound source, read by this query or not (the output check protects them all). */
  bound: SourceBinding[];
}

/**
 * The knowledge bundles in effect: duckhunt's own, the config's `knowledge` list, then --knowledge; and the
 * macros (queries/macros.conf, the bundles', then --macros).
 */
export function knowledgeAndMacros(flags: Pick<QueryFlags, 'config' | 'knowledge' | 'lookupDir' | 'macros'>): { knowledge: Knowledge; macros: MacroLibrary } {
  const fromConfig = knowledgeFromConfig(configFile({ config: flags.config }));
  const knowledge = loadKnowledge([...fromConfig.dirs, ...(flags.knowledge ?? [])], { lookupDir: flags.lookupDir ?? fromConfig.lookupDir });
  return { knowledge, macros: defaultMacroLibrary(flags.macros, knowledge.macros) };
}

/** The knowledge and macros a query compiles with: loaded once by the shell for all its queries. */
export type QuerySession = ReturnType<typeof knowledgeAndMacros>;

/**
 * Every bound source as configured (`bound`) and as the compiler needs it (`bindings`: formats sniffed, Parquet
 * schemas and dataset column maps read from the files there are now).
 */
export async function describeBindings(flags: QueryFlags, knowledge: Knowledge, engine: Engine): Promise<{ bound: SourceBinding[]; bindings: SourceBinding[] }> {
  const bound = resolveCatalog({ sources: flags.source, config: flags.config }).bindings;
  return { bound, bindings: withTimeProps(knowledge, await engine.describeSources(withFormatProps(knowledge, bound))) };
}

/**
 * Reads, parses and compiles the query against the bound sources (Parquet sources and lookups are described first,
 * the events' fields discovered when a wildcard needs them, subsearch filters and chart series run). The engine is
 * confined before any of those reads the events and, for a query that will run (`writes` given), in any case. `writes(query, bound)` is called
 * once, just before confining, and names the files DuckDB writes besides the query's own lookup files (the -o
 * Parquet file); it may check them against every bound source. A `session` (the shell's) replaces loading the
 * knowledge and macros for this query alone.
 */
export async function prepare(
  file: string | undefined,
  flags: QueryFlags,
  engine: Engine,
  writes?: (query: CompiledQuery, bound: SourceBinding[]) => Promise<string[]>,
  session?: QuerySession,
): Promise<Prepared> {
  const source = querySource(file, flags);
  const { knowledge, macros } = session ?? knowledgeAndMacros(flags);
  const parsed = parseQuery(source, { macros });
  const { bound, bindings } = await describeBindings(flags, knowledge, engine);
  await engine.describeLookups(knowledge, lookupsToDescribe(parsed.ast, knowledge, bindings));
  try {
    let confined = false;
    const confine = async (q: CompiledQuery) => {
      if (confined) return;
      confined = true;
      await engine.confine(q.bindings, touchedFiles(q, writes ? await writes(q, bound) : []));
    };
    const query = await compilePrepared(parsed, bindings, { ...compileOptions(flags), knowledge }, {
      discover: async (requests, asking) => {
        await confine(asking);
        return engine.discoverFields(requests);
      },
      prerun: async (requests, asking) => {
        await confine(asking);
        return engine.prerun(requests);
      },
    });
    if (writes) await confine(query);
    return { query, bound };
  } catch (e) {
    if (e instanceof DuckhuntError && source.file && !e.file) throw e.withFile(source.file);
    throw e;
  }
}

/** What DuckDB may touch besides the bound sources: the lookup files the query reads, and the files it writes. */
function touchedFiles(q: CompiledQuery, output: string[]): string[] {
  const writes = Engine.lookupWrites(q).flatMap((w) => (w.file ? [w.file, Engine.temporaryFile(w.file)] : []));
  return [...output, ...q.lookupFiles, ...writes];
}
