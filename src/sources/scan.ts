// Reading a sourcetype's files as Splunk events: one row per event with `_raw`, `_time`, `sourcetype`, `source`,
// `index`, and the fields the query names (`host` among them: the source's own, else the events' field). NDJSON (here): one event per line, the JSON fields extracted
// the way Splunk names them (`Item.Subject` → $.Item.Subject, `AffectedItems{}.Subject` → every element's Subject,
// a multivalue). Parquet (parquet.ts), Windows event XML (xml.ts) and text lines (text.ts) give the same columns.
//
// Lines are read as text and fields are extracted by path at query time, so no field can be lost to DuckDB's
// JSON schema sampling (it silently drops keys first seen after the sampled records).

import { DuckhuntError } from '../errors.ts';
import { sqlIdent, sqlString, sqlStringList } from '../sql/quote.ts';
import type { TimeRange } from '../compile/context.ts';
import type { SourceBinding } from './catalog.ts';
import { candidatePaths, isMultivalue, isPlainPath, leafGuard, leafSql, parseFieldName, plainPath, type LeafPath } from './json-path.ts';
import { TYPED_SCAN_ON, typedScanSql } from './ndjson-typed.ts';
import { parquetScanSql } from './parquet.ts';
import { recordsSql } from './records.ts';
import { defaultTextTime, kvFieldSql, textTimeSql } from './text.ts';
import { isSystemField, SYSTEM_SECTION, XML_TIME_FIELD, xmlFieldSql } from './xml.ts';

/** Fields every event has, computed rather than extracted. */
export const BUILT_IN_FIELDS = ['_raw', '_time', 'sourcetype', 'source', 'index'] as const;
export const isBuiltIn = (name: string): boolean => (BUILT_IN_FIELDS as readonly string[]).includes(name);

export interface ExtractedField {
  name: string;
  column: string;
}

/** Whether a field name reads a list (it has `{}`): a multivalue field. */
export const fieldIsMultivalue = (name: string): boolean => isMultivalue(parseFieldName(name));

/** Epoch seconds of 0001-01-01 and 10000-01-01: a time outside these years cannot be printed or partitioned. */
const TIME_BOUNDS = [-62135596800, 253402300800] as const;

/** The name a binding's timeParser gives the time text. */
export const TIME_TEXT = 'dh_time_text';

/**
 * The time of an event from the configured field's text: epoch seconds, ISO-8601 (UTC without offset), or
 * /Date(ms)/; with a parser (props.conf TIME_FORMAT), only text in that format. A time outside the years 1–9999
 * is not a readable time (decision X38), like text that is none.
 */
export function timeExpression(value: string, parser?: string): string {
  // ISO-8601 first: the common case, and no number parses as a timestamp (coalesce stops at the first value).
  const t =
    parser !== undefined
      ? parser.replaceAll(TIME_TEXT, value)
      : `coalesce(epoch(TRY_CAST(${value} AS TIMESTAMPTZ)), dh_num(${value}), TRY_CAST(regexp_extract(${value}, '^/Date\\((-?\\d+)\\)/$', 1) AS DOUBLE) / 1000)`;
  // A one-element list evaluates the time once (a CASE would repeat the parsing in each branch).
  return `list_filter([${t}], lambda dh_t: dh_t >= ${TIME_BOUNDS[0]} AND dh_t < ${TIME_BOUNDS[1]})[1]`;
}

export interface ScanOptions {
  /** The search's time range; Parquet scans use it to skip partitions and row groups. */
  range: TimeRange;
  /**
   * Number NDJSON lines, for D7's file-order tie-break. A line count makes DuckDB read the files on one thread;
   * without it the scan runs on every core, and `_dh_line` is 0.
   */
  lineOrder: boolean;
  /** The search's now (epoch seconds): a year-less text time is in its year. */
  now: number;
  /** A dataset's scan reads only the days from a floor the engine sets (compile/newest.ts). */
  dayFloor?: boolean;
}

/** Largest NDJSON line read (a longer one is an error naming the file). DuckDB reads in buffers of this size. */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;

