// props.conf at search time, per source: which stanzas apply to a bound source and what they do to its events,
// in Splunk's order (props.conf.spec): automatic extraction (KV_MODE), then field aliases (FIELDALIAS-), then
// calculated fields (EVAL-, which see the event's fields and not each other's results), then automatic lookups
// (LOOKUP-). Only what the query needs is applied: a setting whose output field the query reads, and what those
// settings read in turn.
//
// Stanza precedence: [source::…] settings override [sourcetype] ones (host:: stanzas need a host field, which
// sources do not have yet). Among source:: stanzas the higher `priority` wins (default 100 for a literal name, 0
// for a pattern), then the ASCII-smaller pattern. A source:: pattern is matched against the event's `source`:
// when every bound file is known the match is decided here, otherwise per event in SQL.

import type * as A from '../ast/ast.ts';
import { exprFieldNames } from '../ast/walk.ts';
import { CompileContext, defaultCompileOptions } from '../compile/context.ts';
import { strptimeSql } from '../compile/timeformat.ts';
import { coerce, ExprCompiler, unify } from '../compile/expr.ts';
import { fieldOf, Schema } from '../compile/schema.ts';
import type { FieldType, TypedSql } from '../compile/types.ts';
import { DuckhuntError } from '../errors.ts';
import { parseEvalExpression, SyntaxProblem } from '../../grammar/index.ts';
import { errorAt } from '../macros/index.ts';
import { expandMacros, MacroLibrary } from '../macros/index.ts';
import { sqlIdent, sqlString } from '../sql/quote.ts';
import type { SourceBinding, TextTime } from '../sources/catalog.ts';
import { compileTextTime } from '../sources/text.ts';
import { checkRegex } from '../compile/regex.ts';
import { TIME_TEXT } from '../sources/scan.ts';
import type { Knowledge } from './bundle.ts';
import { confError, type ConfSetting, type ConfStanza } from './conf.ts';
import { extractionSql, extractsField, namedFields, parseExtraction, type Extraction } from './extractions.ts';
import { defaultOutputs, lookupJoinSql, LookupProblem, resolveLookup, singleValued, type LookupDefinition } from './lookups.ts';

/** When a setting applies: always, or for events whose SQL condition holds. */
type When = true | string;

interface Variant<T> {
  when: When;
  value: T;
  origin: string;
}

interface AliasPair {
  from: string;
  to: string;
  /** ASNEW: keep an existing value of `to` (and keep `to` when `from` has no value). */
  asNew: boolean;
}

/** A LOOKUP- setting: `table (field [AS event_field])+ [OUTPUT|OUTPUTNEW (field [AS event_field])+]`. */
export interface AutoLookup {
  table: string;
  inputs: Array<{ lookupField: string; eventField: string }>;
  mode: 'OUTPUT' | 'OUTPUTNEW';
  /** Empty: every table field that is not an input. */
  outputs: Array<{ lookupField: string; eventField: string }>;
}

interface EvalSetting {
  expr: A.Expr;
  /** The setting's text, which error positions point into. */
  text: string;
}

interface Setting<T> {
  key: string;
  variants: Variant<T>[];
}

/** What props do to one bound source's events, limited to what the query needs. */
export interface PropsPlan {
  /** Whether automatic JSON extraction is off (KV_MODE = none/xml/multi, without INDEXED_EXTRACTIONS = json). */
  jsonOff: When | false;
  /** EXTRACT- and REPORT- settings in Splunk's order (EXTRACT before REPORT, each by class name). */
  extractions: Setting<Extraction[]>[];
  /** The fields the extractions give values (the query reads them). */
  extracted: string[];
  aliases: Setting<AliasPair[]>[];
  evals: Array<{ field: string; variants: Variant<EvalSetting>[] }>;
  lookups: Setting<AutoLookup>[];
  /** Every field the events must carry from the scan for the query and these settings. */
  extract: Set<string>;
  /** Fields these settings write. */
  writes: Set<string>;
  /** Automatic lookups whose table cannot be read (their fields are not set): the compiler warns. */
  problems: string[];
}

