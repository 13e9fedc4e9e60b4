// Field discovery: the names of every field the events carry, for wildcards over field names (`table *`,
// `fields - _raw`, `rename Folder.* AS f_*`, `stats values(*) AS *`…). Splunk extracts every field of an event at
// search time; duckhunt extracts only what the query names (scan.ts), so a wildcard over raw events first asks
// which fields exist: one pass over the events that reach the wildcard (compile/collect.ts says where), reading
// their `_raw` (the NDJSON line, or the line `duckhunt ingest` kept in Parquet, or a Windows event XML record:
// xml.ts), never a sample of them.
//
// Names are Splunk's: `a.b` for a nested key, `a{}` for an array of values, `a{}.b` for a key of array elements;
// a JSON null is no field (D6). DuckDB's json_structure() gives each event's shape and the distinct shapes are
// walked here. A shape merges the elements of an array, and shows "JSON" where they differ (a value in one, an
// object in another) or for an empty object: events with such a shape are walked value by value instead.
//
// Events read from Parquet need no JSON parsing when their columns name every leaf: a dataset `duckhunt ingest`
// wrote (its column map, dataset.ts), or files without JSON-typed columns (the leaves of their schema). Their
// fields are the leaves with a value in some event that reaches the wildcard: the rows are found again in the
// files by the (source, line) their order key carries, and each leaf counted. That reads every column of the
// files: when few events reach the wildcard (`head 100 | table *`) and their `_raw` spells the same leaves (a
// dataset's line, or the columns as JSON), their `_raw` is read instead.

import type { DuckDBConnection } from '@duckdb/node-api';
import { sqlIdent, sqlStringList } from '../sql/quote.ts';
import type { SourceBinding } from './catalog.ts';
import { leafName } from './json-path.ts';
import { parquetReader, resolveField, type ColumnType, type ParquetSchema } from './parquet.ts';
import { xmlFieldNames, xmlNamesSql } from './xml.ts';

/** A discovery the compiler needs before it can compile a wildcard over raw events. */
export interface DiscoveryRequest {
  /** Which pipeline's events (compile/pipeline.ts pipelineKey). */
  key: string;
  /** The distinct shapes of the events' JSON, and whether one merged different shapes ("JSON"). */
  shapes?: string;
  /** The `_raw` of the events whose shape merged different shapes. */
  mergedEvents?: string;
  /** Events read from Parquet: per source, its leaves' names and whether some event has a value of each. */
  leaves?: Array<{ names: string[]; sql: string }>;
  /** With leaves and shapes: how many events reach the wildcard (few: shapes are read instead of leaves). */
  events?: string;
  /** Fields computed for the events (props, event types), and whether some event has a value of each. */
  computed: { names: string[]; sql: string } | undefined;
  /** With shapes: the fields of the events that are Windows event XML records (xml.ts), and whether from System. */
  xmlNames?: string;
}

/** Field names per pipeline key. */
export type DiscoveredFields = ReadonlyMap<string, readonly string[]>;

/** A wildcard expands to at most this many discovered fields; more is an error asking for named fields. */
export const MAX_DISCOVERED_FIELDS = 5000;

/**
 * The SQL of a discovery over the `raw` column of `relation`, defined by `withClause` (its CTEs), and of the
 * computed fields' presence.
 */
