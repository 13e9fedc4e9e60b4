// Informational eval functions: typeof, isint, isbool, isarray. Splunk field values are strings or numbers; a
// string that reads as a number is a number (decision X114), so typeof of an event field "63" is "Number".

import type * as A from '../../ast/ast.ts';
import { convert, type ExprCompiler } from '../expr.ts';
import { once } from '../once.ts';
import type { TypedSql } from '../types.ts';
import { bool, singleArg, str, type EvalFunction } from './shared.ts';

/** typeof(x): "Number", "String", "Boolean", "Multivalue" (several values), or "Invalid" (no value). */
function typeofFn(call: A.CallExpr, c: ExprCompiler): TypedSql {
  const arg = call.args[0];
  const v = c.any(arg);
  switch (v.type) {
    case 'bool':
      return str(`'Boolean'`);
    case 'num':
      return str(`CASE WHEN ${v.sql} IS NULL THEN 'Invalid' ELSE 'Number' END`);
    case 'mv':
      return str(once(v.sql, (l) => `CASE WHEN ${l} IS NULL THEN 'Invalid' WHEN len(${l}) > 1 THEN 'Multivalue' WHEN dh_num(${l}[1]) IS NOT NULL THEN 'Number' ELSE 'String' END`));
    case 'str':
      // A string literal is a string even when it reads as a number ("12" is a String).
      if (arg.kind === 'string') return str(`'String'`);
      return str(once(v.sql, (s) => `CASE WHEN ${s} IS NULL THEN 'Invalid' WHEN dh_num(${s}) IS NOT NULL THEN 'Number' ELSE 'String' END`));
  }
}

/** isint(x): a number with no fractional part (a string that reads as one too). */
function isintFn(call: A.CallExpr, c: ExprCompiler): TypedSql {
  const v = c.value(call.args[0]);
  const n = v.type === 'num' ? v.sql : `dh_num(${v.type === 'mv' ? singleArg(c, call, 0) : convert.str(v)})`;
  return bool(once(n, (x) => `coalesce(isfinite(${x}) AND ${x} = trunc(${x}), false)`));
}

export const INFO_FUNCTIONS: Array<[string, EvalFunction]> = [
  ['typeof', { arity: [1, 1], compile: typeofFn }],
  ['isint', { arity: [1, 1], compile: isintFn }],
  // Field values are never booleans: only comparisons and functions like cidrmatch() are.
  ['isbool', { arity: [1, 1], compile: (call, c) => bool(c.any(call.args[0]).type === 'bool' ? 'true' : 'false') }],
  ['isarray', { arity: [1, 1], compile: (call, c) => bool(once(convert.str(c.value(call.args[0])), (s) => `coalesce(json_valid(${s}) AND json_type(${s}) = 'ARRAY', false)`)) }],
];
