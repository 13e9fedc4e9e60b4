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
  const n = {
    input: j.name('dh_lk_in'),
    values: j.name('dh_lk_v'),
    table: j.name('dh_lk_t'),
    matches: j.name('dh_lk_m'),
    outputs: j.name('dh_lk_o'),
  };
  const lists = j.inputs.map((inp) => (inp.value ? convert.list(inp.value) : 'NULL::VARCHAR[]'));
  const performed = [...lists.map((_, i) => `_dh_l${i} IS NOT NULL`), ...(j.only ? [`(${j.only})`] : [])].join(' AND ');
  // Each input's values, one row per combination, numbered in input order.
  let values = `SELECT _dh_rid${lists.map((_, i) => `, _dh_l${i}`).join('')} FROM ${n.input} WHERE _dh_p`;
  lists.forEach((_, i) => {
    values = `SELECT * EXCLUDE (_dh_l${i}), unnest(_dh_l${i}) AS _dh_v${i}, generate_subscripts(_dh_l${i}, 1) AS _dh_i${i} FROM (${values})`;
  });
  const vi = `[${lists.map((_, i) => `_dh_i${i}`).join(', ')}]`;
  const conds = j.inputs.map((inp, i) => matchCondition(def, `v._dh_v${i}`, `l.${sqlIdent(inp.lookupField)}`, inp.lookupField));
  const outCols = j.outputs.map((o, i) => ({ ...o, tmp: `_dh_o${i}` }));
  const picked = outCols.map((o) => `nullif(l.${sqlIdent(o.lookupField)}, '') AS ${o.tmp}`);
  const matches =
    `SELECT v._dh_rid, ${vi.replace(/_dh_i/g, 'v._dh_i')} AS _dh_vi, l._dh_row${picked.map((p) => `, ${p}`).join('')}\n` +
    `  FROM ${n.values} AS v JOIN ${n.table} AS l ON ${conds.join(' AND ') || 'true'}\n` +
    `  QUALIFY row_number() OVER (PARTITION BY v._dh_rid, ${vi.replace(/_dh_i/g, 'v._dh_i')} ORDER BY l._dh_row) <= ${def.maxMatches}`;
  // min_matches: default_match fills each looked-up value's matches up to the minimum (after the file's rows).
  const filled =
    def.minMatches === 0
      ? n.matches
      : `(SELECT * FROM ${n.matches}\n  UNION ALL\n  SELECT _dh_rid, _dh_vi, 1e18 + d AS _dh_row` +
        outCols.map((o) => `, nullif(${sqlString(def.defaultMatch)}, '') AS ${o.tmp}`).join('') +
        ` FROM (SELECT v._dh_rid, v._dh_vi, unnest(range(greatest(${def.minMatches} - coalesce(c.n, 0), 0))) AS d` +
        ` FROM (SELECT _dh_rid, ${vi} AS _dh_vi FROM ${n.values}) AS v` +
        ` LEFT JOIN (SELECT _dh_rid, _dh_vi, count(*) AS n FROM ${n.matches} GROUP BY ALL) AS c ON c._dh_rid = v._dh_rid AND c._dh_vi = v._dh_vi))`;
  const aggregated = outCols.map((o) => {
    const list = `list(${o.tmp} ORDER BY _dh_vi, _dh_row) FILTER (WHERE ${o.tmp} IS NOT NULL)`;
    return `${single ? `${list}[1]` : `dh_mv(${list})`} AS ${o.tmp}`;
  });
  const result = (o: (typeof outCols)[number]) => {
    const found = `o.${o.tmp}`;
    const before = o.existing ? coerce(o.existing, single ? 'str' : 'mv') : `NULL::${single ? 'VARCHAR' : 'VARCHAR[]'}`;
    return j.mode === 'OUTPUTNEW' ? `coalesce(${before}, ${found})` : `CASE WHEN i._dh_p THEN ${found} ELSE ${before} END`;
  };
  const replaced = outCols.filter((o) => o.existing !== undefined);
  const added = outCols.filter((o) => o.existing === undefined);
  const exclude = ['_dh_rid', '_dh_p', ...lists.map((_, i) => `_dh_l${i}`)];
  const star = `i.* EXCLUDE (${exclude.join(', ')})${replaced.length ? ` REPLACE (${replaced.map((o) => `${result(o)} AS ${sqlIdent(o.column)}`).join(', ')})` : ''}`;
  return (
    `WITH ${n.input} AS (SELECT *, row_number() OVER () AS _dh_rid${lists.map((l, i) => `, ${l} AS _dh_l${i}`).join('')}, ${performed} AS _dh_p FROM ${j.input}),\n` +
    `${n.values} AS (${values}),\n` +
    `${n.table} AS ${lookupTableSql(def.file, j.columns)},\n` +
    `${n.matches} AS (${matches}),\n` +
    `${n.outputs} AS (SELECT _dh_rid${aggregated.map((a) => `, ${a}`).join('')} FROM ${filled} GROUP BY _dh_rid)\n` +
    `SELECT ${[star, ...added.map((o) => `${result(o)} AS ${sqlIdent(o.column)}`)].join(', ')}\n` +
    `FROM ${n.input} AS i LEFT JOIN ${n.outputs} AS o ON o._dh_rid = i._dh_rid`
  );
}

/** One input value against the table's field, by the definition's match type and case sensitivity. */
function matchCondition(def: LookupDefinition, value: string, column: string, field: string): string {
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