/** The props stanzas that may apply to a source, highest precedence first. */
export function applicableStanzas(k: Knowledge, binding: SourceBinding): Array<{ stanza: ConfStanza; when: When }> {
  const sources: Array<{ stanza: ConfStanza; when: When; priority: number }> = [];
  for (const name of k.props.names()) {
    if (!name.startsWith('source::')) continue;
    const stanza = k.props.get(name)!;
    const when = sourceCondition(name.slice('source::'.length), binding, stanza.origin);
    if (when === false) continue;
    const literal = !/\.\.\.|[*|()?[\]]/.test(name);
    const p = stanza.settings.get('priority');
    sources.push({ stanza, when, priority: p && /^-?\d+$/.test(p.value.trim()) ? Number(p.value) : literal ? 100 : 0 });
  }
  sources.sort((a, b) => b.priority - a.priority || (a.stanza.name < b.stanza.name ? -1 : a.stanza.name > b.stanza.name ? 1 : 0));
  const own = k.props.get(binding.sourcetype);
  return [...sources.map(({ stanza, when }) => ({ stanza, when })), ...(own ? [{ stanza: own, when: true as When }] : [])];
}

/**
 * props.conf's source pattern language as a regular expression over the whole source: `...` is any run of
 * characters, `*` any run without a path separator, `.` a period, `\\` a backslash; the rest (`|`, `( )`) is
 * regular-expression syntax, as Splunk's spec says.
 */
export function sourcePatternRegex(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; ) {
    if (pattern.startsWith('...', i)) {
      out += '.*';
      i += 3;
    } else if (pattern[i] === '*') {
      out += '[^/]*';
      i++;
    } else if (pattern[i] === '.') {
      out += '\\.';
      i++;
    } else if (pattern[i] === '\\') {
      out += pattern.slice(i, i + 2);
      i += 2;
    } else {
      out += pattern[i++];
    }
  }
  return out;
}