/**
 * NDJSON files as lines of text: one row per line, with the file name and (per reader call) the line number.
 * Lines the reader cannot take (not UTF-8, a raw NUL, longer than MAX_LINE_BYTES) are stepped over rather than
 * stopping the query, and do not count in the numbering; `rejects` names tables that record them, for the input
 * check to report (engine.inputProblems).
 */
export function ndjsonLines(files: string[], numbered = true, rejects?: { table: string; scans: string }): string {
  const store = rejects ? `, store_rejects = true, rejects_table = ${sqlString(rejects.table)}, rejects_scan = ${sqlString(rejects.scans)}` : '';
  return (
    `read_csv(${sqlStringList(files)}, columns = {'line': 'VARCHAR'}, header = false, delim = chr(0), quote = '', escape = '', ` +
    `auto_detect = false, filename = true, max_line_size = ${MAX_LINE_BYTES}, buffer_size = ${MAX_LINE_BYTES}, ignore_errors = true${store})${numbered ? ' WITH ORDINALITY' : ''}`
  );
}

/**
 * The error for a file whose line ends DuckDB's line reader cannot take: it detects one kind of line end per file
 * (LF or CRLF) and stops, in the middle of a query, on a file that mixes them (exports concatenated from several
 * systems) or holds a lone CR. Its own message is about CSV; this one names the file and the fix.
 */
export function lineEndsError(message: string): DuckhuntError | undefined {
  if (!message.includes('CSV Parser state machine reached an invalid state')) return undefined;
  const file = /\n\s*file = (.*)\n/.exec(message)?.[1]?.trim();
  return new DuckhuntError('source_error', `${file ?? 'an NDJSON file'} mixes line ends (CRLF and LF, or a lone CR), which duckhunt's line reader cannot read`, {
    hint: `give it one kind of line end, e.g. sed -i 's/\\r$//' ${file ?? 'FILE'} (or dos2unix), then run again`,
  });
}

/** What makes a line an event: a JSON object. Anything else is skipped and reported. */
// Cheapest test first: ltrim (a copy of the line) only runs for lines that do not start with '{'.
export const VALID_LINE = `(starts_with(line, '{') OR starts_with(ltrim(line), '{')) AND json_valid(line)`;

/**
 * SQL for one binding's events (NDJSON lines, or Parquet columns: parquet.ts). Every binding of a query extracts
 * the same fields, so their scans union by name.
 */
export function scanSql(binding: SourceBinding, fields: ExtractedField[], opts: ScanOptions): string {
  // A source's own host is every event's (decision X82); without one, host is the events' own field.
  const host = binding.host !== undefined ? fields.find((f) => f.name === 'host') : undefined;
  if (!host) return formatScanSql(binding, fields, opts);
  const scan = formatScanSql(binding, fields.filter((f) => f !== host), opts);
  return `SELECT *, ${sqlString(binding.host!)} AS ${sqlIdent(host.column)} FROM (${scan})`;
}

