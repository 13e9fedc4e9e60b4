// Splunk strftime/strptime formats → DuckDB's. Most conversions are the same C ones; Splunk adds subsecond
// `%N`-style codes. An unknown code is a compile error rather than a silently different string.

import type { Span } from '../errors.ts';
import type { CompileContext } from './context.ts';

const SAME = new Set('aAbBcdHIjmMpSUwWyYzZ%'.split(''));
const MAPPED: Record<string, string> = {
  e: '-d', // day of month without padding (Splunk pads with a space; DuckDB has no such code)
  T: 'H:%M:%S',
  F: 'Y-%m-%d',
  D: 'm/%d/%y',
  R: 'H:%M',
  k: '-H',
  l: '-I',
  s: 's', // handled below
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
      // %N / %3N milliseconds, %6N microseconds (Splunk), %Q milliseconds.
      const digits = sub[1] === '' ? (sub[2] === 'Q' ? 3 : 9) : Number(sub[1]);
      out += digits <= 3 ? '%g' : '%f';
      i += sub[0].length;
      continue;
    }
    const code = rest[0];
    if (code === undefined) throw ctx.error('compile_error', 'time format ends with a lone %', span);
    if (SAME.has(code)) out += '%' + code;
    else if (code === 's') out += '%s';
    else if (MAPPED[code]) out += '%' + MAPPED[code];
    else throw ctx.error('unsupported', `time format code %${code} is not supported`, span);
    i += 1;
  }
  return out;
}
