// What the eval function families share: the registry entry's shape, result constructors, and the argument
// rules (literal arguments, D1 single values, regexes checked against RE2).

import type * as A from '../../ast/ast.ts';
import { sqlString } from '../../sql/quote.ts';
import { convert, type ExprCompiler } from '../expr.ts';
import { onceAll } from '../once.ts';
import { checkRegex } from '../regex.ts';
import type { TypedSql } from '../types.ts';

export interface EvalFunction {
  arity: [number, number];
  compile(call: A.CallExpr, c: ExprCompiler): TypedSql;
}

export const num = (sql: string): TypedSql => ({ sql, type: 'num' });
export const str = (sql: string): TypedSql => ({ sql, type: 'str' });
export const bool = (sql: string): TypedSql => ({ sql, type: 'bool' });
export const mv = (sql: string): TypedSql => ({ sql, type: 'mv' });

/** A function of one or more numbers. */
export const numeric = (arity: [number, number], f: (...args: string[]) => string): EvalFunction => ({
  arity,
  // once(): f may use an argument more than once (sqrt, ln, log).
  compile: (call, c) => num(onceAll(call.args.map((a) => convert.num(c.value(a))), (refs) => f(...refs))),
});

/** A string function that Splunk applies to each value of a multivalue field. */
export const perValue = (f: (s: string) => string): EvalFunction => ({
  arity: [1, 1],
  compile: (call, c) => {
    const v = c.value(call.args[0]);
    if (v.type === 'mv') return mv(`list_transform(${v.sql}, lambda dh_v: ${f('dh_v')})`);
    return str(f(convert.str(v)));
  },
});

/**
 * The argument of a function Splunk documents as not supporting multivalue fields (len, substr, replace, trim…).
 * Decision D1: such an argument is used when it holds one value and is null when it holds several; because
 * Splunk's own result is undocumented, a multivalue argument is reported with a warning.
 */
export function singleArg(c: ExprCompiler, call: A.CallExpr, i: number): string {
  const v = c.value(call.args[i]);
  if (v.type === 'mv') {
    c.ctx.warn(`${call.name}() does not take a multivalue argument: it uses the value when there is one and gives null when there are several (decision D1)`, call.args[i].span);
  }
  return convert.str(v);
}

/** A literal string argument (regexes, formats, time modifiers must be known when compiling). */
export function literal(c: ExprCompiler, call: A.CallExpr, i: number, what: string): string {
  const a = call.args[i];
  if (a?.kind === 'string') return a.value;
  throw c.ctx.error('unsupported', `${call.name}() needs its ${what} as a quoted string literal here`, (a ?? call).span);
}

/**
 * The regex argument: a literal is checked against RE2 now (a bad pattern or a PCRE-only feature is a positioned
 * error); one from a value is recorded, so that RE2's failure at run time names this call.
 */
export function regexArg(c: ExprCompiler, call: A.CallExpr, i: number): string {
  const a = call.args[i];
  c.ctx.regexSite(`${call.name}()`, a.span, a.kind === 'string');
  if (a.kind === 'string') return sqlString(checkRegex(a.value, a.span, c.ctx));
  return convert.str(c.value(a));
}

