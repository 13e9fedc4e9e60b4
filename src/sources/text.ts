// Plain text events (syslog such as linux_secure, key=value logs): `_raw` is the line, the time is found in it as
// the sourcetype's props.conf says (TIME_PREFIX, TIME_FORMAT, MAX_TIMESTAMP_LOOKAHEAD), and fields come from
// KV_MODE = auto (key=value pairs) and the props' EXTRACT-/REPORT- settings (knowledge/props.ts).

import { CompileContext, defaultCompileOptions } from '../compile/context.ts';
import { strptimeSql } from '../compile/timeformat.ts';
import { DuckhuntError } from '../errors.ts';
import { expandMacros, MacroLibrary } from '../macros/index.ts';
import { sqlString } from '../sql/quote.ts';
import type { TextTime } from './catalog.ts';
import { TIME_TEXT } from './scan.ts';

/** Stands for the search's now (epoch seconds) in a TextTime's parse SQL; see textTimeSql. */
const NOW = 'dh_search_now';

/** Splunk's default MAX_TIMESTAMP_LOOKAHEAD. */
export const DEFAULT_LOOKAHEAD = 128;

/** Each strptime code as a regex matching its text, so the time can be cut out of the event before parsing. */
const CODE_REGEX: Record<string, string> = {
  Y: '\\d{4}',
  y: '\\d{2}',
  m: '\\d{1,2}',
  d: '\\d{1,2}',
  e: '\\d{1,2}',
  H: '\\d{1,2}',
  k: '\\d{1,2}',
  I: '\\d{1,2}',
  l: '\\d{1,2}',
  M: '\\d{2}',
  S: '\\d{2}',
  j: '\\d{1,3}',
  p: '[AaPp][Mm]',
  b: '[A-Za-z]{3}',
  h: '[A-Za-z]{3}',
  B: '[A-Za-z]+',
  a: '[A-Za-z]{3}',
  A: '[A-Za-z]+',
  z: '(?:[+-]\\d{2}:?\\d{2}|Z)',
  ':z': '(?:[+-]\\d{2}:\\d{2}|Z)',
  Z: '[A-Za-z]+',
  T: '\\d{1,2}:\\d{2}:\\d{2}',
  F: '\\d{4}-\\d{1,2}-\\d{1,2}',
  D: '\\d{1,2}/\\d{1,2}/\\d{2}',
  f: '\\d+',
  N: '\\d+',
  Q: '\\d+',
  '%': '%',
};

/** Codes that say which year it is; a format without one is year-less (syslog's `%b %d %H:%M:%S`). */
const YEAR_CODES = /%[YyDFxcG+s]/;

/** A Splunk time format as a regex matching its text; whitespace matches any run of whitespace. */
function formatRegex(fmt: string): string | undefined {
  let out = '';
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i];
    if (/\s/.test(c)) {
      while (i + 1 < fmt.length && /\s/.test(fmt[i + 1])) i++;
      out += '\\s+';
    } else if (c !== '%') {
      out += c.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
    } else {
      const code = /^(\d*[NQ]|:z|.)/.exec(fmt.slice(i + 1))?.[0];
      const re = code === undefined ? undefined : CODE_REGEX[code.replace(/^\d+/, '')];
      if (re === undefined) return undefined;
      out += re;
      i += code!.length;
    }
  }
  return out;
}

/** What props.conf says about a text source's time. */
export interface TextTimeSettings {
  /** TIME_PREFIX (PCRE; RE2-compatible), or undefined: the time starts the event. */
  prefix?: string;
  /** TIME_FORMAT, or undefined: ISO-8601 or syslog's `Mon dd HH:MM:SS`, wherever they first appear. */
  format?: string;
  lookahead?: number;
  /** `file:line` of the settings, for errors. */
  origin: string;
}

/** The automatic formats (no TIME_FORMAT): ISO-8601 with an optional fraction and offset, and syslog's. */
const ISO = '\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}:\\d{2}(?:[.,]\\d+)?(?:Z|[+-]\\d{2}:?\\d{2})?';
const SYSLOG = '[A-Z][a-z]{2}\\s+\\d{1,2}\\s+\\d{1,2}:\\d{2}:\\d{2}';

