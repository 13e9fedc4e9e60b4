// Parquet sources: columns keep the JSON nesting (structs, lists of structs), so Splunk field names resolve to
// struct and list access — `Item.Subject` → "Item"."Subject", `AffectedItems{}.Subject` → the Subject of every
// element (multivalue). Values become text as JSON extraction would give them. A name the files do not have is
// an absent field (null), as in Splunk. Files written by `duckhunt ingest` also carry `_time` and `_raw`.

import { DuckDBListType, DuckDBStructType, DuckDBTypeId, type DuckDBType } from '@duckdb/node-api';
import { sqlIdent, sqlString, sqlStringList } from '../sql/quote.ts';
import type { SourceBinding } from './catalog.ts';
import type { ExtractedField } from './scan.ts';

export type ColumnType =
  | { kind: 'scalar'; time: boolean }
  | { kind: 'struct'; fields: Record<string, ColumnType> }
  | { kind: 'list'; element: ColumnType };

export type ParquetSchema = Record<string, ColumnType>;

const TIME_TYPES = new Set<DuckDBTypeId>([
  DuckDBTypeId.TIMESTAMP,
  DuckDBTypeId.TIMESTAMP_TZ,
  DuckDBTypeId.TIMESTAMP_MS,
  DuckDBTypeId.TIMESTAMP_NS,
  DuckDBTypeId.TIMESTAMP_S,
  DuckDBTypeId.DATE,
]);

export function columnType(t: DuckDBType): ColumnType {
  if (t instanceof DuckDBStructType) {
    return { kind: 'struct', fields: Object.fromEntries(t.entryNames.map((n, i) => [n, columnType(t.entryTypes[i])])) };
  }
  if (t instanceof DuckDBListType) return { kind: 'list', element: columnType(t.valueType) };
  return { kind: 'scalar', time: TIME_TYPES.has(t.typeId) };
}

/** The reader for a binding's files; several files are unioned by column name. */
export function parquetReader(paths: string[]): string {
  return `read_parquet(${sqlStringList(paths)}, union_by_name = true, filename = true, file_row_number = true)`;
}

interface Resolved {
  sql: string;
  /** For a scalar leaf, the column expression before its conversion to text. */
  raw?: string;
  multivalue: boolean;
  time: boolean;
}

/** SQL for a Splunk field name over the schema, or undefined when the files have no such leaf. */
export function resolveField(name: string, schema: ParquetSchema): Resolved | undefined {
  const steps = name.split('.').map((seg) => {
    const m = /^(.*?)((?:\{\})*)$/.exec(seg)!;
    return { key: m[1], arrays: m[2].length / 2 };
  });
  const first = steps[0];
  const type = schema[first.key];
  if (!type || first.key === '') return undefined;
  return resolveSteps(sqlIdent(first.key), type, first.arrays, steps.slice(1), 0);
}

function resolveSteps(expr: string, type: ColumnType, arrays: number, rest: { key: string; arrays: number }[], depth: number): Resolved | undefined {
  if (arrays > 0) {
    if (type.kind !== 'list') return undefined;
    const v = `dh_e${depth}`;
    const inner = resolveSteps(v, type.element, arrays - 1, rest, depth + 1);
    if (!inner) return undefined;
    const mapped = `list_transform(${expr}, lambda ${v}: ${inner.multivalue ? inner.sql : `[${inner.sql}]`})`;
    return { sql: `list_filter(flatten(${mapped}), lambda dh_x: dh_x IS NOT NULL)`, multivalue: true, time: false };
  }
  if (rest.length === 0) {
    if (type.kind !== 'scalar') return undefined; // objects and arrays are not fields
    return { sql: `CAST(${expr} AS VARCHAR)`, raw: expr, multivalue: false, time: type.time };
  }
  if (type.kind !== 'struct') return undefined;
  const [next, ...tail] = rest;
  const field = type.fields[next.key];
  if (!field) return undefined;
  return resolveSteps(`struct_extract(${expr}, ${sqlString(next.key)})`, field, next.arrays, tail, depth);
}

/** Same columns as the NDJSON scan (scan.ts), read from Parquet. */
export function parquetScanSql(binding: SourceBinding, schema: ParquetSchema, fields: ExtractedField[], timeExpression: (text: string) => string): string {
  const value = (f: ExtractedField, multivalue: boolean) => {
    const r = resolveField(f.name, schema);
    if (!r) return `NULL::${multivalue ? 'VARCHAR[]' : 'VARCHAR'}`;
    if (r.multivalue !== multivalue) return `NULL::${multivalue ? 'VARCHAR[]' : 'VARCHAR'}`;
    return multivalue ? `dh_mv(${r.sql})` : r.sql;
  };
  const raw = schema._raw?.kind === 'scalar' ? 'CAST("_raw" AS VARCHAR)' : 'CAST(to_json(dh_t) AS VARCHAR)';
  let time: string;
  const stored = schema._time;
  if (stored?.kind === 'scalar') time = stored.time ? 'epoch("_time")' : 'CAST("_time" AS DOUBLE)';
  else {
    const r = resolveField(binding.timeField, schema);
    time = !r || r.multivalue ? 'NULL::DOUBLE' : r.time ? `epoch(${r.raw})` : timeExpression(r.sql);
  }
  const isMulti = (f: ExtractedField) => f.name.includes('{}');
  const cols = [
    `${raw} AS _raw`,
    `${sqlString(binding.sourcetype)} AS sourcetype`,
    'filename AS source',
    `${sqlString(binding.index)} AS "index"`,
    'file_row_number AS _dh_line',
    `${time} AS _time`,
    ...fields.map((f) => `${value(f, isMulti(f))} AS ${sqlIdent(f.column)}`),
  ];
  return `SELECT ${cols.join(',\n         ')}\n  FROM ${parquetReader(binding.paths)} AS dh_t`;
}
