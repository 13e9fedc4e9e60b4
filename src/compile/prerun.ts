// Preruns: queries whose answer the compiler needs before it can compile the rest of a query.
//
//   - a subsearch used as a filter (`… [search … | fields user]`): Splunk runs it first and splices its rows,
//     formatted as search terms, into the outer search; its field names and values decide the SQL;
//   - the series of a chart or timechart split by a field, and the columns of xyseries: each value becomes a
//     column, which the rest of the pipeline may name.
//
// A compile that meets one asks for it (PipelineBuilder.prerun) and compiles on with a placeholder; the engine
// runs what was asked (Engine.prerun) and the query is compiled again with the answers (compileWithPreruns). One
// prerun is asked for at a time: a later one may read rows that depend on the first's answer.

import type { Span } from '../errors.ts';
import type { SubsearchStatement } from './pipeline.ts';

export interface PrerunRequest {
  /** Identity across compiles of one query: what asks and where it is in the query text. */
  key: string;
  /** The SPL that asks (for messages). */
  label: string;
  span: Span;
  /** Statements (join/append subsearch tables) the SQL reads, created before it runs. */
  statements: SubsearchStatement[];
  sql: string;
  /** Rows kept; a result with more is marked truncated (the SQL returns at most one more). */
  maxRows: number;
  /** Seconds the query may run before it is stopped (a subsearch's maxtime); none when undefined. */
  maxSeconds?: number;
  /** How to name the limit hit in an error: the setting that raises it. */
  timeSetting?: string;
}

export interface PrerunResult {
  /** Rows as JavaScript values, columns in the order the SQL selects them. */
  rows: unknown[][];
  /** The query had more than maxRows rows. */
  truncated: boolean;
}

export type PrerunResults = ReadonlyMap<string, PrerunResult>;

/** Runs preruns (the engine) for a compile, which is given so that its sources can be confined first. */
export type PrerunRunner<Q> = (requests: PrerunRequest[], asking: Q) => Promise<PrerunResults>;
