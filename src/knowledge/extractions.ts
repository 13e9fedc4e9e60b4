// Search-time field extractions of props.conf: `EXTRACT-<class> = <regex> [in <field>]` (named groups are
// fields) and `REPORT-<class> = <transform>, …` (transforms.conf: REGEX with FORMAT `name::$1` or `$1::$2`, or
// `_KEY_n`/`_VAL_n` groups; or DELIMS with FIELDS; SOURCE_KEY; CLEAN_KEYS). Each field gets the first value an
// extraction finds (MV_ADD = true is not applied: the first value is kept, as without it), and an earlier
// extraction's value wins over a later one's and over the automatic extraction (KV_MODE), as Splunk keeps the
// first value of a field unless MV_ADD says otherwise.

import { captureGroups } from '../compile/regex.ts';
import { sqlString } from '../sql/quote.ts';
import type { Knowledge } from './bundle.ts';
import { confError, type ConfSetting } from './conf.ts';

/** How one extraction finds a field's value in its source text. */
export type Extraction = {
  /** The field the extraction reads (`_raw` unless `in <field>` / SOURCE_KEY says otherwise). */
  source: string;
  /** Where the extraction came from, for messages. */
  origin: string;
} & (
  | { kind: 'regex'; regex: string; static: Map<string, number>; dynamic?: { key: number; value: number; clean: boolean } }
  | { kind: 'delims'; pairs: string; kv?: string; fields: string[]; clean: boolean }
);

/** Parses an EXTRACT- or REPORT- setting (REPORT reads its transforms) into extractions, in order. */
export function parseExtraction(k: Knowledge, s: ConfSetting, key: string, regexOf: (s: ConfSetting, key: string) => string): Extraction[] {
  if (key.startsWith('EXTRACT-')) {
    const m = /^([\s\S]*?)\s+in\s+([^\s]+)\s*$/.exec(s.value);
    const pattern = m ? m[1] : s.value;
    const regex = regexOf({ ...s, value: pattern }, key);
    const e = regexExtraction(pattern, regex, m ? m[2] : '_raw', s.origin, true);
    if (namedFields(e).length === 0 && e.kind === 'regex' && !e.dynamic) throw confError('knowledge_error', s.origin, `${key} has no named group, so it extracts nothing`);
    return [e];
  }
  return s.value
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '')
    .map((name) => {
      const t = k.transforms.get(name);
      if (!t) throw confError('knowledge_error', s.origin, `${key}: transforms.conf has no stanza [${name}]`);
      const get = (setting: string) => t.settings.get(setting);
      const source = get('SOURCE_KEY')?.value.trim() || '_raw';
      const clean = !/^(false|f|no|0)$/i.test(get('CLEAN_KEYS')?.value.trim() ?? 'true');
      const delims = get('DELIMS');
      if (delims) {
        const chars = [...delims.value.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((d) => unescapeDelims(d[1]));
        if (chars.length === 0 || chars.length > 2) throw confError('knowledge_error', delims.origin, `[${name}] DELIMS must be one or two quoted sets of delimiters, found \`${delims.value}\``);
        const fields = (get('FIELDS')?.value ?? '').split(',').map((f) => f.trim().replace(/^"(.*)"$/, '$1')).filter((f) => f !== '');
        if (chars.length === 1 && fields.length === 0) throw confError('knowledge_error', delims.origin, `[${name}] DELIMS with one set of delimiters needs FIELDS`);
        return { kind: 'delims', source, origin: delims.origin, pairs: chars[0], kv: chars[1], fields, clean };
      }
      const re = get('REGEX');
      if (!re) throw confError('knowledge_error', t.origin, `[${name}] has neither REGEX nor DELIMS, so ${key} extracts nothing`);
      const e = regexExtraction(re.value, regexOf(re, `[${name}] REGEX`), source, re.origin, clean);
      const format = get('FORMAT');
      if (format && e.kind === 'regex') {
        for (const [, target, group] of format.value.matchAll(/(\S+?)::\$(\d+)/g)) {
          const dyn = /^\$(\d+)$/.exec(target);
          if (dyn) e.dynamic = { key: Number(dyn[1]), value: Number(group), clean };
          else e.static.set(target, Number(group));
        }
        if (e.static.size === 0 && !e.dynamic) throw confError('knowledge_error', format.origin, `[${name}] FORMAT = ${format.value}: duckhunt reads FORMAT as \`field::$n\` or \`$n::$m\` pairs`);
      }
      if (e.kind === 'regex' && e.static.size === 0 && !e.dynamic) throw confError('knowledge_error', re.origin, `[${name}] has no FORMAT and no named group, so ${key} extracts nothing`);
      return e;
    });
}

