// Fields out of JSON text that a field holds (spath, fromjson, foreach mode=json_array, the spath() and
// json_array_to_mv() functions): Splunk's names for the values in it (`a.b` a nested key, `a{}` every element of
// an array, `a{}.b` a key of every element), read as the event scan reads them (sources/json-path.ts: values as
// written, X35; a name reads its most nested spelling first, X36). Text that is not JSON has no fields.

import { sqlString } from '../sql/quote.ts';
import { candidatePaths, isMultivalue, leafSql, parseFieldName, type LeafPath } from '../sources/json-path.ts';
import { once } from './once.ts';
import type { TypedSql } from './types.ts';

/**
 * The field `name` of the JSON text `text`: a single value, or a multivalue for a name with `{}`. As a field
 * name (`asFieldName`) `a.b` may also be a key with a dot in it (X36); as an spath path it is nested keys only.
 * spath also reads XML in Splunk, which duckhunt does not: XML text stops the query with an error rather than
 * giving no fields.
 */
export function jsonField(text: string, name: string, asFieldName = true): TypedSql {
  // A name that starts with `{}` reads the elements of a JSON text that is an array (`{}.id`, `{}`).
  const top = /^((?:\{\})+)(?:\.|$)/.exec(name);
  const docArrays = top ? top[1].length / 2 : 0;
  const rest = top ? name.slice(top[0].length) : name;
  const steps = rest === '' ? [] : parseFieldName(rest);
  const multivalue = docArrays > 0 || isMultivalue(steps);
  const paths = asFieldName && rest !== '' ? candidatePaths(rest) : [steps];
  const sql = once(text, (t) => {
    const one = (p: LeafPath) => (multivalue ? `dh_mv(${leafSql(t, p, docArrays)})` : leafSql(t, p));
    const value = paths.length === 1 ? one(paths[0]) : `coalesce(${paths.map(one).join(', ')})`;
    const xml = `starts_with(ltrim(${t}), '<') THEN error(${sqlString(`spath: the value is XML, which duckhunt's spath does not read (only JSON); path ${name}`)})`;
    return `CASE WHEN json_valid(${t}) THEN ${value} WHEN ${xml} END`;
  });
  return { sql, type: multivalue ? 'mv' : 'str' };
}

/**
 * The value of a top-level key as fromjson gives it: a scalar as written, an array as a multivalue of its
 * elements (an element that is an object or array as its JSON text), an object as its JSON text (compact, as
 * DuckDB writes it); JSON null is no value (decision X109). Always a multivalue (one value for a scalar), since
 * the kind differs from row to row.
 */
export function jsonTopLevelValue(text: string, key: string): string {
  const path = sqlString(`$."${key.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`);
  return once(text, (t) =>
    once(`CASE WHEN json_valid(${t}) THEN json_extract(${t}, ${path}) END`, (v) => {
      const scalar = leafSql(t, [{ key, arrays: 0 }]);
      return (
        `CASE WHEN json_type(${v}) = 'ARRAY' THEN ${elements(v, `json_extract(dh_quote_numbers(${t}), ${path})`)} ` +
        `WHEN json_type(${v}) = 'OBJECT' THEN [CAST(${v} AS VARCHAR)] WHEN json_type(${v}) <> 'NULL' THEN [${scalar}] END`
      );
    }),
  );
}

/** The elements of the JSON array in `text` as a multivalue (see jsonTopLevelValue); null when it is not one. */
export function jsonArrayElements(text: string): string {
  return once(text, (t) => `CASE WHEN json_valid(${t}) AND json_type(${t}) = 'ARRAY' THEN ${elements(t, `json(dh_quote_numbers(${t}))`)} END`);
}

/**
 * An array's elements as values: scalars as written (read from the array with its numbers quoted, `quoted`),
 * objects and arrays as their JSON text; nulls left out.
 */
const elements = (array: string, quoted: string) =>
  `dh_mv(list_filter(list_transform(list_zip(json_extract(${array}, '$[*]'), json_extract(${quoted}, '$[*]')), ` +
  `lambda dh_e: CASE WHEN json_type(dh_e[1]) IN ('OBJECT', 'ARRAY') THEN CAST(dh_e[1] AS VARCHAR) ELSE dh_scalar(CAST(dh_e[2] AS VARCHAR)) END), lambda dh_x: dh_x IS NOT NULL))`;
