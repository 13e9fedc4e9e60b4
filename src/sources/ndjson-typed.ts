// The typed NDJSON scan (decision X135): DuckDB's read_json parses each line once into one JSON-typed column per
// top-level key the query reads (given explicitly, so no schema sampling and no key lost wherever it first
// appears), and fields are read from those small columns instead of from the whole line. It is exact only for
// ordinary data, so it is *optimistic*: where it cannot give the line scan's answer (scan.ts) it stops the query
// with TYPED_FALLBACK, and the engine runs the query again reading lines. It stops on
//
// - a row none of whose columns has a value: a line read_json could not take (not JSON, not an object, not UTF-8,
//   a NUL byte, a UTF-8 BOM before the first object), which the line scan skips and reports or (the BOM) reads,
//   or an object with none of the keys. Every field of such a row stops when it is read, so a query filter
//   stops on it wherever DuckDB evaluates that filter, and the scan's own filter stops the rows no query filter
//   reads a field of;
// - a value that is a number whose spelling read_json may have changed (1.50 → 1.5, 1E5 → 100000.0, -0 → 0):
//   a value's text is the JSON's text (X35), which only the line has;
// - `_raw`, which the typed scan does not have.
//
// It is used when ties in _time cannot change the result (no line numbers: ScanOptions.lineOrder), where the
// query's rows come out only after the scan ends (a stats-like command reduces the events first), and only
// where the keys allow: two keys that differ only in case cannot both be read_json columns (DuckDB's struct keys
// are case-insensitive), nor can the keys "" and "*", a key holding a NUL, or one named like the scan's own columns.

import { sqlIdent, sqlString, sqlStringList } from '../sql/quote.ts';
import type { SourceBinding } from './catalog.ts';
import { candidatePaths, isMultivalue, isPlainPath, jsonAt, plainPath, type LeafPath } from './json-path.ts';

/** The message of the typed scan's stop; the engine runs the query again with line scans when it sees it. */
// Short: the message is spelled in the SQL once per field that can stop (a corpus detection reads dozens), and
// the engine, not the user, reads it.
export const TYPED_FALLBACK = 'dh_typed_scan_stop';

/** The DuckDB variable that turns typed scans on (Engine.run sets it; unset, every scan reads lines). */
export const TYPED_SCAN_VARIABLE = 'dh_typed_ndjson';

/** Whether the typed branch of a scan runs: a constant the optimizer folds, so only one branch is planned. */
export const TYPED_SCAN_ON = `coalesce(getvariable(${sqlString(TYPED_SCAN_VARIABLE)}), false)`;

/** Why it stopped: a number whose spelling only the line has; a line that is not an object with the keys read. */
const RESPELLED = 'number';
const EMPTY = 'line';
const message = (why: string) => sqlString(`${TYPED_FALLBACK} (${why})`);
/**
 * The stop inside a field's value, as a value of SQL type `type`: a cast of the message to INTEGER, which fails
 * with the message in its text. Not `error()`: DuckDB treats error() as volatile and keeps the query's filters
 * above a projection that holds one, so every field of every line was read before any filter (+9 % time on the
 * headline's subsearch). A cast is not volatile, and its constant folding fails quietly at planning, so it
 * fails only where a row evaluates it.
 */
const stop = (why: string, type: string) => `CAST(CAST(${message(why)} AS INTEGER) AS ${type})`;
/**
 * The stop that is error(), volatile on purpose, in two places: the scan's own filter (a row read_json could not
 * take, for the rows no query filter reads a field of), and the projection that computes each whole column's text
 * once per line, which volatility keeps the query's filters above (typedScanSql).
 */
const stopEveryRow = (why: string) => `error(${message(why)})`;

/** A JSON number DuckDB may have written differently from the file (or "0", which may have been "-0"). */
const respelled = (json: string) => `(regexp_matches(${json}, '^-?[0-9]+[.eE]') OR ${json} = '0')`;

export interface TypedField {
  name: string;
  column: string;
}

/**
 * The typed scan of one NDJSON binding: the columns `_raw` (a stop when read), `_dh_file`, `_time` and the fields,
 * or undefined when the keys the fields read cannot all be read_json columns.
 */
