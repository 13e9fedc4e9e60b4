// Fields out of JSON text that a field holds (spath, fromjson, the spath() function): Splunk's names for the
// values in it (`a.b` a nested key, `a{}` every element of an array, `a{}.b` a key of every element), as the
// event scan names them (sources/scan.ts). Text that is not JSON has no fields.

import { sqlString } from '../sql/quote.ts';
import { flatKeyPath, jsonPath } from '../sources/scan.ts';
import { once } from './once.ts';
import type { TypedSql } from './types.ts';

/**
 * The field `name` of the JSON text `text`: a single value, or a multivalue for a name with `{}`. As a field
 * name (`flatKeys`), `a.b` is also a top-level key with a dot in it; as an spath path it is only a nested key.
 * spath also reads XML in Splunk, which duckhunt does not: XML text stops the query with an error rather than
 * giving no fields.
 */
export function jsonField(text: string, name: string, flatKeys = true): TypedSql {
  const { path, multivalue } = jsonPath(name);
  const xml = (t: string) => `WHEN starts_with(ltrim(${t}), '<') THEN error(${sqlString(`spath: the value is XML, which duckhunt's spath does not read (only JSON); path ${name}`)})`;
  if (multivalue) {
    return { sql: once(text, (t) => `CASE WHEN json_valid(${t}) THEN dh_mv(list_filter(json_extract_string(${t}, ${sqlString(path)}), lambda dh_v: dh_v IS NOT NULL)) ${xml(t)} END`), type: 'mv' };
  }
  const sql = once(text, (t) => {
    // A dotted name is a nested key, else a key with the dot in it (decision X10).
    const leaf = (p: string) => `dh_leaf(json_extract(${t}, ${sqlString(p)}))`;
    return `CASE WHEN json_valid(${t}) THEN ${flatKeys && name.includes('.') ? `coalesce(${leaf(path)}, ${leaf(flatKeyPath(name))})` : leaf(path)} ${xml(t)} END`;
  });
  return { sql, type: 'str' };
}

/**
 * The value of a top-level key as fromjson gives it: scalars as their text, an array as a multivalue of its
 * elements (an element that is an object or array as its JSON text), an object as its JSON text; JSON null is no
 * value (decision X109). Always a multivalue (one value for a scalar), since the kind differs from row to row.
 */
export function jsonTopLevelValue(text: string, key: string): string {
  const path = sqlString(`$."${key.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`);
  return once(text, (t) =>
    once(`CASE WHEN json_valid(${t}) THEN json_extract(${t}, ${path}) END`, (v) =>
      `CASE WHEN json_type(${v}) = 'ARRAY' THEN ${elements(v)} WHEN json_type(${v}) <> 'NULL' THEN [${elementText(v)}] END`,
    ),
  );
}

/** The elements of the JSON array in `text` as a multivalue (see jsonTopLevelValue); null when it is not one. */
export function jsonArrayElements(text: string): string {
  return once(text, (t) => `CASE WHEN json_valid(${t}) AND json_type(${t}) = 'ARRAY' THEN ${elements(t)} END`);
}

/** A JSON value as a field value: a scalar's text, an object's or array's JSON text; JSON null is null. */
const elementText = (j: string) => `CASE WHEN json_type(${j}) IN ('OBJECT', 'ARRAY') THEN CAST(${j} AS VARCHAR) ELSE json_extract_string(${j}, '$') END`;

const elements = (array: string) =>
  `dh_mv(list_filter(list_transform(json_extract(${array}, '$[*]'), lambda dh_e: ${elementText('dh_e')}), lambda dh_x: dh_x IS NOT NULL))`;
