// Every leaf of every record, from DuckDB's merged structure of all of them (json_group_structure: keys kept as
// written, case included), never from a sample. Where records disagree on a value's shape (text in one, an
// object or a list in another) the structure says only "JSON" there: that place is looked at again, its objects,
// lists and scalars apart, until every leaf under it is known.

import type { DuckDBConnection } from '@duckdb/node-api';
import { jsonAt, type LeafPath } from '../sources/json-path.ts';

type Structure = string | Structure[] | { [key: string]: Structure };

/** Leaves under a structure at `path`, and the places whose shape differs between records. */
function walk(s: Structure, path: LeafPath, leaves: LeafPath[], mixed: LeafPath[]): void {
  // An explicit stack: records may nest thousands deep.
  const stack: Array<[Structure, LeafPath]> = [[s, path]];
  while (stack.length > 0) {
    const [node, at] = stack.pop()!;
    if (typeof node === 'string') {
      if (node === 'JSON') mixed.push(at);
      else if (node !== 'NULL' && at.length > 0) leaves.push(at);
    } else if (Array.isArray(node)) {
      if (node.length > 0 && at.length > 0) {
        const last = at[at.length - 1];
        stack.push([node[0], [...at.slice(0, -1), { key: last.key, arrays: last.arrays + 1 }]]);
      }
    } else {
      for (const key of Object.keys(node).reverse()) stack.push([node[key], [...at, { key, arrays: 0 }]]);
    }
  }
}

const parse = (text: unknown): Structure | undefined => (text === null || text === undefined ? undefined : (JSON.parse(String(text)) as Structure));

/**
 * The leaves of the JSON objects in `source` (a FROM clause with a `line` column of valid JSON objects), in
 * first-seen order of the structure.
 */
export async function discoverLeaves(conn: DuckDBConnection, source: string, structureText: unknown): Promise<LeafPath[]> {
  const leaves: LeafPath[] = [];
  let mixed: LeafPath[] = [];
  const top = parse(structureText);
  if (top !== undefined) walk(top, [], leaves, mixed);
  while (mixed.length > 0) {
    const next: LeafPath[] = [];
    for (const at of mixed) {
      // The values found there: unnested when the place is inside lists. Objects, lists and scalars apart.
      const v = jsonAt('line', at);
      const values = v.list ? `unnest(${v.sql})` : v.sql;
      const r = await conn.runAndReadAll(
        `SELECT CAST(json_group_structure(CASE WHEN json_type(v) = 'OBJECT' THEN v END) AS VARCHAR), ` +
          `CAST(json_group_structure(CASE WHEN json_type(v) = 'ARRAY' THEN v END) AS VARCHAR), ` +
          `bool_or(json_type(v) NOT IN ('OBJECT', 'ARRAY', 'NULL')) FROM (SELECT ${values} AS v FROM ${source})`,
      );
      const [objects, lists, scalars] = r.getRowsJS()[0];
      if (scalars === true) leaves.push(at);
      const o = parse(objects);
      if (o !== undefined && typeof o === 'object' && !Array.isArray(o)) walk(o, at, leaves, next);
      const l = parse(lists);
      if (l !== undefined && Array.isArray(l)) walk(l, at, leaves, next);
    }
    mixed = next;
  }
  return leaves;
}