function formatScanSql(binding: SourceBinding, fields: ExtractedField[], opts: ScanOptions): string {
  switch (binding.format) {
    case 'parquet':
      if (!binding.schema) throw new Error(`internal: Parquet source ${binding.sourcetype} was not described before compiling`);
      return parquetScanSql(binding, binding.schema, fields, (v) => timeExpression(v, binding.timeParser), opts.range, opts.dayFloor);
    case 'xml':
      return xmlScanSql(binding, fields);
    case 'text':
      return textScanSql(binding, fields, opts);
    case 'auto':
      throw new Error(`internal: the format of ${binding.sourcetype}'s files was not decided before compiling`);
  }
  const files = binding.paths;
  // json_value reads every plain path of the scalar fields (and the time field) in one parse of the line (null
  // for an object or array: not a value). DuckDB copies a field's expression into every filter that reads it (the
  // search, the null checks of stats by-fields), so each field is a list element, computed once: see
  // bench/RESULTS.md.
  const batch = new JsonValueBatch('_dh_j', 'field');
  const cols = [
    ...sourceColumns(binding, 'filename'),
    `${timeExpression('_dh_tv', binding.timeParser)} AS _time`,
    ...fields.map((f) => `${fieldIsMultivalue(f.name) ? multivalueSql('_raw', f.name) : batch.scalar(f.name, '_raw')} AS ${sqlIdent(f.column)}`),
  ];
  // The time field's text is computed once (_dh_tv): the time expression reads it several times.
  const time = batch.scalar(binding.timeField, '_raw');
  const inner =
    `SELECT *, ${time} AS _dh_tv FROM (` +
    `SELECT line AS _raw, filename, ${opts.lineOrder ? 'ordinality' : '0::BIGINT'} AS _dh_line, ${batch.select('line')} AS _dh_j ` +
    `FROM ${ndjsonLines(files, opts.lineOrder)} WHERE ${VALID_LINE})`;
  const lines = `SELECT ${cols.join(',\n         ')}\n  FROM (${inner})`;
  // The typed scan (ndjson-typed.ts) when the engine turns it on; the line scan when it does not, or when the typed
  // scan stopped on an event it cannot read exactly. Only one of the two branches is planned.
  const typed = opts.lineOrder ? undefined : typedScanSql(binding, fields, (v) => timeExpression(v, binding.timeParser), sqlStringList(files), MAX_LINE_BYTES);
  if (!typed) return lines;
  // _raw, which stops the typed scan when read, is not first: a count(*) keeps a union's first column.
  const [raw, ...rest] = sourceColumns(binding, '_dh_file');
  const typedCols = [...rest, raw, '_time', ...fields.map((f) => sqlIdent(f.column))];
  return `SELECT ${typedCols.join(', ')} FROM (${typed}) WHERE ${TYPED_SCAN_ON}\n  UNION ALL BY NAME\n  SELECT * FROM (${lines}) WHERE NOT ${TYPED_SCAN_ON}`;
}

/** `_raw`, the source's values (source: the file unless set), and `_dh_line`, over a relation with `filename`. */
export function sourceColumns(binding: SourceBinding, filename: string): string[] {
  return [
    '_raw',
    `${sqlString(binding.sourcetype)} AS sourcetype`,
    `${binding.source !== undefined ? sqlString(binding.source) : filename} AS source`,
    `${sqlString(binding.index)} AS "index"`,
    '_dh_line',
  ];
}

/** Windows event XML records (records.ts), their fields by xml.ts; a name some event repeats is multivalue. */
function xmlScanSql(binding: SourceBinding, fields: ExtractedField[]): string {
  const repeated = new Set(binding.repeated ?? []);
  const timeField = binding.timeFieldSet ? binding.timeField : XML_TIME_FIELD;
  const sys = [...fields.map((f) => f.name), timeField].some(isSystemField);
  const cols = [
    ...sourceColumns(binding, 'filename'),
    `${timeExpression(xmlFieldSql(timeField, false, '_dh_sys'), binding.timeParser)} AS _time`,
    ...fields.map((f) => `${xmlFieldSql(f.name, repeated.has(f.name), '_dh_sys')} AS ${sqlIdent(f.column)}`),
  ];
  const records = `(${recordsSql(binding.paths, 'xml')})`;
  return `SELECT ${cols.join(',\n         ')}\n  FROM (SELECT *${sys ? `, ${SYSTEM_SECTION} AS _dh_sys` : ''} FROM ${records} WHERE valid)`;
}

/** Text lines: the time where props.conf says (text.ts), fields by KV_MODE = auto (props.ts clears them for other modes). */
function textScanSql(binding: SourceBinding, fields: ExtractedField[], opts: ScanOptions): string {
  const time = textTimeSql(binding.textTime ?? defaultTextTime(), opts.now);
  const cols = [
    ...sourceColumns(binding, 'filename'),
    `${time.time('_dh_tv')} AS _time`,
    ...fields.map((f) => `${kvFieldSql(f.name)} AS ${sqlIdent(f.column)}`),
  ];
  return `SELECT ${cols.join(',\n         ')}\n  FROM (SELECT *, ${time.text} AS _dh_tv FROM (${recordsSql(binding.paths, 'text')}) WHERE valid)`;
}