/** Whether the events of `binding` match a source pattern: decided here when the files are known, else in SQL. */
function sourceCondition(pattern: string, binding: SourceBinding, origin: string): When | false {
  const re = sourcePatternRegex(pattern);
  if (/\(\?<?[=!]|\(\?>|\\[1-9]/.test(re)) throw confError('knowledge_error', origin, `the source pattern [source::${pattern}] uses lookaround or backreferences, which duckhunt cannot match`);
  // A source with its own `source` value has it on every event; else each event's source is its file.
  const files = binding.source !== undefined ? [binding.source] : binding.paths;
  if (binding.source !== undefined || files.every((f) => !/[*?[]/.test(f))) {
    const js = new RegExp(`^(?:${re})$`, 's');
    const hits = files.map((f) => js.test(f));
    if (hits.every((h) => h)) return true;
    if (hits.every((h) => !h)) return false;
  }
  return `regexp_full_match(${sqlIdent('source')}, ${sqlString(re)})`;
}

/** The variants of one setting across the applicable stanzas: the first whose condition holds wins. */
function variantsOf(stanzas: Array<{ stanza: ConfStanza; when: When }>, key: string): Variant<ConfSetting>[] {
  const out: Variant<ConfSetting>[] = [];
  for (const { stanza, when } of stanzas) {
    const s = stanza.settings.get(key);
    if (!s) continue;
    out.push({ when, value: s, origin: s.origin });
    if (when === true) break; // nothing below can apply
  }
  return out;
}

const isLookupKey = (key: string) => /^lookup[-_]?./i.test(key);

/** Plans the props of one bound source for a query that reads `reads`. */
export function planProps(k: Knowledge, binding: SourceBinding, reads: ReadonlySet<string> | 'all', isBuiltIn: (f: string) => boolean): PropsPlan {
  const stanzas = applicableStanzas(k, binding);
  const keys = [...new Set(stanzas.flatMap(({ stanza }) => [...stanza.settings.keys()]))].sort();
  const settings = <T>(match: (key: string) => boolean, parse: (s: ConfSetting, key: string) => T): Setting<T>[] =>
    keys.filter(match).map((key) => ({ key, variants: variantsOf(stanzas, key).map((v) => ({ ...v, value: parse(v.value, key) })) }));

  // Which settings the query needs, and what they read: lookups run last, so walk them first.
  const needed = new Set(reads === 'all' ? [] : reads);
  const wants = (f: string) => reads === 'all' || needed.has(f);
  const aliasSettings = settings((key) => key.startsWith('FIELDALIAS-'), parseAliases);
  const lookupSettings = settings(isLookupKey, parseAutoLookup);
  const lookups: Setting<AutoLookup>[] = [];
  for (const s of [...lookupSettings].reverse()) {
    const used = s.variants.some((v) => autoLookupOutputs(k, v.value).some(wants));
    if (!used) continue;
    lookups.unshift(s);
    for (const v of s.variants) for (const i of v.value.inputs) needed.add(i.eventField);
  }
  // An EVAL is parsed only when the query needs its field (a broken one elsewhere does not stop this query).
  const evals = settings((key) => key.startsWith('EVAL-') && key.length > 5 && wants(key.slice(5)), parseEval).map((s) => ({ field: s.key.slice(5), variants: s.variants }));
  for (const e of evals) for (const v of e.variants) for (const f of exprFieldNames(v.value.expr)) needed.add(f);
  const aliases = aliasSettings
    .map((s) => ({ key: s.key, variants: s.variants.map((v) => ({ ...v, value: v.value.filter((p) => wants(p.to)) })) }))
    .filter((s) => s.variants.some((v) => v.value.length > 0));
  for (const s of aliases) for (const v of s.variants) for (const p of v.value) needed.add(p.from);
  // Extractions run first and give values to what the query (and the settings above) read.
  const problems: string[] = [];
  const extractions = extractionSettings(k, stanzas, keys, problems);
  const extracted =
    reads === 'all'
      ? [...new Set(extractions.flatMap((s) => s.variants.flatMap((v) => v.value.flatMap(namedFields))))].sort()
      : [...needed].filter((f) => !isBuiltIn(f) && extractions.some((s) => s.variants.some((v) => v.value.some((e) => extractsField(e, f))))).sort();
  for (const s of extractions) for (const v of s.variants) for (const e of v.value) if (extracted.some((f) => extractsField(e, f))) needed.add(e.source);

  const writes = new Set<string>([
    ...(reads === 'all' ? extracted : []),
    ...aliases.flatMap((s) => s.variants.flatMap((v) => v.value.map((p) => p.to))),
    ...evals.map((e) => e.field),
    ...lookups.flatMap((s) => s.variants.flatMap((v) => autoLookupOutputs(k, v.value))).filter(wants),
  ]);
  problems.push(
    ...lookupSettings.flatMap((s) =>
      s.variants.filter((v) => v.value.outputs.length === 0 && !describedColumns(k, v.value.table)).map((v) => `${v.origin}: ${s.key}: the lookup table '${v.value.table}' cannot be read, so its fields are not set`),
    ),
  );
  return { jsonOff: binding.format === 'xml' ? false : jsonOff(stanzas, binding.format === 'text'), extractions, extracted, aliases, evals, lookups, extract: new Set([...needed].filter((f) => !isBuiltIn(f))), writes, problems };
}

/**
 * Whether automatic JSON extraction is off: KV_MODE none, xml or multi (or auto with AUTO_KV_JSON = false), unless
 * INDEXED_EXTRACTIONS = json put the fields there at index time. Decided here unless a source:: pattern decides
 * it per event. For text events (`text`) the automatic extraction is key=value pairs, which only auto and
 * auto_escaped do (json, too, is off). XML events' fields are the reader's (the Windows add-on's extractions),
 * which KV_MODE does not turn off.
 */
function jsonOff(stanzas: Array<{ stanza: ConfStanza; when: When }>, text: boolean): When | false {
  const setting = (key: string, fallback: string): { value: string } | { sql: string } => {
    const variants = variantsOf(stanzas, key);
    const norm = (s: ConfSetting) => s.value.trim().toLowerCase();
    if (variants.length === 0) return { value: fallback };
    if (variants[0].when === true) return { value: norm(variants[0].value) };
    return { sql: `CASE ${variants.map((v) => `WHEN ${v.when === true ? 'true' : v.when} THEN ${sqlString(norm(v.value))}`).join(' ')} ELSE ${sqlString(fallback)} END` };
  };
  const mode = setting('KV_MODE', 'auto');
  const indexed = setting('INDEXED_EXTRACTIONS', '');
  const autoJson = setting('AUTO_KV_JSON', 'true');
  if ('value' in mode && 'value' in indexed && 'value' in autoJson) {
    if (indexed.value === 'json') return false;
    if (['none', 'xml', 'multi', ...(text ? ['json'] : [])].includes(mode.value)) return true;
    return ['auto', 'auto_escaped'].includes(mode.value) && ['false', 'f', 'no', '0'].includes(autoJson.value);
  }
  const sql = (x: { value: string } | { sql: string }) => ('value' in x ? sqlString(x.value) : x.sql);
  return `(${sql(indexed)} <> 'json' AND (${sql(mode)} IN ('none', 'xml', 'multi'${text ? ", 'json'" : ''}) OR (${sql(mode)} IN ('auto', 'auto_escaped') AND ${sql(autoJson)} IN ('false', 'f', 'no', '0'))))`;
}

/**
 * The EXTRACT- and REPORT- settings of the stanzas, parsed. One that cannot be read (a regex RE2 cannot run, a
 * missing transform) is left out with a problem the compiler reports, so that it does not stop queries that do
 * not need it.
 */
function extractionSettings(k: Knowledge, stanzas: Array<{ stanza: ConfStanza; when: When }>, keys: string[], problems: string[]): Setting<Extraction[]>[] {
  const out: Setting<Extraction[]>[] = [];
  for (const key of keys.filter((x) => x.startsWith('EXTRACT-') || x.startsWith('REPORT-'))) {
    const variants: Variant<Extraction[]>[] = [];
    for (const v of variantsOf(stanzas, key)) {
      try {
        variants.push({ ...v, value: parseExtraction(k, v.value, key, confRegex) });
      } catch (e) {
        if (!(e instanceof DuckhuntError)) throw e;
        problems.push(`${e.message}; its fields are not extracted`);
      }
    }
    if (variants.length > 0) out.push({ key, variants });
  }
  return out;
}

/** `a AS b c ASNEW d`: field names may be double-quoted. */
function parseAliases(s: ConfSetting, key: string): AliasPair[] {
  const words = splitWords(s.value);
  const pairs: AliasPair[] = [];
  for (let i = 0; i < words.length; i += 3) {
    const [from, op, to] = words.slice(i, i + 3);
    if (!to || !/^(AS|ASNEW)$/i.test(op)) throw confError('knowledge_error', s.origin, `${key} must be a list of \`field AS alias\` (or ASNEW), found \`${s.value}\``);
    pairs.push({ from, to, asNew: op.toUpperCase() === 'ASNEW' });
  }
  return pairs;
}

function parseEval(s: ConfSetting, key: string): EvalSetting {
  try {
    return { expr: parseEvalExpression(s.value), text: s.value };
  } catch (e) {
    if (!(e instanceof SyntaxProblem)) throw e;
    const exp = expandMacros(s.value, new MacroLibrary());
    throw errorAt(exp, 'knowledge_error', `in ${key}: ${e.message}`, e.span, e.hint).withFile(s.origin);
  }
}

function parseAutoLookup(s: ConfSetting, key: string): AutoLookup {
  const words = splitWords(s.value.replace(/,/g, ' '));
  const bad = () => confError('knowledge_error', s.origin, `${key} must be \`table field [AS event_field] … [OUTPUT|OUTPUTNEW field [AS event_field] …]\`, found \`${s.value}\``);
  const [table, ...rest] = words;
  if (!table) throw bad();
  const pairs = (list: string[]) => {
    const out: Array<{ lookupField: string; eventField: string }> = [];
    for (let i = 0; i < list.length; ) {
      const lookupField = list[i];
      if (list[i + 1]?.toUpperCase() === 'AS') {
        if (!list[i + 2]) throw bad();
        out.push({ lookupField, eventField: list[i + 2] });
        i += 3;
      } else {
        out.push({ lookupField, eventField: lookupField });
        i++;
      }
    }
    return out;
  };
  const at = rest.findIndex((w) => /^(OUTPUT|OUTPUTNEW)$/i.test(w));
  const inputs = pairs(at < 0 ? rest : rest.slice(0, at));
  if (inputs.length === 0) throw bad();
  const outputs = at < 0 ? [] : pairs(rest.slice(at + 1));
  if (at >= 0 && outputs.length === 0) throw bad();
  return { table, inputs, mode: at >= 0 && rest[at].toUpperCase() === 'OUTPUTNEW' ? 'OUTPUTNEW' : 'OUTPUT', outputs };
}

function splitWords(text: string): string[] {
  return [...text.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)].map((m) => (m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]));
}

/**
 * The event fields an automatic lookup writes (all non-input table fields when it names none). A table that
 * cannot be read writes nothing: planProps reports it.
 */
function autoLookupOutputs(k: Knowledge, l: AutoLookup): string[] {
  if (l.outputs.length > 0) return l.outputs.map((o) => o.eventField);
  const columns = describedColumns(k, l.table);
  return columns ? defaultOutputs(columns, l.inputs.map((i) => i.lookupField)) : [];
}

/** A lookup's columns, when the engine has described its file (Engine.describeLookups). */
export function describedColumns(k: Knowledge, table: string): string[] | undefined {
  try {
    return k.lookupColumns.get(resolveLookup(k, table).file);
  } catch {
    return undefined;
  }
}

/** The lookup tables a source's automatic lookups use (to describe before compiling). */
export function autoLookupTables(k: Knowledge, binding: SourceBinding): string[] {
  const stanzas = applicableStanzas(k, binding);
  return stanzas.flatMap(({ stanza }) => [...stanza.settings].filter(([key]) => isLookupKey(key)).map(([key, s]) => parseAutoLookup(s, key).table));
}

/**
 * A source's time settings from its sourcetype's props (unless the user set its time field). JSON: TIMESTAMP_FIELDS,
 * or a TIME_PREFIX that is a JSON key (`"CreationTime":\s*"`), names the field; TIME_FORMAT says how to read it
 * (an epoch format — %s — is read as the default reader does). Text: TIME_PREFIX, TIME_FORMAT and
 * MAX_TIMESTAMP_LOOKAHEAD say where the time is in the event (sources/text.ts). XML events' time is their
 * TimeCreated SystemTime.
 */
export function withTimeProps(k: Knowledge, bindings: SourceBinding[]): SourceBinding[] {
  return bindings.map((b) => {
    const stanza = k.props.get(b.sourcetype);
    if (b.format === 'text') return stanza ? { ...b, textTime: textTimeOf(stanza) } : b;
    if (b.timeFieldSet || !stanza || b.format === 'xml') return b;
    const fields = stanza.settings.get('TIMESTAMP_FIELDS')?.value.split(',')[0]?.trim();
    const prefix = stanza.settings.get('TIME_PREFIX')?.value;
    const key = prefix ? /^\\?"([^"\\]+)\\?"\s*(?:\\s\*)?:/.exec(prefix.trim())?.[1] : undefined;
    const format = stanza.settings.get('TIME_FORMAT');
    const field = fields || key;
    if (!field) return b;
    const timeParser = format && !format.value.includes('%s') ? timeParserOf(format) : undefined;
    return { ...b, timeField: field, timeParser };
  });
}

