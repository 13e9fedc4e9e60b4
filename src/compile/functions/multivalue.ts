// Multivalue eval functions that iterate or generate: mvmap and mvrange.

import type * as A from '../../ast/ast.ts';
import { convert, type ExprCompiler } from '../expr.ts';
import { onceAll } from '../once.ts';
import type { TypedSql } from '../types.ts';
import { mv, str, type EvalFunction } from './shared.ts';

/**
 * mvmap(field, expression): the expression for each value of the field (the field's name standing for the
 * value), as a multivalue; values for which it is null are left out, a multivalue result adds each of its values.
 */
function mvmapFn(call: A.CallExpr, c: ExprCompiler): TypedSql {
  const field = call.args[0];
  if (field.kind !== 'field') throw c.ctx.error('compile_error', 'mvmap() iterates over a field: its first argument must be a field name', field.span, 'e.g. mvmap(ports, ports + 1)');
  const list = convert.list(c.value(field));
  // A name of its own per call, so an mvmap inside another sees both values.
  const v = c.ctx.name('dh_mvmap');
  const inner = c.withResolver((name, span) => (name === field.name ? str(v) : c.value({ kind: 'field', name, quoted: true, span })));
  const each = inner.value(call.args[1]);
  const values = each.type === 'mv' ? `flatten(list_transform(${list}, lambda ${v}: coalesce(${each.sql}, [])))` : `list_transform(${list}, lambda ${v}: ${convert.str(each)})`;
  return mv(`dh_mv(list_filter(${values}, lambda dh_x: dh_x IS NOT NULL))`);
}

/** Seconds in a time step such as "7d" (mvrange over epoch times); calendar units are not fixed lengths. */
const STEP_UNITS: Record<string, number> = { s: 1, sec: 1, secs: 1, second: 1, seconds: 1, m: 60, min: 60, mins: 60, minute: 60, minutes: 60, h: 3600, hr: 3600, hrs: 3600, hour: 3600, hours: 3600, d: 86400, day: 86400, days: 86400, w: 604800, week: 604800, weeks: 604800 };

/**
 * mvrange(start, end[, step]): start, start+step, … up to but not including end (step 1 by default, negative
 * steps count down); the step may be a time span such as "7d" for epoch times. No values is null.
 */
function mvrangeFn(call: A.CallExpr, c: ExprCompiler): TypedSql {
  let step = '1';
  const s = call.args[2];
  if (s?.kind === 'string' && /[a-z]/i.test(s.value)) {
    const m = /^\s*(\d+)\s*([a-z]+)\s*$/i.exec(s.value);
    const unit = m && STEP_UNITS[m[2].toLowerCase()];
    if (!m || !unit) throw c.ctx.error('compile_error', `mvrange() step must be a number or a time span in s, m, h, d or w, not "${s.value}"`, s.span);
    step = String(Number(m[1]) * unit);
  } else if (s) step = convert.num(c.value(s));
  const [start, end] = call.args.slice(0, 2).map((a) => convert.num(c.value(a)));
  return mv(
    onceAll([start, end, step], ([a, b, d]) =>
      `CASE WHEN (${d} > 0 AND ${b} > ${a}) OR (${d} < 0 AND ${b} < ${a}) THEN list_transform(range(0, CAST(ceil((${b} - ${a}) / ${d}) AS BIGINT)), lambda dh_i: dh_str(${a} + dh_i * ${d})) END`,
    ),
  );
}

export const MULTIVALUE_FUNCTIONS: Array<[string, EvalFunction]> = [
  ['mvmap', { arity: [2, 2], compile: mvmapFn }],
  ['mvrange', { arity: [2, 3], compile: mvrangeFn }],
];
