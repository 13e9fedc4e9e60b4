// Compile stage: parsed query + bound sources → DuckDB SQL (subsearch statements, then the main query).

import type { ParsedQuery } from '../frontend.ts';
import { SearchKnowledge } from '../knowledge/eventtypes.ts';
import { sqlComment, sqlIdent } from '../sql/quote.ts';
import type { SourceBinding } from '../sources/catalog.ts';
import { referencedFieldNames } from './collect.ts';
import { CompileContext, type CompileOptions, type CompileWarning } from './context.ts';
import { PipelineBuilder, type QueryScope, type SubsearchStatement, userFields } from './pipeline.ts';
import type { PrerunRequest, PrerunResult, PrerunResults, PrerunRunner } from './prerun.ts';
import { preludeSql } from './prelude.ts';
import type { Field } from './types.ts';

export interface CompiledQuery {
  /** Join/append subsearches, to materialize (in order) before the main query. */
  subsearches: SubsearchStatement[];
  /** The main query: one CTE per command, then the output in Splunk's row order. */
  sql: string;
  /** The same query with output columns named by their Splunk field names (for COPY … TO). */
  namedSql: string;
  /** Output fields in order: the Splunk name, its column in the result, and its shape. */
  fields: Field[];
  warnings: CompileWarning[];
  bindings: SourceBinding[];
  /** Lookup table files the query reads. */
  lookupFiles: string[];
  /** Queries to run before this query can be compiled in full (compileWithPreruns); none for most queries. */
  preruns: PrerunRequest[];
}

/**
 * Compiles the query. A subsearch filter, or a chart's series, needs the answer of a query first: without it in
 * `prerunResults` the result comes back with `preruns` to run (compileWithPreruns does that).
 */
export function compileQuery(parsed: ParsedQuery, bindings: SourceBinding[], options: CompileOptions, prerunResults: PrerunResults = new Map()): CompiledQuery {
  const ctx = new CompileContext(parsed.expansion, options);
  const terms = new SearchKnowledge(options.knowledge, parsed.macros, ctx);
  const ast = terms.expandPipeline(parsed.ast);
  const scope: QueryScope = {
    ctx,
    bindings,
    fieldNames: referencedFieldNames(ast),
    subsearches: [] as SubsearchStatement[],
    used: new Set<SourceBinding>(),
    terms,
    lookupFiles: new Set<string>(),
    prerunResults,
    preruns: [],
  };
  const builder = new PipelineBuilder(scope, 'cmd');
  const last = builder.compile(ast);
  const fields = outputFields(userFields(last.schema), last.schema.open);
  const select = (named: boolean) =>
    fields.map((f) => (named ? `${sqlIdent(f.column)} AS ${sqlIdent(f.name)}` : sqlIdent(f.column))).join(', ') || '1 AS "(no fields)"';
  const main = (named: boolean) => `${builder.withClause()}\nSELECT ${select(named)}\nFROM ${sqlIdent(last.name)}\nORDER BY _dh_seq`;
  return {
    subsearches: scope.subsearches,
    sql: main(false),
    namedSql: main(true),
    fields,
    warnings: ctx.warnings,
    bindings: [...scope.used],
    lookupFiles: [...scope.lookupFiles],
    preruns: scope.preruns,
  };
}

/**
 * Compiles the query with the answers its preruns need: each compile that asks for one has it run (`run`: the
 * engine) and the query is compiled again, until a compile asks for none. A query without subsearch filters or
 * chart series compiles once.
 */
export async function compileWithPreruns(parsed: ParsedQuery, bindings: SourceBinding[], options: CompileOptions, run: PrerunRunner<CompiledQuery>): Promise<CompiledQuery> {
  const results = new Map<string, PrerunResult>();
  for (;;) {
    const q = compileQuery(parsed, bindings, options, results);
    if (q.preruns.length === 0) return q;
    const answers = await run(q.preruns, q);
    for (const r of q.preruns) {
      const answer = answers.get(r.key);
      if (!answer || results.has(r.key)) throw new Error(`internal: the prerun ${r.key} gave no new answer`);
      results.set(r.key, answer);
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
    const written = s.write ? `\n${sqlComment(`then written by outputlookup to ${s.write.file ?? '(the --lookup-dir directory)'}`)}` : '';
    if (s.transaction) {
      parts.push(`${sqlComment(`${s.label}: duckhunt groups these rows into transactions, into table ${s.table}`)}\n${s.sql};`);
      continue;
    }
    parts.push(`${sqlComment(s.label)}\nCREATE OR REPLACE TEMP TABLE ${sqlIdent(s.table)} AS\n${s.sql};${written}`);
  }
  parts.push(`${q.sql};`);
  return parts.join('\n\n') + '\n';
}