/** A text source's time settings (no settings: the automatic formats within 128 characters). */
function textTimeOf(stanza: ConfStanza): TextTime | undefined {
  const get = (key: string) => stanza.settings.get(key);
  const prefix = get('TIME_PREFIX');
  const format = get('TIME_FORMAT');
  const lookahead = get('MAX_TIMESTAMP_LOOKAHEAD');
  if (!prefix && !format && !lookahead) return undefined;
  if (lookahead && !/^\d+$/.test(lookahead.value.trim())) throw confError('knowledge_error', lookahead.origin, `MAX_TIMESTAMP_LOOKAHEAD must be a number of characters, found \`${lookahead.value}\``);
  const origin = (prefix ?? format ?? lookahead)!.origin;
  return compileTextTime({
    prefix: prefix ? confRegex(prefix, 'TIME_PREFIX') : undefined,
    format: format?.value,
    lookahead: lookahead ? Number(lookahead.value.trim()) : undefined,
    origin: format?.origin ?? origin,
  });
}

/** A props/transforms regex (PCRE) in RE2's spelling, or a knowledge error naming the setting. */
export function confRegex(s: ConfSetting, key: string): string {
  const ctx = new CompileContext(expandMacros(s.value, new MacroLibrary()), defaultCompileOptions(), undefined, s.origin);
  try {
    return checkRegex(s.value, { start: 0, end: s.value.length }, ctx);
  } catch (e) {
    if (e instanceof DuckhuntError) throw confError('knowledge_error', s.origin, `${key}: ${e.message}`);
    throw e;
  }
}

