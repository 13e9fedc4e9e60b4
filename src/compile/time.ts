// Splunk time modifiers (`-70m@m`, `-24h`, `@d`, `-7d@w0`, `+1d@d+6h`, `now`, epoch numbers): parsed once into
// steps, then either evaluated in JS (for --earliest/--latest) or turned into SQL (for relative_time()).
// Calendar arithmetic is done in the configured time zone (decision D4: UTC by default).

import type { Span } from '../errors.ts';
import type { CompileContext } from './context.ts';
import { once } from './once.ts';

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

/** Epoch seconds for an absolute time: a number, or ISO-8601 (no offset means UTC). Undefined if not absolute. */
export function parseAbsolute(spec: string): number | undefined {
  const s = spec.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s);
  if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(s)) {
    const withZone = /(Z|[+-]\d{2}:?\d{2})$/.test(s) ? s : s.length === 10 ? `${s}T00:00:00Z` : `${s.replace(' ', 'T')}Z`;
    const ms = Date.parse(withZone);
    if (!Number.isNaN(ms)) return ms / 1000;
  }
  return undefined;
}

/** Applies a modifier (relative or absolute) to `now`, in UTC. */
export function resolveTime(spec: string, now: number): number {
  const abs = parseAbsolute(spec);
  if (abs !== undefined) return abs;
  let d = new Date(now * 1000);
  for (const step of parseTimeModifier(spec)) d = step.kind === 'offset' ? addUtc(d, step.amount, step.unit) : snapUtc(d, step.unit, step.weekday);
  return d.getTime() / 1000;
}

function addUtc(d: Date, n: number, unit: TimeUnit): Date {
  const r = new Date(d);
  switch (unit) {
    case 'second':
      return new Date(d.getTime() + n * 1000);
    case 'minute':
      return new Date(d.getTime() + n * 60_000);
    case 'hour':
      return new Date(d.getTime() + n * 3_600_000);
    case 'day':
      r.setUTCDate(r.getUTCDate() + n);
      return r;
    case 'week':
      r.setUTCDate(r.getUTCDate() + 7 * n);
      return r;
    case 'month':
      r.setUTCMonth(r.getUTCMonth() + n);
      return r;
    case 'quarter':
      r.setUTCMonth(r.getUTCMonth() + 3 * n);
      return r;
    case 'year':
      r.setUTCFullYear(r.getUTCFullYear() + n);
      return r;
  }
}

function snapUtc(d: Date, unit: TimeUnit, weekday = 0): Date {
  const t = d.getTime();
  switch (unit) {
    case 'second':
      return new Date(Math.floor(t / 1000) * 1000);
    case 'minute':
      return new Date(Math.floor(t / 60_000) * 60_000);
    case 'hour':
      return new Date(Math.floor(t / 3_600_000) * 3_600_000);
    case 'day':
      return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
    case 'week': {
      const day = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
      const back = (day.getUTCDay() - weekday + 7) % 7;
      day.setUTCDate(day.getUTCDate() - back);
      return day;
    }
    case 'month':
      return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
    case 'quarter':
      return new Date(Date.UTC(d.getUTCFullYear(), Math.floor(d.getUTCMonth() / 3) * 3, 1));
    case 'year':
      return new Date(Date.UTC(d.getUTCFullYear(), 0, 1));
  }
}

/** An `earliest=`/`latest=` value of a search as epoch seconds; a bad modifier is an error at the value. */
export function resolveSearchTime(value: { text: string; span: Span }, ctx: CompileContext): number {
  try {
    return resolveTime(value.text, ctx.options.now);
  } catch (e) {
    if (e instanceof TimeModifierError) throw ctx.error('compile_error', e.message, value.span);
    throw e;
  }
}

/** SQL for relative_time(t, "spec") with a literal spec; the session time zone gives calendar semantics. */
export function relativeTimeSql(epochSql: string, spec: string, span: Span, ctx: CompileContext): string {
  let steps: TimeStep[];
  try {
    steps = parseTimeModifier(spec);
  } catch (e) {
    throw ctx.error('compile_error', (e as Error).message, span);
  }
  let ts = `make_timestamptz(CAST(${epochSql} * 1000000 AS BIGINT))`;
  for (const step of steps) {
    const t = ts;
    if (step.kind === 'offset') {
      const [n, unit] = step.unit === 'quarter' ? [step.amount * 3, 'month'] : step.unit === 'week' ? [step.amount * 7, 'day'] : [step.amount, step.unit];
      // Parenthesised: DuckDB does not parse a negative literal in `INTERVAL -1 DAY`.
      ts = `(${t} + INTERVAL (${n}) ${unit.toUpperCase()})`;
    } else if (step.unit === 'week') {
      // The timestamp is used twice: bound once (src/compile/once.ts), so `@w1@w1…` does not double the SQL.
      ts = once(t, (x) => `(date_trunc('day', ${x}) - to_days(CAST((dayofweek(${x}) - ${step.weekday} + 7) % 7 AS INTEGER)))`);
    } else {
      ts = `date_trunc('${step.unit}', ${t})`;
    }
  }
  return `epoch(${ts})`;
}
