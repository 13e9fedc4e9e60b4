// CSV lookups as Splunk defines them (transforms.conf.spec, "Lookup tables"): a table is a lookup definition (a
// transforms.conf stanza with `filename`, or security_content's lookup YAML read as one) or a lookup file named
// directly (`foo.csv`). Matching rules per definition: `match_type = WILDCARD(f)` / `CIDR(f)` (EXACT otherwise),
// `case_sensitive_match` (default true), `max_matches` (default 100, the first matches in file order),
// `min_matches` (default 0) with `default_match` (default empty) filling up to it. Files are read by DuckDB
// (read_csv, every column VARCHAR), never parsed here.

import { existsSync } from 'node:fs';
import { basename, isAbsolute } from 'node:path';
import { coerce, convert } from '../compile/expr.ts';
import type { TypedSql } from '../compile/types.ts';
import { sqlIdent, sqlString } from '../sql/quote.ts';
import type { Knowledge } from './bundle.ts';
import { confBoolean, confError, confInteger, type ConfStanza } from './conf.ts';

export type MatchType = 'EXACT' | 'WILDCARD' | 'CIDR';

export interface LookupDefinition {
  /** The name the search used. */
  name: string;
  /** The table file (absolute path). */
  file: string;
  /** Match type per lookup field; a field not listed matches exactly. */
  matchTypes: ReadonlyMap<string, MatchType>;
  caseSensitive: boolean;
  maxMatches: number;
  minMatches: number;
  defaultMatch: string;
  /** Where it was defined (file:line), or the file itself. */
  origin: string;
}

/** Why a name is not a lookup duckhunt can use: the user sees this at the command's table name. */
export class LookupProblem extends Error {
  constructor(
    message: string,
    readonly kind: 'compile_error' | 'unsupported' | 'knowledge_error',
    readonly hint?: string,
  ) {
    super(message);
  }
}

const DEFAULTS = { caseSensitive: true, maxMatches: 100, minMatches: 0, defaultMatch: '' };

/** The definition a lookup name refers to: a transforms.conf stanza first, then a lookup file of that name. */
export function resolveLookup(k: Knowledge, name: string): LookupDefinition {
  const stanza = k.transforms.get(name);
  if (stanza) return fromStanza(k, name, stanza);
  const file = k.lookupFiles.get(name);
  if (file) return { name, file, matchTypes: new Map(), ...DEFAULTS, origin: file };
  throw new LookupProblem(
    `lookup table '${name}' is not defined: no transforms.conf stanza [${name}] and no lookup file named ${name} in the knowledge bundles`,
    'compile_error',
    'load the app that defines it with --knowledge DIR (a Splunk app directory or a security_content checkout)',
  );
}

function fromStanza(k: Knowledge, name: string, s: ConfStanza): LookupDefinition {
  const get = (key: string) => s.settings.get(key);
  for (const key of ['external_cmd', 'collection']) {
    if (get(key)?.value.trim()) throw new LookupProblem(`lookup '${name}' (${s.origin}) is ${key === 'collection' ? 'a KV store collection' : 'an external (scripted) lookup'}, which duckhunt does not run`, 'unsupported', 'export it to a CSV file and define the lookup with filename = …');
  }
  const type = get('external_type')?.value.trim();
  if (type && type !== 'python') throw new LookupProblem(`lookup '${name}' (${s.origin}) is a ${type} lookup, which duckhunt does not run`, 'unsupported');
  if (get('time_field')?.value.trim()) throw new LookupProblem(`lookup '${name}' (${s.origin}) is time-bounded (time_field), which duckhunt does not support`, 'unsupported');
  const filename = get('filename')?.value.trim();
  if (!filename) throw new LookupProblem(`lookup '${name}' (${s.origin}) has no filename`, 'knowledge_error', 'a CSV lookup definition needs filename = <file in the bundle\'s lookups/>');
  // Splunk strips any path and looks the file name up in the lookups directories; security_content's YAML
  // names the CSV beside it (read as an absolute path, see bundle.ts).
  const file = isAbsolute(filename) && existsSync(filename) ? filename : k.lookupFiles.get(basename(filename));
  if (!file) throw new LookupProblem(`lookup '${name}' (${s.origin}) names the file ${basename(filename)}, which is in no lookups/ directory of the loaded bundles`, 'knowledge_error');
  const num = (key: string, min: number, max: number, fallback: number) => {
    const v = get(key);
    return v ? confInteger(v, key, min, max) : fallback;
  };
  const cs = get('case_sensitive_match');
  return {
    name,
    file,
    matchTypes: parseMatchTypes(get('match_type')?.value ?? '', get('match_type')?.origin ?? s.origin),
    caseSensitive: cs ? confBoolean(cs, 'case_sensitive_match') : DEFAULTS.caseSensitive,
    maxMatches: num('max_matches', 1, 1000, DEFAULTS.maxMatches),
    minMatches: num('min_matches', 0, 1000, DEFAULTS.minMatches),
    defaultMatch: get('default_match')?.value ?? DEFAULTS.defaultMatch,
    origin: s.origin,
  };
}

