// How a Splunk field name reads a JSON event, in one place for the NDJSON scan, `spath` and `duckhunt ingest`,
// so that both formats give one answer.
//
// A *leaf path* is a list of keys, each followed by some array levels: `AffectedItems{}.Subject` is
// [AffectedItems + 1 array level, Subject]. Its Splunk name joins the keys with dots and writes `{}` per level.
// Several leaves of one record can share a name (`{"a.b": 1, "a": {"b": 2}}`): the name then reads the most
// nested one (decision X10, generalised by X36). A value's text is the JSON's text (X35): DuckDB's JSON
// functions respell numbers (1.50 → 1.5, 1E5 → 100000.0, -0 → 0), so a number whose spelling may have changed is
// read again from a copy of the line in which every number is written as a string.

import { sqlString } from '../sql/quote.ts';

export interface PathStep {
  key: string;
  /** Array levels after the key: `x{}` is 1, `x{}{}` 2. */
  arrays: number;
}
export type LeafPath = PathStep[];

/** A field name split at every dot (`a.b{}` → a, b with one array level). */
export function parseFieldName(name: string): LeafPath {
  return name.split('.').map((seg) => {
    const m = /^([\s\S]*?)((?:\{\})*)$/.exec(seg)!; // [\s\S]: a key may hold line breaks
    return { key: m[1], arrays: m[2].length / 2 };
  });
}

/** The Splunk name of a leaf. */
export const leafName = (path: LeafPath): string => path.map((s) => s.key + '{}'.repeat(s.arrays)).join('.');

/** A leaf whose value is a list (some key is followed by array levels): a multivalue field. */
export const isMultivalue = (path: LeafPath): boolean => path.some((s) => s.arrays > 0);

/** An identity for a leaf path (the key of the dataset's column map). */
export const pathKey = (path: LeafPath): string => JSON.stringify(path.map((s) => [s.key, s.arrays]));

/** Names with more dots than this between array marks read only the fully nested and the fully flat spelling. */
const MAX_SPLIT_DOTS = 6;

/**
 * The leaves a field name can read, most nested first (decision X36): `a.b.c` is a→b→c, then a→"b.c",
 * "a.b"→c, then the one key "a.b.c". A dot right after `{}` always separates (an array's elements are read by
 * the key after it).
 */
export function candidatePaths(name: string): LeafPath[] {
  const steps = parseFieldName(name);
  // Groups of steps joined by dots that may instead be part of one key: a step with array levels ends a group.
  const groups: LeafPath[] = [];
  let current: LeafPath = [];
  for (const s of steps) {
    current.push(s);
    if (s.arrays > 0) {
      groups.push(current);
      current = [];
    }
  }
  if (current.length > 0) groups.push(current);
  const spellings = groups.map((g) => groupSpellings(g));
  let out: LeafPath[] = [[]];
  for (const options of spellings) out = out.flatMap((prefix) => options.map((o) => [...prefix, ...o]));
  // Most nested first; among equally nested spellings, the one that splits earlier (shorter first keys).
  const lengths = (p: LeafPath) => p.map((s) => s.key.length);
  const earlier = (a: number[], b: number[]) => a.findIndex((x, i) => x !== b[i]);
  return out.sort((a, b) => {
    if (a.length !== b.length) return b.length - a.length;
    const la = lengths(a);
    const lb = lengths(b);
    const k = earlier(la, lb);
    return k < 0 ? 0 : la[k] - lb[k];
  });
}

/** Every way to read a group of dotted steps as keys: each dot either separates two keys or is part of one. */
function groupSpellings(group: LeafPath): LeafPath[] {
  const dots = group.length - 1;
  const join = (a: PathStep, b: PathStep): PathStep => ({ key: `${a.key}.${b.key}`, arrays: b.arrays });
  if (dots > MAX_SPLIT_DOTS) return [group, [group.reduce(join)]];
  const out: LeafPath[] = [];
  for (let mask = 0; mask < 1 << dots; mask++) {
    const path: LeafPath = [group[0]];
    for (let d = 0; d < dots; d++) {
      if (mask & (1 << d)) path[path.length - 1] = join(path[path.length - 1], group[d + 1]);
      else path.push(group[d + 1]);
    }
    out.push(path);
  }
  return out;
}

// ───────────────────────────── SQL over JSON text ─────────────────────────────

/** DuckDB's JSON path syntax cannot address these keys ("" is a syntax error, "*" is a wildcard even quoted). */
const needsPointer = (key: string): boolean => key === '' || key === '*';

const quoteKey = (key: string): string => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? key : `"${key.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`);

/** A `$` path of keys DuckDB can address, `[*]` per array level. */
const dollarPath = (steps: LeafPath): string => '$' + steps.map((s) => '.' + quoteKey(s.key) + '[*]'.repeat(s.arrays)).join('');

/** Whether every key of a path is addressable by one DuckDB `$` path (the fast, common case). */
export const isPlainPath = (path: LeafPath): boolean => !path.some((s) => needsPointer(s.key));

