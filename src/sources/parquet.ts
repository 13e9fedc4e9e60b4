// Parquet sources: columns keep the JSON nesting (structs, lists of structs), so Splunk field names resolve to
// struct and list access — `Item.Subject` → "Item"."Subject", `AffectedItems{}.Subject` → the Subject of every
// element (multivalue). Values become text as JSON extraction would give them. A name the files do not have is
// an absent field (null), as in Splunk. Files written by `duckhunt ingest` also carry `_time` and `_raw`.

import { DuckDBListType, DuckDBStructType, DuckDBTypeId, type DuckDBType } from '@duckdb/node-api';
import { sqlIdent, sqlString, sqlStringList } from '../sql/quote.ts';
import type { TimeRange } from '../compile/context.ts';
import { dayFloorCondition } from '../compile/newest.ts';
import type { SourceBinding } from './catalog.ts';
import { candidatePaths, isMultivalue, leafSql, pathKey } from './json-path.ts';
import type { DatasetColumn } from './dataset.ts';
import type { ExtractedField } from './scan.ts';

export type ColumnType =
  | { kind: 'scalar'; time: boolean; float?: boolean }
  | { kind: 'json' }
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
  // A field whose shape differs between records (text in one, an object in another) is stored as JSON.
  if (t.alias === 'JSON') return { kind: 'json' };
  if (t instanceof DuckDBStructType) {
    return { kind: 'struct', fields: Object.fromEntries(t.entryNames.map((n, i) => [n, columnType(t.entryTypes[i])])) };
  }
  if (t instanceof DuckDBListType) return { kind: 'list', element: columnType(t.valueType) };
  return { kind: 'scalar', time: TIME_TYPES.has(t.typeId), float: t.typeId === DuckDBTypeId.DOUBLE || t.typeId === DuckDBTypeId.FLOAT };
}

/** The reader for a binding's files; several files are unioned by column name; ingested datasets are hive-partitioned by day. */
export function parquetReader(paths: string[], partitioned = false): string {
  const hive = partitioned ? `, hive_partitioning = true, hive_types = {'day': DATE}` : '';
  return `read_parquet(${sqlStringList(paths)}, union_by_name = true, filename = true, file_row_number = true${hive})`;
}

/** Days (UTC) a time range touches, for pruning `day=` partitions: only those directories' files are read. */
export function dayBounds(range: TimeRange): string[] {
  const day = (t: number) => new Date(t * 1000).toISOString().slice(0, 10);
  const conds: string[] = [];
  if (range.earliest !== undefined) conds.push(`day >= DATE ${sqlString(day(range.earliest))}`);
  if (range.latest !== undefined) conds.push(`day <= DATE ${sqlString(day(range.latest))}`);
  return conds;
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
  // A column whose name is the whole dotted name (flat data, or a file duckhunt wrote) wins.
  const flat = schema[name];
  if (flat && name.includes('.') && !name.includes('{}')) return resolveSteps(sqlIdent(name), flat, 0, [], 0);
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
  if (type.kind === 'json') {
    // The rest of the name is a path into the JSON value, read as for NDJSON events.
    const sql = leafSql(expr, rest, arrays);
    if (arrays > 0 || rest.some((r) => r.arrays > 0)) return { sql, multivalue: true, time: false };
    return { sql, multivalue: false, time: false };
  }
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
    // Numbers read as JSON would give them: 719.0 is "719".
    const text = type.float ? `dh_str(CAST(${expr} AS DOUBLE))` : `CAST(${expr} AS VARCHAR)`;
    return { sql: text, raw: expr, multivalue: false, time: type.time };
  }
  if (type.kind !== 'struct') return undefined;
  const [next, ...tail] = rest;
  const field = type.fields[next.key];
  if (!field) return undefined;
  return resolveSteps(`struct_extract(${expr}, ${sqlString(next.key)})`, field, next.arrays, tail, depth);
}

/**
 * Same columns as the NDJSON scan, from a dataset `duckhunt ingest` wrote (sources/dataset.ts): a field is the
 * first of its candidate leaves (X36) that has a column and a value in the row, as the NDJSON scan reads it.
 */