/**
 * The format of sources whose files do not say it (their format is `auto`) from their sourcetype's props:
 * KV_MODE = xml is Windows event XML, KV_MODE = json or INDEXED_EXTRACTIONS = json is NDJSON; otherwise the
 * content decides (Engine.describeSources; decision X80).
 */
export function withFormatProps(k: Knowledge, bindings: SourceBinding[]): SourceBinding[] {
  return bindings.map((b) => {
    if (b.format !== 'auto') return b;
    const setting = (key: string) => variantsOf(applicableStanzas(k, b).filter((s) => s.when === true), key)[0]?.value.value.trim().toLowerCase();
    const mode = setting('KV_MODE');
    if (mode === 'xml') return { ...b, format: 'xml' };
    if (mode === 'json' || setting('INDEXED_EXTRACTIONS') === 'json') return { ...b, format: 'ndjson' };
    return b;
  });
}

function timeParserOf(s: ConfSetting): string {
  const ctx = new CompileContext(expandMacros(s.value, new MacroLibrary()), defaultCompileOptions(), undefined, s.origin);
  return strptimeSql(TIME_TEXT, s.value.trim(), { start: 0, end: s.value.length }, ctx);
}

/** Every field the props of a source can write, for commands that see all of an event's fields (`table *`). */
export function propsFields(k: Knowledge, binding: SourceBinding): string[] {
  return [...planProps(k, binding, 'all', () => false).writes].sort();
}

