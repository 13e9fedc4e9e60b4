// `search … | head N` over day-partitioned datasets (`duckhunt ingest`) needs only the newest days: the scan of
// such a query is compiled with a day floor, a DuckDB variable the engine replaces (Engine.run) by the newest
// day, then by older ones, until the head has its N rows. Every event of a day at or after the floor is newer than
// every event before it (days are the UTC dates of `_time`; events without a time sort last, D7), so the N
// newest events at or after the floor, when there are N, are the N newest of all. Unset, the floor reads all.

import type * as A from '../ast/ast.ts';
import { sqlString } from '../sql/quote.ts';

/**
 * The day floor in the SQL: a DuckDB variable nothing sets, so the SQL as compiled (or printed) reads every day;
 * the engine replaces its text by a date. (User text never reads the same: its quotes are doubled.)
 */
export const DAY_FLOOR = `getvariable(${sqlString('dh_day_floor')})`;

/** The scan's condition on its `day` partition column. */
export const dayFloorCondition = (): string => `(${DAY_FLOOR} IS NULL OR day >= CAST(${DAY_FLOOR} AS DATE))`;

/** Commands that keep or drop each event on its own, before the head: the head still takes the newest that pass. */
const PER_EVENT = new Set(['search', 'where', 'eval', 'fields', 'rename', 'table', 'rex', 'convert']);
/** Commands that keep every row, after the head: its N rows are the query's N rows. */
const ROW_KEEPING = new Set(['eval', 'fields', 'rename', 'table', 'convert']);

/** N, when the pipeline is the initial search, commands of each event alone, `head N`, and commands that keep rows. */
export function newestFirstLimit(p: A.Pipeline): number | undefined {
  const [first, ...rest] = p.commands;
  if (first?.command !== 'search') return undefined;
  const at = rest.findIndex((c) => c.command === 'head');
  if (at < 0) return undefined;
  const head = rest[at] as A.HeadCommand;
  // Options (limit=) are left to the plain scan.
  if (head.options.length > 0) return undefined;
  if (!rest.slice(0, at).every((c) => PER_EVENT.has(c.command)) || !rest.slice(at + 1).every((c) => ROW_KEEPING.has(c.command))) return undefined;
  const n = head.count ?? 10;
  return n > 0 ? n : undefined;
}
