// The typed NDJSON scan (decision X135): DuckDB's read_json parses each line once into one JSON-typed column per
// top-level key the query reads (given explicitly, so no schema sampling and no key lost wherever it first
// appears), and fields are read from those small columns instead of from the whole line. It is exact only for
// ordinary data, so it is *optimistic*: where it cannot give the line scan's answer (scan.ts) it stops the query
// with TYPED_FALLBACK, and the engine runs the query again reading lines. It stops on
//
// - a row none of whose columns has a value, when it reaches the end of the scan's filter: a line read_json could
//   not take (not JSON, not an object, not UTF-8, a NUL byte, a UTF-8 BOM), which the line scan skips and
//   reports, or an object with none of the keys. A row that survives the query's filters has passed every
//   conjunct of them, this one too; a row some filter drops is dropped by the line scan as well (all its fields
//   are null either way);
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
export const TYPED_FALLBACK = 'duckhunt: the typed NDJSON scan cannot read this event exactly';

/** The DuckDB variable that turns typed scans on (Engine.run sets it; unset, every scan reads lines). */
export const TYPED_SCAN_VARIABLE = 'dh_typed_ndjson';

/** Whether the typed branch of a scan runs: a constant the optimizer folds, so only one branch is planned. */
export const TYPED_SCAN_ON = `coalesce(getvariable(${sqlString(TYPED_SCAN_VARIABLE)}), false)`;

const RESPELLED = 'a number whose spelling only the line has';
const stop = (why: string) => `error(${sqlString(`${TYPED_FALLBACK} (${why})`)})`;

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
  // The scalar leaves are read with one json_value per column (a list, computed once per row).
  const leaves = new Map<string, string[]>(keys.map((k) => [k, []]));
  const leaf = (p: LeafPath) => {
    const list = leaves.get(p[0].key)!;
    const path = p.length === 1 ? '$' : '$' + plainPath(p.slice(1)).slice(1);
    let k = list.indexOf(path);
    if (k < 0) k = list.push(path) - 1;
    return `_dh_v${keys.indexOf(p[0].key)}[${k + 1}]`;
  };
  // A scalar field: the first candidate leaf that holds a scalar (json_value: null for an object or array), as
  // text; a number that may have been respelled stops the scan.
  const scalar = (name: string) => {
    const values = paths.get(name)!.map(leaf);
    const v = values.length === 1 ? values[0] : `coalesce(${values.join(', ')})`;
    return `CASE WHEN starts_with(${v}, '"') THEN json_extract_string(${v}, '$') WHEN ${respelled(v)} THEN ${stop(RESPELLED)} ELSE CAST(${v} AS VARCHAR) END`;
  };
  // A multivalue field: the values of its first candidate leaf that has any.
  const multivalue = (name: string) => {
    const values = paths.get(name)!.map((p) => {
      const at = jsonAt(col(p[0].key), p.slice(1), p[0].arrays);
      const list = at.list ? at.sql : `[${at.sql}]`;
      return (
        `list_transform([${list}], lambda dh_l: CASE WHEN list_bool_or(list_transform(dh_l, lambda dh_x: ${respelled('dh_x')})) ` +
        `THEN ${stop(RESPELLED)} ELSE dh_mv(dh_scalars(dh_l)) END)[1]`
      );
    });
    return `CASE WHEN ${values.map((v, i) => `${col(paths.get(name)![i][0].key)} IS NOT NULL`).join(' OR ')} THEN ${values.length === 1 ? values[0] : `coalesce(${values.join(', ')})`} END`;
  };

  // The time field's text: a respelled number is the same time, unless a props TIME_FORMAT reads the text.
  const timeValues = paths.get(binding.timeField)!.map(leaf);
  const tv = binding.timeParser !== undefined ? scalar(binding.timeField) : `dh_scalar(${timeValues.length === 1 ? timeValues[0] : `coalesce(${timeValues.join(', ')})`})`;
  const cols = [
    `${stop('_raw')}::VARCHAR AS _raw`,
    '_dh_file',
    '0::BIGINT AS _dh_line',
    `${timeText(tv)} AS _time`,
    ...fields.map((f) => `${isMultivalue(paths.get(f.name)![0]) ? multivalue(f.name) : scalar(f.name)} AS ${sqlIdent(f.column)}`),
  ];
  const columns = `{${keys.map((k) => `${sqlString(k)}: 'JSON'`).join(', ')}}`;
  const read =
    `read_json(${files}, format = 'newline_delimited', records = true, columns = ${columns}, ignore_errors = true, ` +
    `filename = '_dh_file', maximum_object_size = ${maxLine})`;
  const values = keys.filter((k) => leaves.get(k)!.length > 0).map((k) => `json_value(${col(k)}, ${sqlStringList(leaves.get(k)!)}) AS _dh_v${keys.indexOf(k)}`);
  const inner = `SELECT *, ${values.join(', ')} FROM (SELECT _dh_file, ${keys.map((k) => `${sqlIdent(k)} AS ${col(k)}`).join(', ')} FROM ${read})`;
  // A row none of whose columns has a value must not be counted as an event unless the line scan would: a row
  // that survives the query's filters has passed every conjunct, this one too.
  const empty = keys.map((k) => `${col(k)} IS NULL`).join(' AND ');
  return `SELECT ${cols.join(',\n         ')}\n  FROM (${inner})\n  WHERE CASE WHEN ${empty} THEN ${stop('a line that is not an object with the keys the query reads')} ELSE true END`;
}