/** Compiles a plan into SQL over `input` (the source's scanned events): one nested SELECT per stage. */
export function propsSql(plan: PropsPlan, input: string, fields: ReadonlyMap<string, FieldType>, ctx: CompileContext, k: Knowledge): { sql: string; types: Map<string, FieldType>; lookupFiles: string[] } {
  const lookupFiles: string[] = [];
  const types = new Map(fields);
  const col = (f: string) => sqlIdent(ctx.columns.columnFor(f));
  const typed = (f: string): TypedSql => (types.has(f) ? { sql: col(f), type: types.get(f)! } : { sql: 'NULL::VARCHAR', type: 'str' });
  const caseOf = (variants: Array<{ when: When; sql: string }>, otherwise: string) => {
    if (variants.length > 0 && variants[0].when === true) return variants[0].sql;
    const branches = variants.map((v) => `WHEN ${v.when === true ? 'true' : v.when} THEN ${v.sql}`);
    return branches.length === 0 ? otherwise : `CASE ${branches.join(' ')} ELSE ${otherwise} END`;
  };
  const layer = (from: string, replaced: Map<string, TypedSql>) => {
    if (replaced.size === 0) return from;
    for (const [f, t] of replaced) types.set(f, t.type as FieldType);
    return `(SELECT * REPLACE (${[...replaced].map(([f, t]) => `${t.sql} AS ${col(f)}`).join(', ')}) FROM ${from})`;
  };

  let sql = input;
  // KV_MODE = none: the event's own JSON fields are not extracted.
  if (plan.jsonOff !== false) {
    const off = new Map<string, TypedSql>();
    for (const f of plan.extract) {
      const t = typed(f);
      const nul = `NULL::${t.type === 'mv' ? 'VARCHAR[]' : 'VARCHAR'}`;
      off.set(f, { sql: plan.jsonOff === true ? nul : `CASE WHEN ${plan.jsonOff} THEN ${nul} ELSE ${t.sql} END`, type: t.type });
    }
    sql = layer(sql, off);
  }

  // EXTRACT-/REPORT-: the first extraction that finds a value gives it, before the automatic extraction's.
  const fromExtractions = new Map<string, TypedSql>();
  for (const f of plan.extracted) {
    const existing = typed(f);
    const type = existing.type === 'mv' ? 'mv' : 'str';
    const parts = plan.extractions.flatMap((s) => {
      const branches = s.variants.map((v) => {
        const found = v.value.filter((e) => extractsField(e, f)).map((e) => extractionSql(e, f, coerce(typed(e.source), 'str')));
        return { when: v.when, sql: found.length === 0 ? 'NULL::VARCHAR' : found.length === 1 ? found[0] : `coalesce(${found.join(', ')})` };
      });
      return branches.every((b) => b.sql === 'NULL::VARCHAR') ? [] : [caseOf(branches, 'NULL::VARCHAR')];
    });
    const value = parts.length === 1 ? parts[0] : `coalesce(${parts.join(', ')})`;
    fromExtractions.set(f, { sql: `coalesce(${coerce({ sql: value, type: 'str' }, type)}, ${coerce(existing, type)})`, type });
  }
  sql = layer(sql, fromExtractions);

  // Aliases read the fields as extracted; AS replaces (and clears when the original has no value), ASNEW keeps.
  const aliased = new Map<string, TypedSql>();
  const current = (f: string) => aliased.get(f) ?? typed(f);
  for (const s of plan.aliases) {
    const targets = new Set(s.variants.flatMap((v) => v.value.map((p) => p.to)));
    for (const to of targets) {
      const branches = s.variants.map((v) => {
        let value = current(to);
        for (const p of v.value.filter((q) => q.to === to)) {
          const from = typed(p.from);
          const type = unify([from.type, value.type]);
          value = { sql: p.asNew ? `coalesce(${coerce(value, type)}, ${coerce(from, type)})` : coerce(from, type), type };
        }
        return { when: v.when, value };
      });
      const type = unify([current(to).type, ...branches.map((b) => b.value.type)]);
      aliased.set(to, { sql: caseOf(branches.map((b) => ({ when: b.when, sql: coerce(b.value, type) })), coerce(current(to), type)), type });
    }
  }
  sql = layer(sql, aliased);

  // Calculated fields all read the same (aliased) event: one layer.
  const schema = Schema.of([...types].map(([f, t]) => fieldOf(f, ctx.columns.columnFor(f), t)), true);
  const evaluated = new Map<string, TypedSql>();
  for (const e of plan.evals) {
    const branches = e.variants.map((v) => ({ when: v.when, value: new ExprCompiler(ctx.within(v.value.text, v.origin), schema).value(v.value.expr) }));
    const before = typed(e.field);
    const type = unify(branches.map((b) => b.value.type).concat(e.variants[0]?.when === true ? [] : [before.type]));
    evaluated.set(e.field, { sql: caseOf(branches.map((b) => ({ when: b.when, sql: coerce(b.value, type) })), coerce(before, type)), type });
  }
  sql = layer(sql, evaluated);

  // Automatic lookups, in the order of their names; each sees the ones before it.
  for (const s of plan.lookups) {
    let excluded: string[] = [];
    for (const v of s.variants) {
      const def = lookupFor(k, v.value.table, v.origin);
      const columns = k.lookupColumns.get(def.file);
      if (!columns) throw confError('knowledge_error', v.origin, `${s.key}: ${k.lookupProblems.get(def.file) ?? `the lookup table ${def.file} was not read before compiling (Engine.describeLookups)`}`);
      lookupFiles.push(def.file);
      const outputs = (v.value.outputs.length > 0 ? v.value.outputs : defaultOutputs(columns, v.value.inputs.map((i) => i.lookupField)).map((c) => ({ lookupField: c, eventField: c }))).filter((o) =>
        plan.writes.has(o.eventField),
      );
      for (const f of [...v.value.inputs.map((i) => i.lookupField), ...outputs.map((o) => o.lookupField)]) {
        if (!columns.includes(f)) throw confError('knowledge_error', v.origin, `${s.key}: the lookup table ${def.file} has no field '${f}'`);
      }
      const only = [v.when === true ? undefined : v.when, ...excluded.map((c) => `NOT (${c})`)].filter((c): c is string => c !== undefined);
      const inputs = v.value.inputs.map((i) => ({ lookupField: i.lookupField, value: types.has(i.eventField) ? typed(i.eventField) : undefined }));
      const single = singleValued({ def, inputs });
      sql = `(${lookupJoinSql({
        input: sql,
        def,
        columns,
        inputs,
        outputs: outputs.map((o) => ({ lookupField: o.lookupField, column: ctx.columns.columnFor(o.eventField), existing: types.has(o.eventField) ? typed(o.eventField) : undefined })),
        mode: v.value.mode,
        only: only.length > 0 ? only.join(' AND ') : undefined,
        name: (p) => ctx.name(p),
      })})`;
      for (const o of outputs) types.set(o.eventField, single ? 'str' : 'mv');
      if (v.when !== true) excluded = [...excluded, v.when];
    }
  }
  return { sql, types, lookupFiles };
}

function lookupFor(k: Knowledge, table: string, origin: string): LookupDefinition {
  try {
    return resolveLookup(k, table);
  } catch (e) {
    if (e instanceof LookupProblem) throw new DuckhuntError(e.kind, `${origin}: ${e.message}`, { hint: e.hint });
    throw e;
  }
}
