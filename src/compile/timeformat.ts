// Splunk strftime/strptime formats → DuckDB's. Most conversions are the same C ones; Splunk adds subsecond
// `%N`-style codes. An unknown code is a compile error rather than a silently different string.

import type { Span } from '../errors.ts';
import { sqlString } from '../sql/quote.ts';
import type { CompileContext } from './context.ts';
import { once } from './once.ts';

const SAME = new Set('aAbBcdHIjmMpSUwWyYzZ%'.split(''));
const MAPPED: Record<string, string> = {
  e: '-d', // day of month without padding (Splunk pads with a space; DuckDB has no such code)
  T: 'H:%M:%S',
  F: 'Y-%m-%d',
  D: 'm/%d/%y',
  R: 'H:%M',
  k: '-H',
  l: '-I',
  h: 'b',
  n: 'n',
  t: 't',
  x: 'x',
  X: 'X',
  f: 'f',
};

export function strftimeFormat(fmt: string, span: Span, ctx: CompileContext): string {
  let out = '';
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i];
    if (c !== '%') {
      out += c;
      continue;
    }
    const rest = fmt.slice(i + 1);
    const sub = /^(\d*)([NQ])/.exec(rest);
    if (sub) {
      // Subseconds: %3N/%3Q milliseconds, %6N microseconds, %9N nanoseconds; %N alone is %9N, %Q alone %3Q.
      const digits = sub[1] === '' ? (sub[2] === 'Q' ? 3 : 9) : Number(sub[1]);
      // Times are held to the microsecond, so nanoseconds are the microseconds and three zeros (DuckDB's own %n
      // miscounts its width when the session time zone is set, leaving NUL characters in the result).
      const code = { 3: '%g', 6: '%f', 9: '%f000' }[digits];
      if (!code) throw ctx.error('unsupported', `time format code %${sub[0]} is not supported (use 3, 6 or 9 subsecond digits)`, span);
      out += code;
      i += sub[0].length;
      continue;
    }
    const code = rest[0];
    if (code === undefined) throw ctx.error('compile_error', 'time format ends with a lone %', span);
    if (SAME.has(code)) out += '%' + code;
    else if (code === 's') throw ctx.error('unsupported', 'time format code %s is not supported here', span);
    else if (MAPPED[code]) out += '%' + MAPPED[code];
    else throw ctx.error('unsupported', `time format code %${code} is not supported`, span);
    i += 1;
  }
  return out;
}

/**
 * SQL formatting epoch seconds (a DOUBLE expression) with a Splunk strftime format, in the session time zone.
 * `%s` (epoch seconds) has no DuckDB strftime code, so the format is cut at each `%s` and the pieces joined.
 */
export function strftimeSql(epochSql: string, fmt: string, span: Span, ctx: CompileContext): string {
  // The value is used once per piece of the format: bound once (src/compile/once.ts).
  return once(epochSql, (epoch) => strftimePieces(epoch, fmt, span, ctx));
}

function strftimePieces(epochSql: string, fmt: string, span: Span, ctx: CompileContext): string {
  const ts = `make_timestamptz(CAST(${epochSql} * 1000000 AS BIGINT))`;
  const pieces: string[] = [];
  let start = 0;
  for (let i = 0; i < fmt.length; i++) {
    if (fmt[i] !== '%') continue;
    if (fmt[i + 1] === 's') {
      if (i > start) pieces.push(`strftime(${ts}, ${sqlString(strftimeFormat(fmt.slice(start, i), span, ctx))})`);
      pieces.push(`CAST(CAST(floor(${epochSql}) AS BIGINT) AS VARCHAR)`);
      start = i + 2;
    }
    i++; // skip the code letter (and the second % of %%)
  }
  if (start < fmt.length || pieces.length === 0) pieces.push(`strftime(${ts}, ${sqlString(strftimeFormat(fmt.slice(start), span, ctx))})`);
  return pieces.length === 1 ? pieces[0] : `(${pieces.join(' || ')})`;
}

/** A Splunk strptime format as DuckDB's; `%s` cannot be parsed by DuckDB's strptime. */
export function strptimeFormat(fmt: string, span: Span, ctx: CompileContext): string {
  if (/(^|[^%])(%%)*%s/.test(fmt)) throw ctx.error('unsupported', 'parsing epoch seconds with %s is not supported', span, 'use tonumber() on the text instead');
  return strftimeFormat(fmt, span, ctx);
}
