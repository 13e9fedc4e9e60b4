// Splunk time formats (strftime, strptime, convert ctime/mktime) → DuckDB SQL, by Splunk's table of "Date and
// time format variables" read as the C library's codes, in the configured time zone (zone.ts). DuckDB's own
// strftime differs from C on several codes (%c, %x, %z, %g are other things; %e, %k, %l, %C, %D, %F, %R, %s are
// missing), so each code is translated here: DuckDB's code where it prints the same, else SQL of our own. An
// unknown code is a compile error rather than a silently different string.

import type { Span } from '../errors.ts';
import { sqlString } from '../sql/quote.ts';
import type { CompileContext } from './context.ts';
import { once } from './once.ts';
import { epochOfLocal, localTimestamp, offsetSecondsSql, UTC, zoneAbbreviations } from './zone.ts';

/** What a format's SQL pieces may refer to: the epoch seconds, the wall-clock TIMESTAMP, the UTC offset. */
interface Operands {
  epoch: string;
  local: string;
  offset: string;
  zone: string;
}

/** A run of DuckDB strftime codes, or SQL text of our own. */
type Piece = { duck: string } | { sql: (o: Operands) => string };

const pad = (sql: string, width: number, fill: string) => `lpad(CAST(${sql} AS VARCHAR), ${width}, '${fill}')`;

/** `+hhmm`, with `sep` between hours and minutes (and seconds when `seconds`), or hours alone. */
function offsetText(o: Operands, sep: string, parts: 'hm' | 'hms' | 'h'): string {
  if (o.zone === UTC) return sqlString(parts === 'h' ? '+00' : parts === 'hm' ? `+00${sep}00` : `+00${sep}00${sep}00`);
  return once(o.offset, (x) => {
    const sign = `CASE WHEN ${x} < 0 THEN '-' ELSE '+' END`;
    const h = pad(`abs(${x}) // 3600`, 2, '0');
    const m = pad(`abs(${x}) % 3600 // 60`, 2, '0');
    const s = pad(`abs(${x}) % 60`, 2, '0');
    return `(${[sign, h, ...(parts === 'h' ? [] : [`'${sep}'`, m]), ...(parts === 'hms' ? [`'${sep}'`, s] : [])].join(' || ')})`;
  });
}

function abbreviation(o: Operands): string {
  if (o.zone === UTC) return `'UTC'`;
  const names = [...zoneAbbreviations(o.zone)];
  return `CASE ${o.offset} ${names.map(([off, name]) => `WHEN ${off} THEN ${sqlString(name)}`).join(' ')} ELSE ${offsetText(o, '', 'hm')} END`;
}

const dayOfMonthSpaced: Piece = { sql: (o) => pad(`day(${o.local})`, 2, ' ') };

/** strftime: each Splunk code as pieces. */
const FORMAT: Record<string, Piece[]> = {
  // Same in DuckDB and C.
  ...Object.fromEntries([...'aAbBdHIjmMpSUVwWyYGuf%'].map((c) => [c, [{ duck: `%${c}` }]])),
  h: [{ duck: '%b' }],
  T: [{ duck: '%H:%M:%S' }],
  X: [{ duck: '%H:%M:%S' }],
  R: [{ duck: '%H:%M' }],
  r: [{ duck: '%I:%M:%S %p' }],
  F: [{ duck: '%Y-%m-%d' }],
  D: [{ duck: '%m/%d/%y' }],
  // Decision X17: the locale codes as the US English locale prints them (Splunk's examples).
  x: [{ duck: '%m/%d/%Y' }],
  c: [{ duck: '%a %b ' }, dayOfMonthSpaced, { duck: ' %H:%M:%S %Y' }],
  '+': [{ duck: '%a %b ' }, dayOfMonthSpaced, { duck: ' %H:%M:%S ' }, { sql: abbreviation }, { duck: ' %Y' }],
  n: [{ duck: '\n' }],
  t: [{ duck: '\t' }],
  e: [dayOfMonthSpaced],
  k: [{ sql: (o) => pad(`hour(${o.local})`, 2, ' ') }],
  l: [{ sql: (o) => pad(`(hour(${o.local}) + 11) % 12 + 1`, 2, ' ') }],
  C: [{ sql: (o) => pad(`year(${o.local}) // 100`, 2, '0') }],
  g: [{ sql: (o) => pad(`isoyear(${o.local}) % 100`, 2, '0') }],
  s: [{ sql: (o) => `CAST(CAST(floor(${o.epoch}) AS BIGINT) AS VARCHAR)` }],
  z: [{ sql: (o) => offsetText(o, '', 'hm') }],
  Z: [{ sql: abbreviation }],
};

/** The codes `%:z` `%::z` `%:::z` (hours and minutes with a colon, with seconds, hours only). */
const COLON_OFFSETS: Record<string, Piece[]> = {
  ':z': [{ sql: (o) => offsetText(o, ':', 'hm') }],
  '::z': [{ sql: (o) => offsetText(o, ':', 'hms') }],
  ':::z': [{ sql: (o) => offsetText(o, ':', 'h') }],
};

