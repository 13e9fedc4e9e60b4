// Grouping rows by field values, as Splunk's BY clauses do (stats, top, chart, timechart): a row with a
// multivalue field counts once per value, a row with several multivalue fields once per combination of their
// values, and a row missing any of the fields is in no group.

import { sqlIdent } from '../sql/quote.ts';
import type { Field } from './types.ts';

/**
 * The rows of `from` (a relation or a parenthesised query) split by the values of `fields` — one row per value of
 * each multivalue field, in turn, so that several give every combination — and those without a value of any of
 * them dropped. The fields come back single-valued. `dedup`: a value repeated in one row counts once.
 */
export function splitByFields(from: string, fields: Field[], dedup = false): { from: string; fields: Field[] } {
  let sql = from;
  for (const f of fields.filter((x) => x.type === 'mv')) {
    const col = sqlIdent(f.column);
    sql = `(SELECT * REPLACE (unnest(${dedup ? `list_distinct(${col})` : col}) AS ${col}) FROM ${sql})`;
  }
  if (fields.length > 0) sql = `(SELECT * FROM ${sql} WHERE ${fields.map((f) => `${sqlIdent(f.column)} IS NOT NULL`).join(' AND ')})`;
  return { from: sql, fields: fields.map((f) => (f.type === 'mv' ? { ...f, type: 'str' } : f)) };
}
