// Reading a sourcetype's files as Splunk events: one row per NDJSON line with `_raw`, `_time`, `sourcetype`,
// `source`, `index`, and the JSON fields the query names, extracted the way Splunk names them
// (`Item.Subject` → $.Item.Subject, `AffectedItems{}.Subject` → every element's Subject, a multivalue).
//
// Lines are read as text and fields are extracted by path at query time, so no field can be lost to DuckDB's
// JSON schema sampling (it silently drops keys first seen after the sampled records).

import { sqlIdent, sqlString, sqlStringList } from '../sql/quote.ts';
import type { TimeRange } from '../compile/context.ts';
import type { SourceBinding } from './catalog.ts';
import { parquetScanSql } from './parquet.ts';

/** Fields every event has, computed rather than extracted. */
export const BUILT_IN_FIELDS = ['_raw', '_time', 'sourcetype', 'source', 'index'] as const;
export const isBuiltIn = (name: string): boolean => (BUILT_IN_FIELDS as readonly string[]).includes(name);

export interface ExtractedField {
  name: string;
  column: string;
}

/** A Splunk JSON field name as a DuckDB JSON path; `{}` marks an array whose elements are all taken. */
export function jsonPath(name: string): { path: string; multivalue: boolean } {
  const segments = name.split('.');
  let multivalue = false;
  const parts = segments.map((seg) => {
    const m = /^([\s\S]*?)((?:\{\})*)$/.exec(seg)!; // [\s\S]: a key may hold line breaks
    const key = m[1];
    const arrays = m[2].length / 2;
    if (arrays > 0) multivalue = true;
    const quotedKey = /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? key : `"${key.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
    return (key === '' ? '' : '.' + quotedKey) + '[*]'.repeat(arrays);
  });
  return { path: '$' + parts.join(''), multivalue };
}

/** The JSON path of a top-level key that itself contains dots. */
export function flatKeyPath(name: string): string {
  return `$."${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** The text of a leaf from `json_value()` output (JSON text, null for an object or array): one unquoting call. */
export const leafText = (jsonValueSql: string): string => `json_extract_string(${jsonValueSql}, '$')`;

/** The name a binding's timeParser gives the time text. */
export const TIME_TEXT = 'dh_time_text';

/**
 * The time of an event from the configured field: epoch seconds, ISO-8601 (UTC without offset), or /Date(ms)/;
 * with a parser (props.conf TIME_FORMAT), only text in that format.
 */
export function timeExpression(value: string, parser?: string): string {
  if (parser !== undefined) return parser.replaceAll(TIME_TEXT, value);
  // ISO-8601 first: the common case, and no number parses as a timestamp (coalesce stops at the first value).
  return `coalesce(epoch(TRY_CAST(${value} AS TIMESTAMPTZ)), dh_num(${value}), TRY_CAST(regexp_extract(${value}, '^/Date\\((-?\\d+)\\)/$', 1) AS DOUBLE) / 1000)`;
}

export interface ScanOptions {
  /** The search's time range; Parquet scans use it to skip partitions and row groups. */
  range: TimeRange;
  /**
   * Number NDJSON lines, for D7's file-order tie-break. A line count makes DuckDB read the files on one thread;
   * without it the scan runs on every core, and `_dh_line` is 0.
   */
  lineOrder: boolean;
}

/** Largest NDJSON line read (a longer one is an error naming the file). DuckDB reads in buffers of this size. */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;

/** NDJSON files as lines of text: one row per line, with the file name and (per reader call) the line number. */
export function ndjsonLines(files: string[], numbered = true): string {
  return (
    `read_csv(${sqlStringList(files)}, columns = {'line': 'VARCHAR'}, header = false, delim = chr(0), quote = '', escape = '', ` +
    `auto_detect = false, filename = true, max_line_size = ${MAX_LINE_BYTES}, buffer_size = ${MAX_LINE_BYTES})${numbered ? ' WITH ORDINALITY' : ''}`
  );
}

/** What makes a line an event: a JSON object. Anything else is skipped and reported. */
// Cheapest test first: ltrim (a copy of the line) only runs for lines that do not start with '{'.
export const VALID_LINE = `(starts_with(line, '{') OR starts_with(ltrim(line), '{')) AND json_valid(line)`;

/**
 * SQL for one binding's events (NDJSON lines, or Parquet columns: parquet.ts). Every binding of a query extracts
 * the same fields, so their scans union by name.
 */
export function scanSql(binding: SourceBinding, fields: ExtractedField[], opts: ScanOptions): string {
  if (binding.format === 'parquet') {
    if (!binding.schema) throw new Error(`internal: Parquet source ${binding.sourcetype} was not described before compiling`);
    return parquetScanSql(binding, binding.schema, fields, (v) => timeExpression(v, binding.timeParser), opts.range);
  }
  const files = binding.paths;
  const scalar = fields.filter((f) => !jsonPath(f.name).multivalue);
  const multi = fields.filter((f) => jsonPath(f.name).multivalue);
  const timePath = jsonPath(binding.timeField);
  // A dotted name is a nested key (`{"Folder": {"Path": …}}`) or, in flat JSON, a key with a dot in it.
  const flat = scalar.filter((f) => f.name.includes('.'));
  const paths = [...scalar.map((f) => jsonPath(f.name).path), timePath.path, ...flat.map((f) => flatKeyPath(f.name))];
  const flatIndex = (f: ExtractedField) => scalar.length + 2 + flat.indexOf(f);
  // json_value gives each path's scalar as JSON text, null for an object or array (not a leaf: no value), so a
  // leaf is one small unquoting call. DuckDB copies a field's expression into every filter that reads it (the
  // search, the null checks of stats by-fields), so its cost counts many times per event: see bench/RESULTS.md.
  const leaf = (k: number) => leafText(`_dh_j[${k}]`);
  // The time field's text is computed once (_dh_tv): the time expression reads it several times.
  const inner =
    `SELECT *, ${leaf(scalar.length + 1)} AS _dh_tv FROM (` +
    `SELECT line AS _raw, filename AS source, ${opts.lineOrder ? 'ordinality' : '0::BIGINT'} AS _dh_line, json_value(line, ${sqlStringList(paths)}) AS _dh_j ` +
    `FROM ${ndjsonLines(files, opts.lineOrder)} WHERE ${VALID_LINE})`;
  const cols = [
    '_raw',
    `${sqlString(binding.sourcetype)} AS sourcetype`,
    'source',
    `${sqlString(binding.index)} AS "index"`,
    '_dh_line',
    `${timeExpression('_dh_tv', binding.timeParser)} AS _time`,
    ...scalar.map((f, i) =>
      f.name.includes('.')
        ? `coalesce(${leaf(i + 1)}, ${leaf(flatIndex(f))}) AS ${sqlIdent(f.column)}`
        : `${leaf(i + 1)} AS ${sqlIdent(f.column)}`,
    ),
    // JSON nulls inside arrays are not values.
    ...multi.map((f) => `dh_mv(list_filter(json_extract_string(_raw, ${sqlString(jsonPath(f.name).path)}), lambda dh_v: dh_v IS NOT NULL)) AS ${sqlIdent(f.column)}`),
  ];
  return `SELECT ${cols.join(',\n         ')}\n  FROM (${inner})`;
}