function regexExtraction(pcre: string, regex: string, source: string, origin: string, clean: boolean): Extraction {
  const groups = captureGroups(pcre);
  const statics = new Map<string, number>();
  groups.forEach((g, i) => {
    if (g !== undefined && !/^_(KEY|VAL)_/.test(g) && !statics.has(g)) statics.set(g, i + 1);
  });
  const key = groups.indexOf('_KEY_1');
  const value = groups.indexOf('_VAL_1');
  return { kind: 'regex', source, origin, regex, static: statics, ...(key >= 0 && value >= 0 ? { dynamic: { key: key + 1, value: value + 1, clean } } : {}) };
}

/** `\t` and friends in DELIMS, as transforms.conf.spec allows. */
function unescapeDelims(s: string): string {
  return s.replace(/\\(.)/g, (_, c: string) => ({ t: '\t', n: '\n', r: '\r' })[c] ?? c);
}

/** Whether an extraction can set `field`: a named field, or any field for keys taken from the data. */
export function extractsField(e: Extraction, field: string): boolean {
  if (e.kind === 'regex') return e.static.has(field) || e.dynamic !== undefined;
  return e.fields.length > 0 ? e.fields.includes(field) : true;
}

/** The fields an extraction names (keys taken from the data are not known before the events are read). */
export function namedFields(e: Extraction): string[] {
  return e.kind === 'regex' ? [...e.static.keys()] : e.fields;
}

/** Splunk's CLEAN_KEYS: characters other than letters, digits and underscores become underscores; leading ones go. */
const cleanKey = (sql: string) => `regexp_replace(regexp_replace(${sql}, '[^A-Za-z0-9_]', '_', 'g'), '^[_0-9]+', '')`;

/** SQL for the value `e` finds for `field` in `text` (VARCHAR), null when none. */
export function extractionSql(e: Extraction, field: string, text: string): string {
  const nonEmpty = (sql: string) => `nullif(${sql}, '')`;
  if (e.kind === 'regex') {
    const re = sqlString(e.regex);
    const group = e.static.get(field);
    if (group !== undefined) return nonEmpty(`regexp_extract(${text}, ${re}, ${group})`);
    const d = e.dynamic!;
    const keys = `regexp_extract_all(${text}, ${re}, ${d.key})`;
    return nonEmpty(`(regexp_extract_all(${text}, ${re}, ${d.value}))[list_position(${d.clean ? `list_transform(${keys}, lambda dh_k: ${cleanKey('dh_k')})` : keys}, ${sqlString(field)})]`);
  }
  const pairs = `string_split_regex(${text}, ${sqlString(`[${charClass(e.pairs)}]`)})`;
  const unquote = (sql: string) => `regexp_replace(trim(${sql}), '^"(.*)"$', '\\1')`;
  if (e.kv === undefined) return nonEmpty(unquote(`${pairs}[${e.fields.indexOf(field) + 1}]`));
  const kv = `^([^${charClass(e.kv)}]*)[${charClass(e.kv)}]([\\s\\S]*)$`;
  const keys = `list_transform(${pairs}, lambda dh_p: ${unquote(`regexp_extract(dh_p, ${sqlString(kv)}, 1)`)})`;
  const values = `list_transform(${pairs}, lambda dh_p: regexp_extract(dh_p, ${sqlString(kv)}, 2))`;
  const wanted = e.fields.length > 0 ? e.fields.indexOf(field) + 1 : undefined;
  if (wanted !== undefined) return nonEmpty(unquote(`${values}[${wanted}]`));
  return nonEmpty(unquote(`${values}[list_position(${e.clean ? `list_transform(${keys}, lambda dh_k: ${cleanKey('dh_k')})` : keys}, ${sqlString(field)})]`));
}

const charClass = (chars: string) => chars.replace(/[\\\]^[-]/g, '\\$&');
