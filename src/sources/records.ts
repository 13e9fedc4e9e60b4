// Events of XML and text sources, as rows of (`_raw`, `filename`, `_dh_line` — the line the event starts on):
// the files are read as lines (ndjsonLines: any size of file, gzip too), and for XML the lines of a record that
// spans several lines are joined. What is not an event (a line outside any `<Event>…</Event>` record) is kept
// with `valid = false` so that it can be counted and reported, never silently dropped.

import { ndjsonLines } from './scan.ts';
import type { SourceFormat } from './catalog.ts';

/**
 * SQL for the records of `files` with a `valid` column. Lines are numbered (one thread reads each file), since a
 * record's lines must be joined in order. XML: a line that starts with `<Event` and ends with `</Event>` is a
 * record by itself (the common case, no grouping); the other lines are grouped, each group starting at a line
 * that starts with `<Event`, and a group is a record when it ends with `</Event>`. Text: every line that is not
 * blank is an event (LINE_BREAKER and SHOULD_LINEMERGE are not applied).
 */
// Regexes rather than trim(): DuckDB's trim with a set of characters is slow on long lines (3 s for 20,000
// lines of 1 KB, against 0.3 s for a regex).
const START = `'^[\\s\\x{FEFF}]*<Event[\\s>/]'`;
const END = `'</Event>\\s*$'`;
/** Whether a line (or record) holds more than white space. */
export const NOT_BLANK = (column: string) => `regexp_matches(${column}, '[^\\s\\x{FEFF}]')`;

export function recordsSql(files: string[], format: Extract<SourceFormat, 'xml' | 'text'>): string {
  const lines = `SELECT line, filename, ordinality AS n FROM ${ndjsonLines(files, true)}`;
  if (format === 'text') {
    return `SELECT line AS _raw, filename, n AS _dh_line, true AS valid FROM (${lines}) WHERE ${NOT_BLANK('line')}`;
  }
  const start = `regexp_matches(line, ${START})`;
  const end = `regexp_matches(line, ${END})`;
  const marked = `SELECT line, filename, n, ${start} AS dh_s, ${end} AS dh_e FROM (${lines})`;
  const grouped =
    `SELECT string_agg(line, chr(10) ORDER BY n) AS _raw, filename, min(n) AS _dh_line FROM (` +
    `SELECT *, sum(dh_s::INTEGER) OVER (PARTITION BY filename ORDER BY n ROWS UNBOUNDED PRECEDING) AS dh_g FROM dh_marked WHERE NOT (dh_s AND dh_e)` +
    `) GROUP BY filename, dh_g`;
  return (
    `WITH dh_marked AS (${marked}) ` +
    `SELECT line AS _raw, filename, n AS _dh_line, true AS valid FROM dh_marked WHERE dh_s AND dh_e ` +
    `UNION ALL SELECT _raw, filename, _dh_line, regexp_matches(_raw, ${START}) AND regexp_matches(_raw, ${END}) AS valid ` +
    `FROM (${grouped}) WHERE ${NOT_BLANK('_raw')}`
  );
}