/** Subsecond digits: %3N/%3Q milliseconds, %6N microseconds, %9N nanoseconds; %N alone is %9N, %Q alone %3Q (X7). */
function subseconds(digits: number, parse: boolean): string | undefined {
  // Times are held to the microsecond, so printed nanoseconds are the microseconds and three zeros.
  return ({ 3: '%g', 6: '%f', 9: parse ? '%n' : '%f000' } as Record<number, string>)[digits];
}

/** Splits a Splunk format into codes; `onCode` gives each code's pieces, literal text is kept as it is. */
function pieces(fmt: string, span: Span, ctx: CompileContext, onCode: (code: string) => Piece[] | undefined, parse: boolean): Piece[] {
  const out: Piece[] = [];
  for (let i = 0; i < fmt.length; i++) {
    if (fmt[i] !== '%') {
      out.push({ duck: fmt[i] });
      continue;
    }
    const rest = fmt.slice(i + 1);
    const sub = /^(\d*)([NQ])/.exec(rest);
    if (sub) {
      const digits = sub[1] === '' ? (sub[2] === 'Q' ? 3 : 9) : Number(sub[1]);
      const code = subseconds(digits, parse);
      if (!code) throw ctx.error('unsupported', `time format code %${sub[0]} is not supported (use 3, 6 or 9 subsecond digits)`, span);
      out.push({ duck: code });
      i += sub[0].length;
      continue;
    }
    const code = /^(:{1,3}z|Ez|.)/s.exec(rest)?.[0];
    if (code === undefined) throw ctx.error('compile_error', 'time format ends with a lone %', span);
    const found = onCode(code);
    if (!found) throw ctx.error('unsupported', `time format code %${code} is not supported${parse ? ' by strptime' : ''}`, span);
    out.push(...found);
    i += code.length;
  }
  return out;
}

/** Adjacent DuckDB code runs as one strftime call; SQL pieces between them. */
function joinPieces(list: Piece[], o: Operands): string {
  const parts: string[] = [];
  let run = '';
  const flush = () => {
    if (run) parts.push(`strftime(${o.local}, ${sqlString(run)})`);
    run = '';
  };
  for (const p of list) {
    if ('duck' in p) run += p.duck;
    else {
      flush();
      parts.push(p.sql(o));
    }
  }
  flush();
  const text = parts.length === 0 ? "''" : parts.length === 1 ? parts[0] : `(${parts.join(' || ')})`;
  // A piece of our own may not depend on the time (%z in UTC is '+0000'): no time, no text.
  return list.every((p) => 'duck' in p) && parts.length > 0 ? text : `CASE WHEN ${o.epoch} IS NOT NULL THEN ${text} END`;
}

/** SQL formatting epoch seconds (a DOUBLE expression) with a Splunk strftime format, in the configured zone. */
export function strftimeSql(epochSql: string, fmt: string, span: Span, ctx: CompileContext): string {
  const zone = ctx.options.timezone;
  const list = pieces(fmt, span, ctx, (code) => FORMAT[code] ?? COLON_OFFSETS[code], false);
  // The value and its wall-clock time are used once per piece of the format: bound once (src/compile/once.ts).
  return once(epochSql, (epoch) =>
    once(localTimestamp(epoch, zone), (local) => joinPieces(list, { epoch, local, offset: offsetSecondsSql(epoch, local, zone), zone })),
  );
}

/** strptime: each Splunk code as DuckDB's parsing code (DuckDB's %d, %H and %I also read unpadded numbers). */
const PARSE: Record<string, string> = {
  ...Object.fromEntries([...'aAbBdHIjmMpSUwWyYf%'].map((c) => [c, `%${c}`])),
  h: '%b',
  e: '%d',
  k: '%H',
  l: '%I',
  T: '%H:%M:%S',
  X: '%H:%M:%S',
  R: '%H:%M',
  r: '%I:%M:%S %p',
  F: '%Y-%m-%d',
  D: '%m/%d/%y',
  x: '%m/%d/%Y',
  c: '%a %b %d %H:%M:%S %Y',
  n: '\n',
  t: '\t',
  z: '%z',
  ':z': '%z',
  Z: '%Z',
};

/**
 * SQL parsing a string with a Splunk strptime format into epoch seconds (null when it does not parse). A time
 * without an offset (%z) or zone name (%Z) in the format is a wall-clock time of the configured zone.
 */
export function strptimeSql(textSql: string, fmt: string, span: Span, ctx: CompileContext): string {
  if (/(^|[^%])(%%)*%s/.test(fmt)) throw ctx.error('unsupported', 'parsing epoch seconds with %s is not supported', span, 'use tonumber() on the text instead');
  const list = pieces(fmt, span, ctx, (code) => (PARSE[code] !== undefined ? [{ duck: PARSE[code] }] : undefined), true);
  const duck = list.map((p) => ('duck' in p ? p.duck : '')).join('');
  const parsed = `try_strptime(${textSql}, ${sqlString(duck)})`;
  return /%[zZ]/.test(duck) ? `epoch(${parsed})` : epochOfLocal(parsed, ctx.options.timezone);
}
