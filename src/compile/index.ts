// Compile stage: parsed query + bound sources → DuckDB SQL (subsearch statements, then the main query).

import type { ParsedQuery } from '../frontend.ts';
import { SearchKnowledge } from '../knowledge/eventtypes.ts';
import { sqlComment, sqlIdent } from '../sql/quote.ts';
import type { SourceBinding } from '../sources/catalog.ts';
import { referencedFieldNames } from './collect.ts';
import { CompileContext, type CompileOptions, type CompileWarning } from './context.ts';
import type { DiscoveredFields, DiscoveryRequest } from '../sources/discover.ts';
import { newestFirstLimit } from './newest.ts';
import type { RegexSite } from './regex.ts';
import { type PassesPlan, PipelineBuilder, type QueryScope, type SubsearchStatement, userFields } from './pipeline.ts';
import type { PrerunRequest, PrerunResult, PrerunResults } from './prerun.ts';
import { preludeSql } from './prelude.ts';
import type { Field } from './types.ts';

export interface CompiledQuery {
  /** Join/append subsearches, to materialize (in order) before the main query. */
  subsearches: SubsearchStatement[];
  /** The main query: one CTE per command, then the output in Splunk's row order. */
  sql: string;
  /** N of a `search … | head N` over datasets whose scan has a day floor: the engine reads the newest days first (newest.ts). */
  newestFirst?: number;
  /** The same query with output columns named by their Splunk field names (for COPY … TO). */
  namedSql: string;
  /** Output fields in order: the Splunk name, its column in the result, and its shape. */
  fields: Field[];
  warnings: CompileWarning[];
  bindings: SourceBinding[];
  /** The calls that compile a regular expression when the query runs (a run-time failure is told at its call). */
  regexSites: RegexSite[];
  /** Lookup table files the query reads. */
  lookupFiles: string[];
  /** Field discoveries the query still needs before it can run (see compilePrepared); none for most queries. */
  discoveries: DiscoveryRequest[];
  /** Queries to run before this query can be compiled in full (see compilePrepared); none for most queries. */
  preruns: PrerunRequest[];
  /** The main query's last stats can run in passes when one pass runs out of memory; `namedFinish` names the columns as namedSql does. */
  passes?: PassesPlan & { namedFinish(): string };
}

/** What earlier compiles of a query asked for and got: the events' fields (discovery) and prerun answers. */
export interface Answers {
  discovered?: DiscoveredFields;
  preruns?: PrerunResults;
}

/**
 * Compiles the query. A wildcard over raw events (`table *`, `fields - _raw`…) needs the fields the events carry,
 * a subsearch filter or a chart's series the rows of a query: without them in `answers` the query comes back with
 * `discoveries` or `preruns` to run first (compilePrepared).
 */
export function compileQuery(parsed: ParsedQuery, bindings: SourceBinding[], options: CompileOptions, answers: Answers = {}): CompiledQuery {
  const ctx = new CompileContext(parsed.expansion, options);
  const terms = new SearchKnowledge(options.knowledge, parsed.macros, ctx);
  const ast = terms.expandPipeline(parsed.ast);
  const scope: QueryScope = {
    ctx,
    bindings,
    fieldNames: referencedFieldNames(ast),
    subsearches: [],
    used: new Set<SourceBinding>(),
    terms,
    lookupFiles: ctx.lookupFiles,
    discovered: answers.discovered ?? new Map(),
    discoveries: [],
    prerunResults: answers.preruns ?? new Map(),
    preruns: [],
    newestFirst: limitOf(newestFirstLimit(ast)),
  };
  const builder = new PipelineBuilder(scope, 'cmd');
  const last = builder.compile(ast);
  const fields = outputFields(userFields(last.schema), last.schema.open);
  const select = (named: boolean) =>
    fields.map((f) => (named ? `${sqlIdent(f.column)} AS ${sqlIdent(f.name)}` : sqlIdent(f.column))).join(', ') || '1 AS "(no fields)"';
  const ending = (named: boolean) => (rows: string) => `SELECT ${select(named)}\nFROM ${rows}\nORDER BY _dh_seq`;
  const main = (named: boolean) => `${builder.withClause()}\n${ending(named)(sqlIdent(last.name))}`;
  const passes = scope.newestFirst?.floored ? undefined : builder.passesPlan(last, ending(false));
  return {
    subsearches: scope.subsearches,
    sql: main(false),
    namedSql: main(true),
    fields,
    warnings: ctx.warnings,
    bindings: [...scope.used],
    lookupFiles: [...scope.lookupFiles],
    regexSites: ctx.regexSites,
    discoveries: scope.discoveries,
    preruns: scope.preruns,
    newestFirst: scope.newestFirst?.floored ? scope.newestFirst.limit : undefined,
    ...(passes ? { passes: { ...passes, namedFinish: () => ending(true)(sqlIdent(passes.stage)) } } : {}),
  };
}