/** The one `$` path of a plain leaf. */
export function plainPath(path: LeafPath): string {
  if (!isPlainPath(path)) throw new Error(`internal: ${leafName(path)} has a key a JSON path cannot address`);
  return dollarPath(path);
}

/**
 * SQL for the JSON at a path of a JSON text: one JSON value for a path without arrays, else a JSON[] of every
 * element reached (arrays flattened). `docArrays` array levels are taken of the text itself first. Keys a `$`
 * path cannot address are read with a JSON pointer step.
 */
export function jsonAt(doc: string, path: LeafPath, docArrays = 0, depth = 0): { sql: string; list: boolean } {
  const weird = path.findIndex((s) => needsPointer(s.key));
  if (weird < 0) {
    if (path.length === 0 && docArrays === 0) return { sql: doc, list: false };
    return { sql: `json_extract(${doc}, ${sqlString('$' + '[*]'.repeat(docArrays) + dollarPath(path).slice(1))})`, list: docArrays > 0 || isMultivalue(path) };
  }
  // The plain prefix, then the key by pointer (`/` is the key "", `/*` the key "*"), then its array levels and
  // the rest of the path, element by element.
  const head = jsonAt(doc, path.slice(0, weird), docArrays, depth);
  const step = path[weird];
  const v = `dh_p${depth}`;
  const pointer = (x: string) => `json_extract(${x}, ${sqlString('/' + step.key)})`;
  let cur = head.list ? { sql: `list_transform(${head.sql}, lambda ${v}: ${pointer(v)})`, list: true } : { sql: pointer(head.sql), list: false };
  for (let a = 0; a < step.arrays; a++) {
    const w = `dh_a${depth}_${a}`;
    cur = cur.list
      ? { sql: `flatten(list_transform(${cur.sql}, lambda ${w}: json_extract(${w}, '$[*]')))`, list: true }
      : { sql: `json_extract(${cur.sql}, '$[*]')`, list: true };
  }
  const rest = path.slice(weird + 1);
  if (rest.length === 0) return cur;
  if (!cur.list) return jsonAt(cur.sql, rest, 0, depth + 1);
  const u = `dh_r${depth}`;
  const inner = jsonAt(u, rest, 0, depth + 1);
  return { sql: `flatten(list_transform(${cur.sql}, lambda ${u}: ${inner.list ? inner.sql : `[${inner.sql}]`}))`, list: true };
}

/**
 * The value of a scalar leaf as Splunk text, from `jsonText` (the leaf's JSON text: a column or lambda
 * variable, as it is read several times) or, when that is a number DuckDB may have respelled, from `exactText`
 * (the leaf's text in the line with its numbers quoted, where it is a string).
 */
const leafValue = (jsonText: string, line: string, exactText: string): string =>
  `CASE WHEN dh_respelled(${jsonText}, ${line}) THEN ${exactText} ELSE dh_scalar(${jsonText}) END`;

/**
 * The values of a multivalue leaf (text list, empty when none) from `jsonList` (a JSON[] column or variable) or,
 * when it holds a number DuckDB may have respelled, from `exactList` (the list read from the line with its
 * numbers quoted, computed once).
 */
const listValues = (jsonList: string, line: string, exactList: string): string =>
  `CASE WHEN list_bool_or(list_transform(${jsonList}, lambda dh_x: dh_respelled(dh_x, ${line}))) THEN dh_scalars(${exactList}) ELSE dh_scalars(${jsonList}) END`;

/**
 * SQL for one leaf's value read from a JSON text: text, or for a multivalue leaf a list of texts (empty when
 * none). `docArrays` array levels are taken of the text itself first (its values are then a list). The JSON at
 * the path is read once (a one-element list bound to a lambda variable).
 */
export function leafSql(doc: string, path: LeafPath, docArrays = 0): string {
  const at = jsonAt(doc, path, docArrays);
  const exact = jsonAt(`dh_quote_numbers(${doc})`, path, docArrays).sql;
  const body = at.list ? listValues('dh_l', doc, exact) : leafValue('dh_l', doc, `dh_scalar(${exact})`);
  return `list_transform([${at.sql}], lambda dh_l: ${body})[1]`;
}

/** Keys JSON writers leave unescaped (`\u` escapes aside): a line holding such a key contains it in quotes. */
const WRITTEN_AS_IS = /^[A-Za-z0-9_ .:@#$-]+$/;

/**
 * A cheap condition a line must meet to hold a value at the path (its first key, and any key with a dot, appear
 * in quotes, or the line has a `\u` escape), or undefined when there is none to test. Used to skip parsing lines
 * for a leaf most records do not have.
 */
export function leafGuard(line: string, path: LeafPath): string | undefined {
  const keys = [path[0].key, ...path.slice(1).map((s) => s.key).filter((k) => k.includes('.'))].filter((k) => WRITTEN_AS_IS.test(k));
  if (keys.length === 0) return undefined;
  return `((${keys.map((k) => `contains(${line}, ${sqlString(JSON.stringify(k))})`).join(' AND ')}) OR contains(${line}, '\\u'))`;
}
