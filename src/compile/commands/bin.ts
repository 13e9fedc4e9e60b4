// `bin`/`bucket field span=…`: time spans below a day align to the Unix epoch; day spans to midnight in the
// configured time zone (UTC by default, decision D4; zone.ts); months to the first of the month there. Weeks are not one of
// bin's units (decision D10). On other numeric fields the value becomes a range label such as "10-20".

import type * as A from '../../ast/ast.ts';
import { sqlIdent, sqlNumber } from '../../sql/quote.ts';
import { convert } from '../expr.ts';
import type { CommandHandler } from '../pipeline.ts';
import { once } from '../once.ts';
import { fieldOf } from '../schema.ts';
import { rejectWildcard } from '../wildcard.ts';
import { epochOfLocal, localTimestamp } from '../zone.ts';

type Span = { seconds: number } | { months: number };

const SECONDS: Array<[RegExp, number]> = [
  [/^(us)$/, 1e-6],
  [/^(ms)$/, 1e-3],
  [/^(cs)$/, 1e-2],
  [/^(ds)$/, 1e-1],
  [/^(s|sec|secs|second|seconds)$/, 1],
  [/^(m|min|mins|minute|minutes)$/, 60],
  [/^(h|hr|hrs|hour|hours)$/, 3600],
  [/^(d|day|days)$/, 86400],
];
const MONTHS: Array<[RegExp, number]> = [
  [/^(mon|month|months)$/, 1],
  [/^(q|qtr|qtrs|quarter|quarters)$/, 3],
  [/^(y|yr|yrs|year|years)$/, 12],
];

export function parseBinSpan(text: string): Span | { error: string; hint?: string } {
  const m = /^(\d+(?:\.\d+)?)([A-Za-z]*)$/.exec(text.trim());
  if (!m) return { error: `'${text}' is not a span (examples: 5m, 1h, 1d)` };
  const n = Number(m[1]);
  const unit = m[2].toLowerCase();
  if (n <= 0) return { error: 'the span must be greater than zero' };
  if (unit === '') return { seconds: n };
  if (/^(w|week|weeks)$/.test(unit)) return { error: `bin does not take weeks ('${text}')`, hint: `use span=${n * 7}d` };
  const s = SECONDS.find(([re]) => re.test(unit));
  if (s) {
    const seconds = n * s[1];
    if (seconds < 1 && !Number.isInteger(1 / seconds)) return { error: `a sub-second span must divide a second evenly ('${text}')` };
    return { seconds };
  }
  const mo = MONTHS.find(([re]) => re.test(unit));
  if (mo) {
    if (!Number.isInteger(n)) return { error: `a span of months must be a whole number ('${text}')` };
    return { months: n * mo[1] };
  }
  return { error: `unknown span unit '${m[2]}' in '${text}'`, hint: 'units: s, m, h, d, mon, q, y (and us, ms, cs, ds)' };
}

export const bin: CommandHandler<A.BinCommand> = {
  compile(cmd, input, b) {
    rejectWildcard(cmd.field.name, 'bin', b.ctx, cmd.field.span);
    const schema = input!.schema;
    let spanText: string | undefined;
    let spanAt: A.CommandOption | undefined;
    for (const o of cmd.options) {
      const name = o.name.toLowerCase();
      if (name === 'span') {
        spanText = o.value;
        spanAt = o;
      } else {
        throw b.ctx.unsupported(`bin option '${o.name}'`, o.span, 'give an explicit span=, e.g. span=1h');
      }
    }
    if (!spanText || !spanAt) throw b.ctx.unsupported('bin without span=', cmd.nameSpan, 'give an explicit span=, e.g. bin _time span=1h');
    const span = parseBinSpan(spanText);
    if ('error' in span) throw b.ctx.error('compile_error', span.error, spanAt.valueSpan, span.hint);
    const field = schema.get(cmd.field.name);
    const target = cmd.as?.name ?? cmd.field.name;
    const existing = schema.get(target);
    const column = existing?.column ?? b.ctx.columns.columnFor(target);
    let sql: string;
    let type: 'num' | 'str';
    if (!field) {
      sql = 'NULL::DOUBLE';
      type = 'num';
    } else if (cmd.field.name === '_time') {
      const t = convert.num({ sql: sqlIdent(field.column), type: field.type });
      type = 'num';
      const zone = b.ctx.options.timezone;
      if ('months' in span) {
        // The first of a month in the zone, months counted from year 0 so that spans of 3, 6, 12 align to quarters and years.
        sql = once(localTimestamp(t, zone), (local) =>
          epochOfLocal(`(date_trunc('month', ${local}) - to_months(CAST((month(${local}) - 1 + 12 * year(${local})) % ${span.months} AS INTEGER)))`, zone),
        );
      } else if (span.seconds >= 86400) {
        // Midnight in the zone; spans of several days count days from 1970-01-01 on its calendar.
        const days = span.seconds / 86400;
        sql = once(`date_trunc('day', ${localTimestamp(t, zone)})`, (day) =>
          epochOfLocal(days === 1 ? day : `(${day} - to_days(CAST(floor(epoch(${day}) / 86400) % ${days} AS INTEGER)))`, zone),
        );
      } else {
        sql = `(floor(${t} / ${sqlNumber(span.seconds)}) * ${sqlNumber(span.seconds)})`;
      }
    } else {
      if ('months' in span) throw b.ctx.error('compile_error', `a span of months only applies to _time, not '${cmd.field.name}'`, spanAt.valueSpan);
      const x = convert.num({ sql: sqlIdent(field.column), type: field.type });
      const lo = `(floor(${x} / ${sqlNumber(span.seconds)}) * ${sqlNumber(span.seconds)})`;
      sql = `CASE WHEN ${x} IS NOT NULL THEN dh_str(${lo}) || '-' || dh_str(${lo} + ${sqlNumber(span.seconds)}) END`;
      type = 'str';
    }
    const select = existing ? `SELECT * REPLACE (${sql} AS ${sqlIdent(column)})` : `SELECT *, ${sql} AS ${sqlIdent(column)}`;
    return b.add(cmd, `${select}\nFROM ${sqlIdent(input!.name)}`, schema.with(fieldOf(target, column, type)));
  },
};
