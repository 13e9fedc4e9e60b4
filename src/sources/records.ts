// Events of XML and text sources, as rows of (`_raw`, `filename`, `_dh_line` — the line the event starts on):
// the files are read as lines (textLines: any size of file, gzip too), and for XML the lines of a record that
// spans several lines are joined. What is not an event (a line outside any `<Event>…</Event>` record) is kept
// with `valid = false` so that it can be counted and reported, never silently dropped.

import { sqlStringList } from '../sql/quote.ts';
import { MAX_LINE_BYTES } from './scan.ts';
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
/**
 * The lines of text files, with the file name and (when numbered) the line number. Windows writes files whose
 * lines end in CRLF and LF both, which DuckDB's strict CSV reader refuses, so the reader is not strict; a NUL
 * byte, the field delimiter, then ends `line` early, and the rest goes to `dh_nul`, which marks the line as
 * unreadable (never silently cut). Lines that are not UTF-8 are stepped over.
 */
export function textLines(files: string[], numbered: boolean): string {
  return (
    `read_csv(${sqlStringList(files)}, columns = {'line': 'VARCHAR', 'dh_nul': 'VARCHAR'}, header = false, delim = chr(0), quote = '', escape = '', ` +
    `auto_detect = false, strict_mode = false, null_padding = true, ignore_errors = true, filename = true, max_line_size = ${MAX_LINE_BYTES}, buffer_size = ${MAX_LINE_BYTES})` +
    (numbered ? ' WITH ORDINALITY' : '')
  );
}

/** Whether a line (or record) holds more than white space. */
export const NOT_BLANK = (column: string) => `regexp_matches(${column}, '[^\\s\\x{FEFF}]')`;

export function recordsSql(files: string[], format: Extract<SourceFormat, 'xml' | 'text'>): string {
  const lines = `SELECT line, filename, ordinality AS n, dh_nul IS NOT NULL AS dh_bad FROM ${textLines(files, true)}`;
  if (format === 'text') {
    return `SELECT line AS _raw, filename, n AS _dh_line, NOT dh_bad AS valid FROM (${lines}) WHERE ${NOT_BLANK('line')} OR dh_bad`;
  }
  const start = `regexp_matches(line, ${START})`;
  const end = `regexp_matches(line, ${END})`;
  const marked = `SELECT line, filename, n, dh_bad, ${start} AS dh_s, ${end} AS dh_e FROM (${lines})`;
  const grouped =
    `SELECT string_agg(line, chr(10) ORDER BY n) AS _raw, filename, min(n) AS _dh_line, bool_or(dh_bad) AS dh_bad FROM (` +
    `SELECT *, sum(dh_s::INTEGER) OVER (PARTITION BY filename ORDER BY n ROWS UNBOUNDED PRECEDING) AS dh_g FROM dh_marked WHERE dh_bad OR NOT (dh_s AND dh_e)` +
    `) GROUP BY filename, dh_g`;
  return (
    `WITH dh_marked AS (${marked}) ` +
    `SELECT line AS _raw, filename, n AS _dh_line, true AS valid FROM dh_marked WHERE dh_s AND dh_e AND NOT dh_bad ` +
    `UNION ALL SELECT _raw, filename, _dh_line, NOT dh_bad AND regexp_matches(_raw, ${START}) AND regexp_matches(_raw, ${END}) AS valid ` +
    `FROM (${grouped}) WHERE ${NOT_BLANK('_raw')} OR dh_bad`
  );
}
