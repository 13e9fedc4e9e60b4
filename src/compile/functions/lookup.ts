// lookup(table, json_object(field, value, …), json_array(output, …)): a lookup from within an expression. The
// row of the table matching every input (by the table's match types and case sensitivity, as the lookup command
// matches) gives its outputs as a JSON object — each output a string, or a JSON array when several rows match
// (at most max_matches, in file order); nothing matched, or an input without a value, is null. Without the
// array every other field of the table is an output. Table, fields and outputs must be literals.

import type * as A from '../../ast/ast.ts';
import { defaultOutputs, lookupTableSql, matchCondition } from '../../knowledge/lookups.ts';
import { sqlIdent, sqlString } from '../../sql/quote.ts';
import { lookupTable } from '../commands/lookup.ts';
import { convert, type ExprCompiler } from '../expr.ts';
import type { TypedSql } from '../types.ts';
import { literal, str, type EvalFunction } from './shared.ts';

function literalCall(c: ExprCompiler, e: A.Expr | undefined, name: string, what: string): A.Expr[] {
  if (e?.kind === 'call' && e.name === name) return e.args;
  throw c.ctx.error('compile_error', `lookup() takes its ${what} as ${name}(…)`, (e ?? { span: { start: 0, end: 0 } }).span);
}

function lookupFn(call: A.CallExpr, c: ExprCompiler): TypedSql {
  const { def, columns } = lookupTable(c.ctx, literal(c, call, 0, 'lookup table'), call.args[0].span);
  const known = (e: A.Expr) => {
    if (e.kind !== 'string') throw c.ctx.error('compile_error', 'lookup() needs the lookup fields as quoted strings', e.span);
    if (!columns.includes(e.value)) throw c.ctx.error('compile_error', `the lookup table ${def.name} has no field '${e.value}' (its fields: ${columns.join(', ')})`, e.span);
    return e.value;
  };
  const pairs = literalCall(c, call.args[1], 'json_object', 'input fields and values');
  if (pairs.length === 0 || pairs.length % 2 !== 0) throw c.ctx.error('compile_error', 'lookup() needs json_object(field, value, …) with at least one pair', call.args[1].span);
  const inputs: Array<{ field: string; value: string }> = [];
  for (let i = 0; i < pairs.length; i += 2) inputs.push({ field: known(pairs[i]), value: convert.str(c.value(pairs[i + 1])) });
  const outputs = call.args[2] ? literalCall(c, call.args[2], 'json_array', 'output fields').map(known) : defaultOutputs(columns, inputs.map((i) => i.field));
  const conds = inputs.map((i) => matchCondition(def, i.value, `dh_l.${sqlIdent(i.field)}`, i.field));
  const present = inputs.map((i) => `${i.value} IS NOT NULL`).join(' AND ');
  const value = (o: string) => {
    const col = `nullif(dh_m.${sqlIdent(o)}, '')`;
    return `${sqlString(o)}, CASE WHEN count(${col}) = 1 THEN to_json(min(${col})) WHEN count(${col}) > 1 THEN to_json(list(${col} ORDER BY dh_m._dh_row) FILTER (WHERE ${col} IS NOT NULL)) END`;
  };
  const matches = `SELECT * FROM ${lookupTableSql(def.file, columns)} AS dh_l WHERE ${conds.join(' AND ')} ORDER BY dh_l._dh_row LIMIT ${def.maxMatches}`;
  return str(`CASE WHEN ${present} THEN (SELECT CASE WHEN count(*) > 0 THEN CAST(json_object(${outputs.map(value).join(', ')}) AS VARCHAR) END FROM (${matches}) AS dh_m) END`);
}

export const LOOKUP_FUNCTIONS: Array<[string, EvalFunction]> = [['lookup', { arity: [2, 3], compile: lookupFn }]];