const limitOf = (n: number | undefined) => (n === undefined ? undefined : { limit: n, floored: false });

/** Runs what a compile asks for before the query can be compiled in full (the engine does). */
export interface Preparation {
  /** Field discoveries (sources/discover.ts): the field names of each pipeline's events. */
  discover(requests: DiscoveryRequest[], asking: CompiledQuery): Promise<ReadonlyMap<string, readonly string[]>>;
  /** Preruns (prerun.ts): their rows. */
  prerun(requests: PrerunRequest[], asking: CompiledQuery): Promise<PrerunResults>;
}

/**
 * Compiles the query with what its wildcards and subsearch filters need: each compile that asks for field
 * discoveries or preruns has them run and the query is compiled again with the answers, until a compile asks for
 * nothing. A compile asks for one kind at a time (a request may read rows that depend on an earlier one's
 * answer; see PipelineBuilder.prerun). A query without such commands compiles once and reads nothing.
 */
export async function compilePrepared(parsed: ParsedQuery, bindings: SourceBinding[], options: CompileOptions, prepare: Preparation): Promise<CompiledQuery> {
  const discovered = new Map<string, readonly string[]>();
  const preruns = new Map<string, PrerunResult>();
  for (;;) {
    const q = compileQuery(parsed, bindings, options, { discovered, preruns });
    if (q.discoveries.length > 0) {
      const results = await prepare.discover(q.discoveries, q);
      for (const r of q.discoveries) {
        const names = results.get(r.key);
        if (!names) throw new Error(`internal: field discovery gave no result for pipeline ${r.key}`);
        discovered.set(r.key, names);
      }
    } else if (q.preruns.length > 0) {
      const answers = await prepare.prerun(q.preruns, q);
      for (const r of q.preruns) {
        const answer = answers.get(r.key);
        if (!answer || preruns.has(r.key)) throw new Error(`internal: the prerun ${r.key} gave no new answer`);
        preruns.set(r.key, answer);
      }
    } else {
      return q;
    }
  }
}

/** Raw events show _time first and _raw last, like Splunk's event list; transformed rows keep their order. */
function outputFields(fields: Field[], events: boolean): Field[] {
  if (!events) return fields;
  const rank = (f: Field) => (f.name === '_time' ? 0 : f.name === '_raw' ? 2 : 1);
  return [...fields].sort((a, b) => rank(a) - rank(b));
}

/** Everything `duckhunt compile` prints: the prelude macros, subsearch statements, and the main query. */
export function renderSql(q: CompiledQuery, withPrelude: boolean): string {
  const parts: string[] = [];
  if (withPrelude) parts.push(`-- duckhunt helper macros\n${preludeSql()}`);
  for (const s of q.subsearches) {
    const written = s.write
      ? `\n${sqlComment(`then written by outputlookup to ${s.write.file ?? '(the --lookup-dir directory)'}`)}`
      : s.geo
        ? `\n${sqlComment(`then iplocation fills ${s.geo.table} with the locations of its distinct addresses, from ${s.geo.file}`)}`
        : '';
    if (s.transaction) {
      parts.push(`${sqlComment(`${s.label}: duckhunt groups these rows into transactions, into table ${s.table}`)}\n${s.sql};`);
      continue;
    }
    parts.push(`${sqlComment(s.label)}\nCREATE OR REPLACE TEMP TABLE ${sqlIdent(s.table)} AS\n${s.sql};${written}`);
  }
  parts.push(`${q.sql};`);
  return parts.join('\n\n') + '\n';
}