export function typedScanSql(binding: SourceBinding, fields: TypedField[], timeText: (json: string) => string, files: string, maxLine: number): string | undefined {
  const paths = new Map<string, LeafPath[]>();
  for (const name of [...fields.map((f) => f.name), binding.timeField]) paths.set(name, candidatePaths(name));
  const all = [...paths.values()].flat();
  if (!all.every(isPlainPath)) return undefined;
  const keys = [...new Set(all.map((p) => p[0].key))].sort();
  const lowered = new Set(keys.map((k) => k.toLowerCase()));
  // read_json's columns are a struct literal, whose keys must be string literals: a NUL cannot be spelled in one.
  if (lowered.size < keys.length || keys.some((k) => k.startsWith('_dh_') || k.includes('\0'))) return undefined;

  const col = (key: string) => `_dh_c${keys.indexOf(key)}`;
  // The scalar leaves are read with one json_value per column (a list, computed once per row); a column read
  // only as a whole (the usual top-level key) needs no parse: its JSON text is its value unless it is an object
  // or an array (read_json writes JSON out without leading spaces, and a JSON null is SQL NULL).
  const leaves = new Map<string, string[]>(keys.map((k) => [k, []]));
  const leafPath = (p: LeafPath) => (p.length === 1 ? '$' : '$' + plainPath(p.slice(1)).slice(1));
  for (const name of paths.keys()) {
    if (name !== binding.timeField && isMultivalue(paths.get(name)![0])) continue;
    for (const p of paths.get(name)!) {
      const list = leaves.get(p[0].key)!;
      if (!list.includes(leafPath(p))) list.push(leafPath(p));
    }
  }
  const whole = (key: string) => leaves.get(key)!.length === 1 && leaves.get(key)![0] === '$';
  const leaf = (p: LeafPath) => {
    const k = keys.indexOf(p[0].key);
    return whole(p[0].key) ? `_dh_s${k}` : `_dh_v${k}[${leaves.get(p[0].key)!.indexOf(leafPath(p)) + 1}]`;
  };
  // A scalar field: the first candidate leaf that holds a scalar (json_value: null for an object or array), as
  // text; a number that may have been respelled stops the scan. A column read as a whole has its text computed
  // once per line, in a projection that also stops on a respelled number with the volatile error(): the query's
  // filters that read such fields stay above it and read the text, where they would otherwise be pushed below
  // and repeat the text's expression once per mention (the headline's subject mentions Operation six times).
  const texts = new Set<number>();
  const scalar = (name: string) => {
    const values = paths.get(name)!.map((p) => {
      if (whole(p[0].key)) {
        const k = keys.indexOf(p[0].key);
        texts.add(k);
        return `_dh_t${k}`;
      }
      const v = leaf(p);
      return `CASE WHEN starts_with(${v}, '"') THEN json_extract_string(${v}, '$') WHEN ${respelled(v)} THEN ${stop(RESPELLED, 'VARCHAR')} ELSE CAST(${v} AS VARCHAR) END`;
    });
    return values.length === 1 ? values[0] : `coalesce(${values.join(', ')})`;
  };
  // A multivalue field: the values of its first candidate leaf that has any.
  const multivalue = (name: string) => {
    const values = paths.get(name)!.map((p) => {
      const at = jsonAt(col(p[0].key), p.slice(1), p[0].arrays);
      const list = at.list ? at.sql : `[${at.sql}]`;
      return (
        `list_transform([${list}], lambda dh_l: CASE WHEN list_bool_or(list_transform(dh_l, lambda dh_x: ${respelled('dh_x')})) ` +
        `THEN ${stop(RESPELLED, 'VARCHAR[]')} ELSE dh_mv(dh_scalars(dh_l)) END)[1]`
      );
    });
    return `CASE WHEN ${values.map((v, i) => `${col(paths.get(name)![i][0].key)} IS NOT NULL`).join(' OR ')} THEN ${values.length === 1 ? values[0] : `coalesce(${values.join(', ')})`} END`;
  };

  // The time field's text: a respelled number is the same time, unless a props TIME_FORMAT reads the text.
  const timeValues = paths.get(binding.timeField)!.map(leaf);
  const tv = binding.timeParser !== undefined ? scalar(binding.timeField) : `dh_scalar(${timeValues.length === 1 ? timeValues[0] : `coalesce(${timeValues.join(', ')})`})`;
  // A row none of whose columns has a value (_dh_empty) may be a line the line scan reads (a BOM before the first
  // object) or skips (not JSON); either way the typed scan cannot give its fields. Every field stops on such a
  // row (a null value is tested for it, so other rows pay nothing), and a query filter that reads one stops too
  // wherever the optimizer puts it; the scan's own filter below stops the rows that no filter reads a field of.
  const guarded = (sql: string, type: string) => `coalesce(${sql}, CASE WHEN _dh_empty THEN ${stop(EMPTY, type)} END)`;
  const cols = [
    `${stop('_raw', 'VARCHAR')} AS _raw`,
    '_dh_file',
    '0::BIGINT AS _dh_line',
    `${guarded(timeText(tv), 'DOUBLE')} AS _time`,
    ...fields.map((f) => (isMultivalue(paths.get(f.name)![0]) ? guarded(multivalue(f.name), 'VARCHAR[]') : guarded(scalar(f.name), 'VARCHAR')) + ` AS ${sqlIdent(f.column)}`),
  ];
  const columns = `{${keys.map((k) => `${sqlString(k)}: 'JSON'`).join(', ')}}`;
  const read =
    `read_json(${files}, format = 'newline_delimited', records = true, columns = ${columns}, ignore_errors = true, ` +
    `filename = '_dh_file', maximum_object_size = ${maxLine})`;
  const values = keys
    .filter((k) => leaves.get(k)!.length > 0)
    .map((k) =>
      whole(k)
        ? `CASE WHEN starts_with(${col(k)}, '{') OR starts_with(${col(k)}, '[') THEN NULL ELSE ${col(k)} END AS _dh_s${keys.indexOf(k)}`
        : `json_value(${col(k)}, ${sqlStringList(leaves.get(k)!)}) AS _dh_v${keys.indexOf(k)}`,
    );
  const empty = keys.map((k) => `${col(k)} IS NULL`).join(' AND ');
  let inner = `SELECT *, ${empty} AS _dh_empty, ${values.join(', ')} FROM (SELECT _dh_file, ${keys.map((k) => `${sqlIdent(k)} AS ${col(k)}`).join(', ')} FROM ${read})`;
  if (texts.size > 0) {
    const text = (k: number) =>
      `CASE WHEN starts_with(_dh_s${k}, '"') THEN json_extract_string(_dh_s${k}, '$') WHEN ${respelled(`_dh_s${k}`)} THEN ${stopEveryRow(RESPELLED)} ELSE CAST(_dh_s${k} AS VARCHAR) END AS _dh_t${k}`;
    inner = `SELECT *, ${[...texts].sort((a, b) => a - b).map(text).join(', ')} FROM (${inner})`;
  }
  return `SELECT ${cols.join(',\n         ')}\n  FROM (${inner})\n  WHERE CASE WHEN _dh_empty THEN ${stopEveryRow(EMPTY)} ELSE true END`;
}