function datasetScanSql(binding: SourceBinding, columns: DatasetColumn[], fields: ExtractedField[], range: TimeRange, dayFloor: boolean): string {
  const byPath = new Map(columns.map((c) => [pathKey(c.path), c.column]));
  const value = (f: ExtractedField) => {
    const candidates = candidatePaths(f.name);
    const cols = candidates.map((p) => byPath.get(pathKey(p))).filter((c): c is string => c !== undefined);
    if (cols.length === 0) return `NULL::${isMultivalue(candidates[0]) ? 'VARCHAR[]' : 'VARCHAR'}`;
    return cols.length === 1 ? sqlIdent(cols[0]) : `coalesce(${cols.map(sqlIdent).join(', ')})`;
  };
  const cols = [
    '"_raw"',
    `${sqlString(binding.sourcetype)} AS sourcetype`,
    '"source"',
    `${sqlString(binding.index)} AS "index"`,
    '"_line" AS _dh_line',
    '"_time"',
    ...fields.map((f) => `${value(f)} AS ${sqlIdent(f.column)}`),
  ];
  const conds = binding.partitioned ? dayBounds(range) : [];
  if (dayFloor) conds.push(dayFloorCondition());
  if (range.earliest !== undefined) conds.push(`"_time" >= ${range.earliest}`);
  if (range.latest !== undefined) conds.push(`"_time" < ${range.latest}`);
  const hive = binding.partitioned ? `, hive_partitioning = true, hive_types = {'day': DATE}` : ', hive_partitioning = false';
  const reader = `read_parquet(${sqlStringList(binding.paths)}, union_by_name = true${hive})`;
  return `SELECT ${cols.join(',\n         ')}\n  FROM ${reader}${conds.length ? `\n  WHERE ${conds.join(' AND ')}` : ''}`;
}

/** Same columns as the NDJSON scan (scan.ts), read from Parquet. */
export function parquetScanSql(binding: SourceBinding, schema: ParquetSchema, fields: ExtractedField[], timeExpression: (text: string) => string, range: TimeRange, dayFloor = false): string {
  if (binding.dataset) return datasetScanSql(binding, binding.dataset, fields, range, dayFloor);
  const value = (f: ExtractedField, multivalue: boolean) => {
    const r = resolveField(f.name, schema);
    if (!r) return `NULL::${multivalue ? 'VARCHAR[]' : 'VARCHAR'}`;
    if (r.multivalue !== multivalue) return `NULL::${multivalue ? 'VARCHAR[]' : 'VARCHAR'}`;
    return multivalue ? `dh_mv(${r.sql})` : r.sql;
  };
  // Without a stored _raw, the record is its columns as JSON (not the reader's filename and row number).
  const columns = Object.keys(schema).map((n) => `${sqlString(n)}: ${sqlIdent(n)}`);
  const raw = schema._raw?.kind === 'scalar' ? 'CAST("_raw" AS VARCHAR)' : columns.length ? `CAST(to_json({${columns.join(', ')}}) AS VARCHAR)` : `'{}'`;
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
  // The range is applied at the reader so DuckDB skips day partitions and row groups outside it.
  const conds = binding.partitioned ? dayBounds(range) : [];
  if (stored?.kind === 'scalar' && !stored.time) {
    if (range.earliest !== undefined) conds.push(`"_time" >= ${range.earliest}`);
    if (range.latest !== undefined) conds.push(`"_time" < ${range.latest}`);
  }
  return `SELECT ${cols.join(',\n         ')}\n  FROM ${parquetReader(binding.paths, binding.partitioned)} AS dh_t${conds.length ? `\n  WHERE ${conds.join(' AND ')}` : ''}`;
}

/** The first column path whose shape (value, object, list) differs between two schemas, or undefined. */
export function shapeClash(a: ParquetSchema, b: ParquetSchema, prefix = ''): string | undefined {
  for (const [name, ta] of Object.entries(a)) {
    const tb = b[name];
    if (!tb) continue;
    const path = prefix + name;
    if (ta.kind === 'json' || tb.kind === 'json') continue;
    if (ta.kind !== tb.kind) return path;
    if (ta.kind === 'struct' && tb.kind === 'struct') {
      const inner = shapeClash(ta.fields, tb.fields, `${path}.`);
      if (inner) return inner;
    }
    if (ta.kind === 'list' && tb.kind === 'list') {
      const inner = shapeClash({ '{}': ta.element }, { '{}': tb.element }, path);
      if (inner) return inner;
    }
  }
  return undefined;
}