/** `WILDCARD(a), CIDR(b)` (comma and/or space separated; several fields in one type allowed). */
export function parseMatchTypes(text: string, origin: string): Map<string, MatchType> {
  const types = new Map<string, MatchType>();
  const rest = text.replace(/\b(WILDCARD|CIDR|EXACT)\s*\(([^)]*)\)/gi, (_, type: string, fields: string) => {
    for (const f of fields.split(',').map((x) => x.trim()).filter(Boolean)) types.set(f, type.toUpperCase() as MatchType);
    return '';
  });
  if (rest.replace(/[\s,]/g, '') !== '') throw confError('knowledge_error', origin, `match_type must be a list of WILDCARD(field), CIDR(field) or EXACT(field), found \`${text}\``);
  return types;
}

/**
 * The table as DuckDB reads it: every column VARCHAR (empty cells are null), named by the header, plus its row
 * number in the file (`_dh_row`). `columns` come from describing the file (Engine.describeLookups).
 */
export function lookupTableSql(file: string, columns: string[]): string {
  const names = [...columns.map((_, i) => `dh_c${i}`), '_dh_row'];
  return (
    `(SELECT ${[...columns.map((c, i) => `dh_c${i} AS ${sqlIdent(c)}`), '_dh_row'].join(', ')} FROM ` +
    `${lookupReader(file)} WITH ORDINALITY AS dh_t(${names.join(', ')}))`
  );
}

/** read_csv of a lookup file with fixed options, so that describing it and reading it agree. */
export function lookupReader(file: string): string {
  return `read_csv(${sqlString(file)}, header = true, all_varchar = true, delim = ',', quote = '"', escape = '"')`;
}

export interface LookupInput {
  /** The lookup table's field. */
  lookupField: string;
  /** The event's value (absent when the event has no such field: the lookup is then not performed). */
  value: TypedSql | undefined;
}

export interface LookupOutputField {
  lookupField: string;
  /** Column the result goes to. */
  column: string;
  /** The field's current value, when it exists before the lookup. */
  existing: TypedSql | undefined;
}

export interface LookupJoin {
  /** A relation (name or parenthesised query) holding the input rows. */
  input: string;
  def: LookupDefinition;
  columns: string[];
  inputs: LookupInput[];
  outputs: LookupOutputField[];
  /** OUTPUT overwrites (clearing fields when nothing matches); OUTPUTNEW writes only fields that have no value. */
  mode: 'OUTPUT' | 'OUTPUTNEW';
  /** A condition on the input rows: only rows where it holds are looked up (a source:: props variant). */
  only?: string;
  /** Fresh names for the CTEs inside (unique across the query). */
  name: (prefix: string) => string;
}

/** Whether the outputs hold at most one value per row: then they are plain fields, not multivalue. */
export function singleValued(j: Pick<LookupJoin, 'def' | 'inputs'>): boolean {
  return j.def.maxMatches === 1 && j.def.minMatches <= 1 && j.inputs.every((i) => i.value?.type !== 'mv');
}

/**
 * SQL for the rows of `input` with the lookup applied. A row is looked up when it has every input field; each
 * value of a multivalue input is looked up on its own, and the matches (up to max_matches per value, in file
 * order, padded with default_match up to min_matches) become the output values, in input-value then file order.
 * With OUTPUT a looked-up row's outputs are replaced (cleared when nothing matched); rows missing an input keep
 * theirs. With OUTPUTNEW only outputs that have no value are written.
 */
