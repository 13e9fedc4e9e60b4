// The library entry point: run an SPL query over bound sources and get row objects back (what the CLI does,
// without the printing). Used by the test suites, and by anyone embedding duckhunt.

import { compileDiscovering, compileQuery, type CompiledQuery } from './compile/index.ts';
import { defaultCompileOptions, type CompileOptions } from './compile/context.ts';
import { Engine, type RunNotice } from './engine/engine.ts';
import { DuckhuntError } from './errors.ts';
import { parseQuery, type ParsedQuery } from './frontend.ts';
import { builtInKnowledge, lookupsToDescribe, withFormatProps, withTimeProps, type Knowledge } from './knowledge/index.ts';
import { defaultMacroLibrary, type MacroLibrary } from './macros/index.ts';
import { rowObject } from './output/values.ts';
import type { QuerySource } from './query-file.ts';
import type { SourceBinding } from './sources/catalog.ts';

export interface RunOptions {
  bindings: SourceBinding[];
  macros?: MacroLibrary;
  /** Knowledge bundles (loadKnowledge); duckhunt's own bundle by default. Their macros join `macros`' defaults. */
  knowledge?: Knowledge;
  compile?: Partial<CompileOptions>;
  /** Reuse an engine across queries (tests); otherwise one is created and closed. */
  engine?: Engine;
}

export interface RunResult {
  query: CompiledQuery;
  rows: Record<string, unknown>[];
  notices: RunNotice[];
}

function parse(source: QuerySource | string, opts: Omit<RunOptions, 'engine'>): { src: QuerySource; parsed: ParsedQuery; knowledge: Knowledge } {
  const src = typeof source === 'string' ? { file: undefined, text: source, detectionName: undefined } : source;
  const knowledge = opts.knowledge ?? opts.compile?.knowledge ?? builtInKnowledge();
  return { src, knowledge, parsed: parseQuery(src, { macros: opts.macros ?? defaultMacroLibrary([], knowledge.macros) }) };
}

/** An error names the query file it comes from. */
const withFile = (e: unknown, src: QuerySource): unknown => (e instanceof DuckhuntError && src.file && !e.file ? e.withFile(src.file) : e);

/**
 * Compiles without an engine: lookup tables the query reads must have been described (Engine.describeLookups).
 * A wildcard over raw events leaves `discoveries` in the result: such a query is compiled by compileWith (or
 * runText), which asks the engine for the events' fields.
 */
export function compileText(source: QuerySource | string, opts: Omit<RunOptions, 'engine'>): CompiledQuery {
  const { src, parsed, knowledge } = parse(source, opts);
  try {
    return compileQuery(parsed, withTimeProps(knowledge, opts.bindings), { ...defaultCompileOptions(), ...opts.compile, knowledge });
  } catch (e) {
    throw withFile(e, src);
  }
}

/** Compiles against the engine's view of the sources: Parquet and lookups described, fields discovered where wildcards need them. */
export async function compileWith(engine: Engine, source: QuerySource | string, opts: Omit<RunOptions, 'engine'>): Promise<CompiledQuery> {
  const { src, parsed, knowledge } = parse(source, opts);
  const bindings = await engine.describeSources(withFormatProps(knowledge, opts.bindings));
  await engine.describeLookups(knowledge, lookupsToDescribe(parsed.ast, knowledge, bindings));
  try {
    const options = { ...defaultCompileOptions(), ...opts.compile, knowledge };
    return await compileDiscovering(parsed, withTimeProps(knowledge, bindings), options, (requests) => engine.discoverFields(requests));
  } catch (e) {
    throw withFile(e, src);
  }
}

export async function runText(source: QuerySource | string, opts: RunOptions): Promise<RunResult> {
  const engine = opts.engine ?? (await Engine.create({ timezone: 'UTC' }));
  try {
    const query = await compileWith(engine, source, opts);
    const rows: Record<string, unknown>[] = [];
    const { notices } = await engine.run(query, (chunk) => {
      for (const r of chunk) rows.push(rowObject(query.fields, r));
    });
    return { query, rows, notices };
  } finally {
    if (!opts.engine) engine.close();
  }
}
