// Splunk time modifiers (`-70m@m`, `-24h`, `@d`, `-7d@w0`, `+1d@d+6h`, `now`, epoch numbers): parsed once into
// steps, then either evaluated in JS (for --earliest/--latest) or turned into SQL (for relative_time()).
// Calendar arithmetic is done in the configured time zone (decision D4: UTC by default; zone.ts).

import type { DateTime } from 'luxon';
import type { Span } from '../errors.ts';
import type { CompileContext } from './context.ts';
import { once } from './once.ts';
import { epochOfLocal, epochOfWallClock, localTimestamp, offsetSecondsSql, UTC, zonedTime } from './zone.ts';

export type TimeUnit = 'second' | 'minute' | 'hour' | 'day' | 'week' | 'month' | 'quarter' | 'year';

export type TimeStep =
  | { kind: 'offset'; amount: number; unit: TimeUnit }
  | { kind: 'snap'; unit: TimeUnit; weekday?: number };

const UNITS: Array<[RegExp, TimeUnit]> = [
  [/^(s|sec|secs|second|seconds)$/, 'second'],
  [/^(m|min|mins|minute|minutes)$/, 'minute'],
  [/^(h|hr|hrs|hour|hours)$/, 'hour'],
  [/^(d|day|days)$/, 'day'],
  [/^(w|week|weeks)$/, 'week'],
  [/^(mon|month|months)$/, 'month'],
  [/^(q|qtr|qtrs|quarter|quarters)$/, 'quarter'],
  [/^(y|yr|yrs|year|years)$/, 'year'],
];

function unitOf(text: string): TimeUnit | undefined {
  const lower = text.toLowerCase();
  return UNITS.find(([re]) => re.test(lower))?.[1];
}

export class TimeModifierError extends Error {}

/** Parses a relative modifier into steps. Absolute times (epoch, ISO-8601) are handled by `parseAbsolute`. */
export function parseTimeModifier(spec: string): TimeStep[] {
  const s = spec.trim();
  if (s === '' || s.toLowerCase() === 'now') return [];
  const steps: TimeStep[] = [];
  const re = /([+-])(\d*)([A-Za-z]+)|@([A-Za-z]+)(\d?)/gy;
  let m: RegExpExecArray | null;
  let pos = 0;
  while (pos < s.length && (m = re.exec(s))) {
    pos = re.lastIndex;
    if (m[1]) {
      const unit = unitOf(m[3]);
      if (!unit) throw new TimeModifierError(`unknown time unit '${m[3]}' in '${spec}'`);
      const n = m[2] === '' ? 1 : Number(m[2]);
      steps.push({ kind: 'offset', amount: m[1] === '-' ? -n : n, unit });
    } else {
      const unit = unitOf(m[4]);
      if (!unit) throw new TimeModifierError(`unknown snap unit '${m[4]}' in '${spec}'`);
      if (m[5] !== '' && unit !== 'week') throw new TimeModifierError(`only @w takes a weekday number, in '${spec}'`);
      steps.push({ kind: 'snap', unit, weekday: unit === 'week' ? (m[5] === '' ? 0 : Number(m[5])) : undefined });
    }
  }
  if (pos !== s.length || steps.length === 0) throw new TimeModifierError(`'${spec}' is not a Splunk time modifier (examples: -24h, -70m@m, @d, -7d@w0)`);
  return steps;
}

/**
 * Epoch seconds for an absolute time: a number; ISO-8601 (a date, or a date and time, with or without an offset);
 * or Splunk's own `%m/%d/%Y:%H:%M:%S` (`03/12/2024:13:00:00`, leading zeros optional). Times without an offset
 * are wall-clock times in the zone. Undefined if the text is not an absolute time.
 */
export function parseAbsolute(spec: string, zone = UTC): number | undefined {
  const s = spec.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s);
  const splunk = /^(\d{1,2})\/(\d{1,2})\/(\d{4}):(\d{1,2}):(\d{1,2}):(\d{1,2})$/.exec(s);
  if (splunk) {
    const [month, day, year, hour, minute, second] = splunk.slice(1).map(Number);
    return epochOfWallClock({ year, month, day, hour, minute, second }, zone);
  }
  const iso = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(s);
  if (iso) {
    if (iso[8]) {
      const ms = Date.parse(s.replace(' ', 'T'));
      return Number.isNaN(ms) ? undefined : ms / 1000;
    }
    const [year, month, day, hour, minute, second] = iso.slice(1, 7).map((v) => Number(v ?? 0));
    const whole = epochOfWallClock({ year, month, day, hour, minute, second }, zone);
    return whole === undefined ? undefined : whole + Number(iso[7] ?? 0);
  }
  return undefined;
}