/**
 * Compiles the time settings of a text source: SQL cutting the time's text out of `_raw`, and SQL parsing that
 * text (named TIME_TEXT) into epoch seconds. Times without an offset are UTC, as for JSON sources. A year-less
 * time (syslog) is in the search's year, or the year before when that would put it more than two days after
 * the search's now (decision X84, after props.conf's MAX_DAYS_HENCE default of 2).
 */
export function compileTextTime(s: TextTimeSettings): TextTime {
  const lookahead = s.lookahead ?? DEFAULT_LOOKAHEAD;
  const prefix = s.prefix ?? '';
  const after = prefix === '' ? '_raw' : `regexp_extract(_raw, ${sqlString(`(?s:${prefix})([\\s\\S]*)`)}, 1)`;
  const window = `left(${after}, ${lookahead})`;
  if (s.format === undefined) {
    const found = `regexp_extract(${window}, ${sqlString(`${ISO}|${SYSLOG}`)})`;
    const iso = `epoch(TRY_CAST(replace(${TIME_TEXT}, ',', '.') AS TIMESTAMPTZ))`;
    return { extract: `nullif(${found}, '')`, parse: `coalesce(${iso}, ${yearless(TIME_TEXT, '%b %d %H:%M:%S', s)})` };
  }
  const fmt = s.format.trim().replace(/\s+/g, ' ');
  const re = formatRegex(fmt);
  if (re === undefined) throw new DuckhuntError('knowledge_error', `${s.origin}: TIME_FORMAT = ${s.format}: a code duckhunt cannot read`);
  const extract = `nullif(regexp_extract(${window}, ${sqlString(`^${re}`)}), '')`;
  const normalized = `regexp_replace(${TIME_TEXT}, '\\s+', ' ', 'g')`;
  if (/^%s(\.%\d*N)?$/.test(fmt)) return { extract, parse: `TRY_CAST(${TIME_TEXT} AS DOUBLE)` };
  if (!YEAR_CODES.test(fmt)) return { extract, parse: yearless(normalized, fmt, s) };
  return { extract, parse: parser(normalized, fmt, s) };
}

function parser(text: string, fmt: string, s: TextTimeSettings): string {
  const ctx = new CompileContext(expandMacros(fmt, new MacroLibrary()), defaultCompileOptions(), undefined, s.origin);
  try {
    return strptimeSql(text, fmt, { start: 0, end: fmt.length }, ctx);
  } catch (e) {
    if (e instanceof DuckhuntError) throw new DuckhuntError('knowledge_error', `${s.origin}: TIME_FORMAT = ${s.format}: ${e.message}`);
    throw e;
  }
}

/** A year-less time in the search's year, or the year before when that is more than two days after now. */
function yearless(text: string, fmt: string, s: TextTimeSettings): string {
  const withYear = (offset: number) => parser(`CAST(year(to_timestamp(${NOW})) - ${offset} AS VARCHAR) || ' ' || ${text}`, `%Y ${fmt}`, s);
  return `CASE WHEN ${withYear(0)} > ${NOW} + 172800 THEN ${withYear(1)} ELSE ${withYear(0)} END`;
}

/** A text event's time: `text` over `_raw` (computed once per event), `time` of that text's column. */
export function textTimeSql(t: TextTime, now: number): { text: string; time: (column: string) => string } {
  return { text: t.extract, time: (column) => t.parse.replaceAll(TIME_TEXT, column).replaceAll(NOW, `${now}::DOUBLE`) };
}

/**
 * KV_MODE = auto on a text event: the value of the first `name=value` pair (the value quoted, or up to white
 * space, a comma or a semicolon), decision X85. Only names Splunk's key=value extraction can produce qualify.
 */
export function kvFieldSql(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return 'NULL::VARCHAR';
  const value = `regexp_extract(_raw, ${sqlString(`(?:^|[^A-Za-z0-9_.-])${name}=("[^"]*"|[^\\s,;"]*)`)}, 1)`;
  return `nullif(regexp_replace(${value}, '^"(.*)"$', '\\1'), '')`;
}

let automatic: TextTime | undefined;

/** A text source's time without props: ISO-8601 or syslog's, within the first 128 characters. */
export function defaultTextTime(): TextTime {
  automatic ??= compileTextTime({ origin: 'duckhunt' });
  return automatic;
}