export function lookupJoinSql(j: LookupJoin): string {
  const { def } = j;
  const single = singleValued(j);
  const inputs = j.inputs.map((inp) => ({ mv: inp.value?.type === 'mv', key: !inp.value ? 'NULL::VARCHAR' : inp.value.type === 'mv' ? inp.value.sql : convert.str(inp.value) }));
  const keys = inputs.map((_, i) => `_dh_k${i}`);
  const outCols = j.outputs.map((o, i) => ({ ...o, tmp: `_dh_o${i}` }));
  const n = { input: j.name('dh_lk_in'), table: j.name('dh_lk_t'), outputs: j.name('dh_lk_o') };
  // Exact matching of single values (the common case) groups the table by its key: the events then stream
  // through one hash join. Wildcards, CIDR blocks and multivalue inputs match each distinct input value instead.
  const exact = inputs.every((inp) => !inp.mv) && j.inputs.every((inp) => (def.matchTypes.get(inp.lookupField) ?? 'EXACT') === 'EXACT');
  const fold = (sql: string) => (exact && !def.caseSensitive ? `lower(${sql})` : sql);
  const performed = [...keys.map((k) => `${k} IS NOT NULL`), ...(j.only ? [`(${j.only})`] : [])].join(' AND ');
  const perKey = exact ? exactOutputs(j, n.table, outCols) : valueOutputs(j, n, inputs, outCols);
  // min_matches: default_match fills up to the minimum, also for a looked-up row that matched nothing.
  const padding = def.minMatches > 0 && def.defaultMatch !== '' ? `list_transform(range(${def.minMatches}), lambda dh_x: ${sqlString(def.defaultMatch)})` : undefined;
  const result = (o: (typeof outCols)[number]) => {
    let found = `o.${o.tmp}`;
    // A key with no row in the per-key outputs matched nothing.
    if (padding) found = `CASE WHEN o.${keys[0]} IS NULL THEN ${padding} ELSE ${found} END`;
    if (single) found = `${found}[1]`;
    const before = o.existing ? coerce(o.existing, single ? 'str' : 'mv') : `NULL::${single ? 'VARCHAR' : 'VARCHAR[]'}`;
    return j.mode === 'OUTPUTNEW' ? `coalesce(${before}, ${found})` : `CASE WHEN i._dh_p THEN ${found} ELSE ${before} END`;
  };
  const replaced = outCols.filter((o) => o.existing !== undefined);
  const added = outCols.filter((o) => o.existing === undefined);
  const star = `i.* EXCLUDE (${[...keys, '_dh_p'].join(', ')})${replaced.length ? ` REPLACE (${replaced.map((o) => `${result(o)} AS ${sqlIdent(o.column)}`).join(', ')})` : ''}`;
  // The input is read twice when distinct values are looked up: NOT MATERIALIZED keeps DuckDB from storing
  // every event (with its _raw) in between.
  return (
    `WITH ${n.input} AS NOT MATERIALIZED (SELECT *, ${inputs.map((inp, i) => `${fold(inp.key)} AS _dh_k${i}`).join(', ')}, ${performed} AS _dh_p FROM ${j.input}),\n` +
    `${n.table} AS ${lookupTableSql(def.file, j.columns)},\n` +
    `${perKey}\n` +
    `SELECT ${[star, ...added.map((o) => `${result(o)} AS ${sqlIdent(o.column)}`)].join(', ')}\n` +
    `FROM ${n.input} AS i LEFT JOIN ${n.outputs} AS o ON ${keys.map((k) => `o.${k} = i.${k}`).join(' AND ')}`
  );

  /** Output lists per key value, from the table alone (exact matching of single values). */
  function exactOutputs(_: LookupJoin, table: string, cols: typeof outCols): string {
    const tableKeys = j.inputs.map((inp, i) => `${fold(`${sqlIdent(inp.lookupField)}`)} AS _dh_k${i}`);
    const kept = `SELECT ${[...tableKeys, '_dh_row', ...cols.map((o) => `nullif(${sqlIdent(o.lookupField)}, '') AS ${o.tmp}`)].join(', ')} FROM ${table}` +
      ` QUALIFY row_number() OVER (PARTITION BY ${keys.join(', ')} ORDER BY _dh_row) <= ${def.maxMatches}`;
    return `${n.outputs} AS (SELECT ${keys.join(', ')}${cols.map((o) => `, ${aggregate(o.tmp, '_dh_row', 'count(*)')} AS ${o.tmp}`).join('')} FROM (${kept}) GROUP BY ${keys.join(', ')})`;
  }

  /** Output lists per distinct combination of input values, each value matched against the table. */
  function valueOutputs(_: LookupJoin, names: typeof n, ins: typeof inputs, cols: typeof outCols): string {
    const values = j.name('dh_lk_v');
    const matches = j.name('dh_lk_m');
    // Each input's values, one row per combination, numbered in input order (a single value is value 1).
    let v = `SELECT DISTINCT ${keys.join(', ')} FROM ${names.input} WHERE _dh_p`;
    ins.forEach((inp, i) => {
      v = inp.mv
        ? `SELECT *, unnest(_dh_k${i}) AS _dh_v${i}, generate_subscripts(_dh_k${i}, 1) AS _dh_i${i} FROM (${v})`
        : `SELECT *, _dh_k${i} AS _dh_v${i}, 1 AS _dh_i${i} FROM (${v})`;
    });
    const vi = `[${ins.map((_, i) => `v._dh_i${i}`).join(', ')}]`;
    const vkeys = keys.map((k) => `v.${k}`).join(', ');
    const conds = j.inputs.map((inp, i) => matchCondition(def, `v._dh_v${i}`, `l.${sqlIdent(inp.lookupField)}`, inp.lookupField));
    const m =
      `SELECT ${vkeys}, ${vi} AS _dh_vi, l._dh_row${cols.map((o) => `, nullif(l.${sqlIdent(o.lookupField)}, '') AS ${o.tmp}`).join('')}\n` +
      `  FROM ${values} AS v JOIN ${names.table} AS l ON ${conds.join(' AND ') || 'true'}\n` +
      `  QUALIFY row_number() OVER (PARTITION BY ${vkeys}, ${vi} ORDER BY l._dh_row) <= ${def.maxMatches}`;
    // Per looked-up value, default_match fills its matches up to min_matches (after the file's rows).
    const counted = `SELECT ${keys.join(', ')}, _dh_vi, count(*) AS n FROM ${matches} GROUP BY ALL`;
    const sameValue = [...keys.map((k) => `c.${k} IS NOT DISTINCT FROM w.${k}`), 'c._dh_vi = w._dh_vi'].join(' AND ');
    const filled =
      def.minMatches === 0 || def.defaultMatch === ''
        ? matches
        : `(SELECT * FROM ${matches} UNION ALL SELECT ${keys.join(', ')}, _dh_vi, 1e18 + d AS _dh_row${cols.map((o) => `, ${sqlString(def.defaultMatch)} AS ${o.tmp}`).join('')}` +
          ` FROM (SELECT ${keys.map((k) => `w.${k}`).join(', ')}, w._dh_vi, unnest(range(greatest(${def.minMatches} - coalesce(c.n, 0), 0))) AS d` +
          ` FROM (SELECT ${keys.join(', ')}, ${vi.replace(/v\./g, '')} AS _dh_vi FROM ${values}) AS w LEFT JOIN (${counted}) AS c ON ${sameValue}))`;
    return (
      `${values} AS (${v}),\n` +
      `${matches} AS (${m}),\n` +
      `${n.outputs} AS (SELECT ${keys.join(', ')}${cols.map((o) => `, ${aggregate(o.tmp, '_dh_vi, _dh_row')} AS ${o.tmp}`).join('')} FROM ${filled} GROUP BY ${keys.join(', ')})`
    );
  }

  /** The values of one output, in order, padded with default_match up to min_matches (given the match count). */
  function aggregate(column: string, order: string, count?: string): string {
    const list = `list(${column} ORDER BY ${order}) FILTER (WHERE ${column} IS NOT NULL)`;
    if (count && def.minMatches > 0 && def.defaultMatch !== '') {
      return `dh_mv(list_concat(coalesce(${list}, []), list_transform(range(greatest(${def.minMatches} - ${count}, 0)), lambda dh_x: ${sqlString(def.defaultMatch)})))`;
    }
    return `dh_mv(${list})`;
  }
}

/** One input value against the table's field, by the definition's match type and case sensitivity. */
export function matchCondition(def: LookupDefinition, value: string, column: string, field: string): string {
  switch (def.matchTypes.get(field) ?? 'EXACT') {
    case 'EXACT':
      return def.caseSensitive ? `${value} = ${column}` : `lower(${value}) = lower(${column})`;
    case 'WILDCARD':
      // `*` in the table's value matches any run of characters; LIKE's own % _ \ are literal.
      return `${value} ${def.caseSensitive ? 'LIKE' : 'ILIKE'} replace(replace(replace(replace(${column}, '\\', '\\\\'), '%', '\\%'), '_', '\\_'), '*', '%') ESCAPE '\\'`;
    case 'CIDR':
      return `dh_ipv4(${value}) BETWEEN dh_cidr_first(${column}) AND dh_cidr_last(${column})`;
  }
}

/** The table's fields that are neither matched on nor excluded: what a lookup without OUTPUT writes. */
export function defaultOutputs(columns: string[], matchFields: string[]): string[] {
  return columns.filter((c) => !matchFields.includes(c));
}