/** Applies a modifier (relative or absolute) to `now`, calendar units in the zone. */
export function resolveTime(spec: string, now: number, zone = UTC): number {
  const abs = parseAbsolute(spec, zone);
  if (abs !== undefined) return abs;
  let d = zonedTime(now, zone);
  for (const step of parseTimeModifier(spec)) d = step.kind === 'offset' ? addTime(d, step.amount, step.unit) : snapTime(d, step.unit, step.weekday);
  return d.toMillis() / 1000;
}

const SECONDS_OF: Partial<Record<TimeUnit, number>> = { second: 1, minute: 60, hour: 3600 };

/** Seconds, minutes and hours are elapsed time; days and longer are calendar steps that keep the wall-clock time. */
function addTime(d: DateTime, n: number, unit: TimeUnit): DateTime {
  const seconds = SECONDS_OF[unit];
  if (seconds !== undefined) return d.plus({ seconds: n * seconds });
  return d.plus(unit === 'quarter' ? { months: 3 * n } : { [`${unit}s`]: n });
}

/** Snaps down to the start of the unit in the zone; `@w0`…`@w6` to the last Sunday…Saturday. */
function snapTime(d: DateTime, unit: TimeUnit, weekday = 0): DateTime {
  const seconds = SECONDS_OF[unit];
  if (seconds !== undefined) {
    // Wall-clock seconds since the epoch, so that a zone's half-hour offset snaps to its own hours.
    const t = d.toMillis() / 1000;
    return d.minus({ seconds: (((t + d.offset * 60) % seconds) + seconds) % seconds });
  }
  if (unit === 'week') {
    const day = d.startOf('day');
    return day.minus({ days: (day.weekday % 7 - weekday + 7) % 7 });
  }
  return d.startOf(unit);
}

/** An `earliest=`/`latest=` value of a search as epoch seconds; a bad modifier is an error at the value. */
export function resolveSearchTime(value: { text: string; span: Span }, ctx: CompileContext): number {
  try {
    return resolveTime(value.text, ctx.options.now, ctx.options.timezone);
  } catch (e) {
    if (e instanceof TimeModifierError) throw ctx.error('compile_error', e.message, value.span);
    throw e;
  }
}

/**
 * SQL for relative_time(t, "spec") with a literal spec, with resolveTime's rules: seconds, minutes and hours are
 * elapsed time; days and longer, and every snap, work on the wall clock of the configured zone.
 */
export function relativeTimeSql(epochSql: string, spec: string, span: Span, ctx: CompileContext): string {
  let steps: TimeStep[];
  try {
    steps = parseTimeModifier(spec);
  } catch (e) {
    throw ctx.error('compile_error', (e as Error).message, span);
  }
  const zone = ctx.options.timezone;
  let epoch = epochSql;
  for (const step of steps) {
    const seconds = SECONDS_OF[step.unit];
    // The time is used more than once: bound once (src/compile/once.ts), so `@w1@w1…` does not double the SQL.
    epoch = once(epoch, (t) => {
      const local = localTimestamp(t, zone);
      if (step.kind === 'offset') {
        if (seconds !== undefined) return `(${t} + ${step.amount * seconds})`;
        const [n, unit] = step.unit === 'quarter' ? [step.amount * 3, 'month'] : step.unit === 'week' ? [step.amount * 7, 'day'] : [step.amount, step.unit];
        // Parenthesised: DuckDB does not parse a negative literal in `INTERVAL -1 DAY`.
        return epochOfLocal(`(${local} + INTERVAL (${n}) ${unit.toUpperCase()})`, zone);
      }
      if (seconds !== undefined) return `(${t} - ((${t} + ${offsetSecondsSql(t, local, zone)}) % ${seconds} + ${seconds}) % ${seconds})`;
      if (step.unit === 'week') {
        return once(local, (x) => epochOfLocal(`(date_trunc('day', ${x}) - to_days(CAST((dayofweek(${x}) - ${step.weekday} + 7) % 7 AS INTEGER)))`, zone));
      }
      return epochOfLocal(`date_trunc('${step.unit}', ${local})`, zone);
    });
  }
  return epoch;
}