export function discoveryRequest(
  key: string,
  withClause: string,
  relation: string,
  raw: string,
  computed: Array<{ name: string; column: string }> = [],
  sources?: SourceBinding[],
): DiscoveryRequest {
  const from = `FROM ${sqlIdent(relation)}`;
  const presence = computed.length === 0 ? undefined : { names: computed.map((c) => c.name), sql: `${withClause}\nSELECT ${computed.map((c) => `count(${sqlIdent(c.column)}) > 0`).join(', ')} ${from}` };
  // Only JSON objects have fields: a `_raw` that is not JSON (a Parquet file's own text column) has none.
  const shape = `CASE WHEN json_valid(${sqlIdent(raw)}) THEN CAST(json_structure(${sqlIdent(raw)}) AS VARCHAR) END`;
  // "JSON" as a type, not as a key (a key is followed by ':'; quotes inside keys are escaped).
  const merged = (s: string) => `(contains(${s}, ':"JSON"') OR contains(${s}, '["JSON"]'))`;
  const json = {
    shapes: `${withClause}\nSELECT dh_s, ${merged('dh_s')} FROM (SELECT ${shape} AS dh_s ${from}) WHERE dh_s IS NOT NULL GROUP BY dh_s`,
    mergedEvents: `${withClause}\nSELECT ${sqlIdent(raw)} FROM (SELECT ${sqlIdent(raw)}, ${shape} AS dh_s ${from}) WHERE ${merged('dh_s')}`,
    // Windows event XML records have fields only when a source can hold them (one more pass over the events).
    xmlNames: !sources?.length || sources.some((b) => b.format === 'xml' || b.format === 'auto') ? `${withClause}\n${xmlNamesSql(sqlIdent(raw), from)}` : undefined,
  };
  const leaves = sources && sources.length > 0 ? sources.map((b) => sourceLeaves(b, withClause, relation)) : undefined;
  if (!leaves?.every((l) => l !== undefined)) return { key, ...json, computed: presence };
  // A plain file's stored `_raw` may spell other keys than its columns (X130): only its columns then.
  const rawSpellsLeaves = sources!.every((b) => b.dataset !== undefined || b.schema?._raw === undefined);
  if (!rawSpellsLeaves) return { key, leaves, computed: presence };
  return { key, leaves, ...json, events: `${withClause}\nSELECT count(*) ${from}`, computed: presence };
}

/** Up to this many events reaching a wildcard, their `_raw` is read rather than every column of the files. */
const FEW_EVENTS = 10_000;

/**
 * Which leaves of a Parquet source have a value in some row of `relation`, whose rows are those of the files
 * at the source and line its order key (`_dh_seq`, set by the initial search) names; undefined when the source
 * is not Parquet or has a JSON-typed column, whose keys only its values tell.
 */
function sourceLeaves(binding: SourceBinding, withClause: string, relation: string): { names: string[]; sql: string } | undefined {
  if (binding.format !== 'parquet') return undefined;
  let leaves: Array<{ name: string; present: string }>;
  let reader: string;
  let row: { source: string; line: string };
  if (binding.dataset) {
    // The scan reads the dataset's own source and line columns (parquet.ts, datasetScanSql).
    leaves = binding.dataset.map((c) => ({ name: leafName(c.path), present: `count(${sqlIdent(c.column)}) > 0` }));
    const hive = binding.partitioned ? `, hive_partitioning = true, hive_types = {'day': DATE}` : ', hive_partitioning = false';
    reader = `read_parquet(${sqlStringList(binding.paths)}, union_by_name = true${hive})`;
    row = { source: '"source"', line: '"_line"' };
  } else {
    const names = binding.schema && schemaLeaves(binding.schema);
    if (!names) return undefined;
    leaves = names.flatMap((name) => {
      const r = resolveField(name, binding.schema!);
      if (!r) return [];
      return [{ name, present: r.multivalue ? `coalesce(bool_or(len(${r.sql}) > 0), false)` : `count(${r.sql}) > 0` }];
    });
    reader = parquetReader(binding.paths, binding.partitioned);
    row = { source: 'filename', line: 'file_row_number' };
  }
  return {
    names: leaves.map((l) => l.name),
    sql:
      `${withClause},\ndh_rows AS (SELECT DISTINCT _dh_seq.s AS s, _dh_seq.l AS l FROM ${sqlIdent(relation)})\n` +
      `SELECT ${leaves.length === 0 ? 'NULL' : leaves.map((l) => l.present).join(', ')} FROM ${reader}\n` +
      `SEMI JOIN dh_rows ON ${row.source} = dh_rows.s AND ${row.line} = dh_rows.l`,
  };
}