/** The time of an XML or text record (a row with `_raw`), for the engine's report of events without one. */
export function recordTimeSql(binding: SourceBinding, now: number): string {
  if (binding.format === 'xml') return timeExpression(xmlFieldSql(binding.timeFieldSet ? binding.timeField : XML_TIME_FIELD, false, SYSTEM_SECTION), binding.timeParser);
  const time = textTimeSql(binding.textTime ?? defaultTextTime(), now);
  return time.time(`(${time.text})`);
}

/**
 * Scalar fields read through one json_value call over a line: every plain leaf they may read is parsed in one
 * pass, as JSON text (null for an object or array: not a value). Each field is the first of its candidate leaves
 * (X36) with a value, its text as written (X35).
 *
 * In `field` mode (the scan) each field turns its own JSON text into text: DuckDB copies a field's expression
 * into every filter that reads it (the search, the null checks of stats by-fields), so a field's expression must
 * be its own work only. In `list` mode (ingest, the input check: no such filters) the whole list is turned into
 * text by one lambda, keeping a query with hundreds of leaves small to plan; its line's numbers must already be
 * quoted when their spelling matters.
 */
export class JsonValueBatch {
  private readonly paths: string[] = [];
  constructor(
    private readonly column: string,
    private readonly mode: 'field' | 'list',
  ) {}

  private slot(path: LeafPath): string {
    const p = plainPath(path);
    let k = this.paths.indexOf(p);
    if (k < 0) k = this.paths.push(p) - 1;
    return `${this.column}[${k + 1}]`;
  }

  /** A scalar field's value (`line`: the line, for respelled numbers and for keys a JSON path cannot address). */
  scalar(name: string, line: string): string {
    // Runs of plain candidates are one value: the first JSON text of the run, turned into text once.
    const parts: string[] = [];
    let run: LeafPath[] = [];
    const flush = () => {
      if (run.length === 0) return;
      const slots = run.map((p) => this.slot(p));
      const json = slots.length === 1 ? slots[0] : `coalesce(${slots.join(', ')})`;
      if (this.mode === 'list') parts.push(json);
      else {
        const path = run.length === 1 ? sqlString(plainPath(run[0])) : `CASE ${run.map((p, i) => `WHEN ${slots[i]} IS NOT NULL THEN ${sqlString(plainPath(p))}`).join(' ')} END`;
        parts.push(`dh_json_text(${json}, ${line}, ${path})`);
      }
      run = [];
    };
    for (const p of candidatePaths(name)) {
      if (isPlainPath(p)) run.push(p);
      else {
        flush();
        parts.push(leafSql(line, p));
      }
    }
    flush();
    return parts.length === 1 ? parts[0] : `coalesce(${parts.join(', ')})`;
  }

  /** The value of exactly this plain leaf (list mode). */
  exact(path: LeafPath): string {
    return this.slot(path);
  }

  /** The batch's column, to select once every field was asked for: json_value of `doc` (as text in list mode). */
  select(doc: string): string {
    const values = `json_value(${doc}, ${sqlStringList(this.paths)})`;
    return this.mode === 'list' ? `list_transform(${values}, lambda dh_v: dh_scalar(dh_v))` : values;
  }
}

/**
 * A multivalue field's values, from its first candidate leaf (X36) that has any. Each candidate costs a parse of
 * the line, so it is only tried on lines that can hold it (most events do not have a given array).
 */
export function multivalueSql(line: string, name: string): string {
  const values = candidatePaths(name).map((p) => {
    const guard = leafGuard(line, p);
    const value = `dh_mv(${leafSql(line, p)})`;
    return guard ? `CASE WHEN ${guard} THEN ${value} END` : value;
  });
  return values.length === 1 ? values[0] : `coalesce(${values.join(', ')})`;
}
