// Number eval functions beyond arithmetic: sigfig, exact, random.

import type * as A from '../../ast/ast.ts';
import { convert, type ExprCompiler } from '../expr.ts';
import { once } from '../once.ts';
import type { TypedSql } from '../types.ts';
import { num, type EvalFunction } from './shared.ts';

/** How precise a value is: its significant figures, or its decimal places (SQL expressions), as the operation decides. */
interface Precision {
  value: string;
  sig?: string;
  dec?: string;
}

/** Significant figures and decimal places of a number written as text (`1.00` has 3 and 2, `1200` 2 and 0). */
const writtenPrecision = (text: string): { sig: string; dec: string } => {
  const t = `regexp_extract(${text}, '^[+-]?([0-9]*[.]?[0-9]*)', 1)`;
  return {
    sig: `greatest(1, CASE WHEN contains(${t}, '.') THEN length(ltrim(replace(${t}, '.', ''), '0')) ELSE length(rtrim(ltrim(${t}, '0'), '0')) END)`,
    dec: `CASE WHEN contains(${t}, '.') THEN length(split_part(${t}, '.', 2)) ELSE 0 END`,
  };
};

/** The order of magnitude of a value (0 for 1–9, 2 for 100–999, -1 for 0.1–0.9). */
const magnitude = (v: string) => `floor(log10(abs(${v})))`;

/**
 * The precision of an operand: literals and fields by how they are written; products and quotients keep the
 * fewest significant figures of their operands, sums and differences the fewest decimal places.
 */
function precision(c: ExprCompiler, e: A.Expr): Precision {
  if (e.kind === 'binary' && ['*', '/', '+', '-'].includes(e.op)) {
    const l = precision(c, e.left);
    const r = precision(c, e.right);
    const value = `(${l.value} ${e.op} ${e.op === '/' ? `nullif(${r.value}, 0)` : r.value})`;
    const sig = (p: Precision) => p.sig ?? `(${magnitude(p.value)} + 1 + ${p.dec})`;
    const dec = (p: Precision) => p.dec ?? `(${p.sig} - 1 - ${magnitude(p.value)})`;
    return e.op === '*' || e.op === '/' ? { value, sig: `least(${sig(l)}, ${sig(r)})` } : { value, dec: `least(${dec(l)}, ${dec(r)})` };
  }
  if (e.kind === 'number') {
    const text = `'${e.text.replace(/^-/, '')}'`;
    return { value: convert.num(c.value(e)), ...writtenPrecision(text) };
  }
  const v = c.value(e);
  return { value: convert.num(v), ...writtenPrecision(v.type === 'num' ? `dh_str(${v.sql})` : convert.str(v)) };
}

/** sigfig(x): x rounded to the significant figures its calculation's operands support (1.00*1111 is 1110). */
function sigfigFn(call: A.CallExpr, c: ExprCompiler): TypedSql {
  const p = precision(c, call.args[0]);
  return num(
    once(p.value, (v) =>
      p.sig !== undefined
        ? `CASE WHEN ${v} = 0 THEN 0 ELSE round(${v}, CAST(${p.sig} - 1 - ${magnitude(v)} AS INTEGER)) END`
        : `round(${v}, CAST(${p.dec} AS INTEGER))`,
    ),
  );
}

export const NUMBER_FUNCTIONS: Array<[string, EvalFunction]> = [
  ['sigfig', { arity: [1, 1], compile: sigfigFn }],
  // Numbers are doubles and print with every digit that round-trips, which is what exact() asks for.
  ['exact', { arity: [1, 1], compile: (call, c) => num(convert.num(c.value(call.args[0]))) }],
  // Splunk's random() is a pseudo-random integer from 0 to 2^31-1, different on every call.
  ['random', { arity: [0, 0], compile: () => num('CAST(floor(random() * 2147483648) AS DOUBLE)') }],
];