/** The Splunk names of a Parquet schema's leaves (parquet.ts resolves them), or undefined when a column is JSON. */
function schemaLeaves(schema: ParquetSchema): string[] | undefined {
  const out: string[] = [];
  const walk = (t: ColumnType, name: string): boolean => {
    switch (t.kind) {
      case 'json':
        return false;
      case 'scalar':
        out.push(name);
        return true;
      case 'list':
        return walk(t.element, `${name}{}`);
      case 'struct':
        return Object.entries(t.fields).every(([k, f]) => walk(f, `${name}.${k}`));
    }
  };
  return Object.entries(schema).every(([n, t]) => walk(t, n)) ? out : undefined;
}

/** Runs the discoveries: the field names of each pipeline's events (`fewEvents`: see FEW_EVENTS). */
export async function discover(connection: DuckDBConnection, requests: DiscoveryRequest[], fewEvents = FEW_EVENTS): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const r of requests) {
    const names = new Set<string>();
    let merged = false;
    const few = r.events !== undefined && Number((await connection.runAndReadAll(r.events)).getRowsJS()[0][0]) <= fewEvents;
    const byLeaves = r.leaves !== undefined && !few;
    for (const [shape, mergedShape] of r.shapes && !byLeaves ? (await connection.runAndReadAll(r.shapes)).getRowsJS() : []) {
      shapeNames(JSON.parse(String(shape)), '', names);
      merged ||= mergedShape === true;
    }
    for (const d of byLeaves ? r.leaves! : []) {
      const present = (await connection.runAndReadAll(d.sql)).getRowsJS()[0];
      d.names.forEach((name, i) => present[i] === true && names.add(name));
    }
    if (merged && r.mergedEvents) {
      const result = await connection.stream(r.mergedEvents);
      for (;;) {
        const chunk = await result.fetchChunk();
        if (!chunk || chunk.rowCount === 0) break;
        const raws = chunk.getColumnVector(0);
        for (let i = 0; i < chunk.rowCount; i++) valueNames(JSON.parse(String(raws.getItem(i))), '', names);
      }
    }
    if (r.xmlNames && !byLeaves) {
      const xml = (await connection.runAndReadAll(r.xmlNames)).getRowsJS() as Array<[string, boolean]>;
      xmlFieldNames(xml).forEach((name) => names.add(name));
    }
    if (r.computed) {
      const present = (await connection.runAndReadAll(r.computed.sql)).getRowsJS()[0];
      r.computed.names.forEach((name, i) => present[i] === true && names.add(name));
    }
    names.delete(''); // a key "" at the top: no name to spell
    out.set(r.key, [...names].sort());
  }
  return out;
}

/** Splunk's name for a key of the object at `prefix`, and for the elements of the array at `prefix`. */
const member = (prefix: string, key: string): string => (prefix === '' ? key : `${prefix}.${key}`);
const elements = (prefix: string): string => `${prefix}{}`;

/** The names in a json_structure() shape; a "JSON" part (merged shapes) is left to valueNames. */
function shapeNames(shape: unknown, prefix: string, out: Set<string>): void {
  if (typeof shape === 'string') {
    if (shape !== 'NULL' && shape !== 'JSON') out.add(prefix);
  } else if (Array.isArray(shape)) {
    shapeNames(shape[0], elements(prefix), out);
  } else if (shape !== null && typeof shape === 'object') {
    for (const [k, v] of Object.entries(shape)) shapeNames(v, member(prefix, k), out);
  }
}

/** The names in a JSON value, element by element. */
function valueNames(value: unknown, prefix: string, out: Set<string>): void {
  if (value === null) return;
  if (Array.isArray(value)) {
    for (const e of value) valueNames(e, elements(prefix), out);
  } else if (typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) valueNames(v, member(prefix, k), out);
  } else {
    out.add(prefix);
  }
}
