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

import type { DuckDBConnection } from '@duckdb/node-api';
import { sqlIdent } from '../sql/quote.ts';
import { xmlFieldNames, xmlNamesSql } from './xml.ts';

/** A discovery the compiler needs before it can compile a wildcard over raw events. */
export interface DiscoveryRequest {
  /** Which pipeline's events (compile/pipeline.ts pipelineKey). */
  key: string;
  /** The distinct shapes of the events' JSON, and whether one merged different shapes ("JSON"). */
  shapes: string;
  /** The `_raw` of the events whose shape merged different shapes. */
  mergedEvents: string;
  /** Fields computed for the events (props, event types), and whether some event has a value of each. */
  computed: { names: string[]; sql: string } | undefined;
  /** The fields of the events that are Windows event XML records (xml.ts): their names, and whether from System. */
  xmlNames: string;
}

/** Field names per pipeline key. */
export type DiscoveredFields = ReadonlyMap<string, readonly string[]>;

/** A wildcard expands to at most this many discovered fields; more is an error asking for named fields. */
export const MAX_DISCOVERED_FIELDS = 5000;

/**
 * The SQL of a discovery over the `raw` column of `relation`, defined by `withClause` (its CTEs), and of the
 * computed fields' presence.
 */
export function discoveryRequest(key: string, withClause: string, relation: string, raw: string, computed: Array<{ name: string; column: string }> = []): DiscoveryRequest {
  // Only JSON objects have fields: a `_raw` that is not JSON (a Parquet file's own text column) has none.
  const shape = `CASE WHEN json_valid(${sqlIdent(raw)}) THEN CAST(json_structure(${sqlIdent(raw)}) AS VARCHAR) END`;
  // "JSON" as a type, not as a key (a key is followed by ':'; quotes inside keys are escaped).
  const merged = (s: string) => `(contains(${s}, ':"JSON"') OR contains(${s}, '["JSON"]'))`;
  const from = `FROM ${sqlIdent(relation)}`;
  return {
    key,
    shapes: `${withClause}\nSELECT dh_s, ${merged('dh_s')} FROM (SELECT ${shape} AS dh_s ${from}) WHERE dh_s IS NOT NULL GROUP BY dh_s`,
    mergedEvents: `${withClause}\nSELECT ${sqlIdent(raw)} FROM (SELECT ${sqlIdent(raw)}, ${shape} AS dh_s ${from}) WHERE ${merged('dh_s')}`,
    xmlNames: `${withClause}\n${xmlNamesSql(sqlIdent(raw), from)}`,
    computed: computed.length === 0 ? undefined : { names: computed.map((c) => c.name), sql: `${withClause}\nSELECT ${computed.map((c) => `count(${sqlIdent(c.column)}) > 0`).join(', ')} ${from}` },
  };
}

/** Runs the discoveries: the field names of each pipeline's events. */
export async function discover(connection: DuckDBConnection, requests: DiscoveryRequest[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const r of requests) {
    const names = new Set<string>();
    let merged = false;
    for (const [shape, mergedShape] of (await connection.runAndReadAll(r.shapes)).getRowsJS()) {
      shapeNames(JSON.parse(String(shape)), '', names);
      merged ||= mergedShape === true;
    }
    if (merged) {
      const result = await connection.stream(r.mergedEvents);
      for (;;) {
        const chunk = await result.fetchChunk();
        if (!chunk || chunk.rowCount === 0) break;
        const raws = chunk.getColumnVector(0);
        for (let i = 0; i < chunk.rowCount; i++) valueNames(JSON.parse(String(raws.getItem(i))), '', names);
      }
    }
    const xml = (await connection.runAndReadAll(r.xmlNames)).getRowsJS() as Array<[string, boolean]>;
    xmlFieldNames(xml).forEach((name) => names.add(name));
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
