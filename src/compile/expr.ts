// eval/where expressions → typed DuckDB SQL.
//
// Splunk values are strings that act as numbers when they look like numbers; the compiler tracks a static shape
// for every expression (num, str, mv, bool — see types.ts) and converts at the edges. Nulls propagate as in
// Splunk: arithmetic and `.` with a null operand are null; a comparison with a null operand is not true.

import type * as A from '../ast/ast.ts';
import { sqlIdent, sqlNumber, sqlString } from '../sql/quote.ts';
import type { CompileContext } from './context.ts';
import { FUNCTIONS } from './functions.ts';
import { macroCall, once, onceAll } from './once.ts';
import type { Schema } from './schema.ts';
import type { FieldType, TypedSql, ValueType } from './types.ts';

export const NULL_STR: TypedSql = { sql: 'NULL::VARCHAR', type: 'str' };

/** Conversions between shapes. */
export const convert = {
  /** A single string value (D1: a multivalue with more than one value is null). */
  str(t: TypedSql): string {
    switch (t.type) {
      case 'str':
        return t.sql;
      case 'num':
        return macroCall('dh_str', t.sql);
      case 'mv':
        return macroCall('dh_single', t.sql);
      case 'bool':
        return once(t.sql, (b) => `CASE WHEN ${b} THEN 'True' WHEN NOT (${b}) THEN 'False' END`);
    }
  },
  /** A single number, or null when the value does not look like a number. */
  num(t: TypedSql): string {
    switch (t.type) {
      case 'num':
        return t.sql;
      case 'str':
        return macroCall('dh_num', t.sql);
      case 'mv':
        return macroCall('dh_num', macroCall('dh_single', t.sql));
      case 'bool':
        return `CAST(${t.sql} AS DOUBLE)`;
    }
  },
  /** A multivalue (list of strings), null when there is no value. */
  list(t: TypedSql): string {
    switch (t.type) {
      case 'mv':
        return t.sql;
      case 'num':
        return once(t.sql, (n) => `CASE WHEN ${n} IS NOT NULL THEN [dh_str(${n})] END`);
      default:
        return once(convert.str(t), (s) => `CASE WHEN ${s} IS NOT NULL THEN [${s}] END`);
    }
  },
};

/** The common shape of values that may come from different branches (if, case, coalesce). */
export function unify(types: ValueType[]): FieldType {
  const set = new Set(types.filter((t): t is FieldType => t !== 'bool'));
  if (set.has('mv')) return 'mv';
  if (set.size === 1) return [...set][0];
  return 'str';
}

export function coerce(t: TypedSql, to: ValueType): string {
  if (to === 'mv') return convert.list(t);
  if (to === 'num') return convert.num(t);
  if (to === 'bool') return t.sql;
  return t.type === 'num' ? convert.str(t) : t.type === 'mv' ? convert.str(t) : t.sql;
}

const isNumericText = (s: string) => /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/.test(s);

/** How a field reference is resolved: a column, or (inside mvfilter) a lambda variable. */
export type FieldResolver = (name: string, span: A.Expr['span']) => TypedSql;

export class ExprCompiler {
  constructor(
    readonly ctx: CompileContext,
    readonly schema: Schema,
    private readonly resolveField: FieldResolver = (name) => {
      const f = schema.get(name);
      return f ? { sql: sqlIdent(f.column), type: f.type } : NULL_STR;
    },
  ) {}

  /** A compiler for the same scope where field names resolve differently (mvfilter's per-value predicate). */
  withResolver(resolver: FieldResolver): ExprCompiler {
    return new ExprCompiler(this.ctx, this.schema, resolver);
  }

  /** An expression whose result can be stored in a field (not a boolean). */
  value(e: A.Expr): TypedSql {
    const t = this.any(e);
    if (t.type === 'bool') {
      throw this.ctx.error('compile_error', 'a comparison or boolean cannot be the value of a field', e.span, 'wrap it in if(), e.g. if(a > b, 1, 0)');
    }
    return t;
  }

  /** A condition (where, if, case…). A non-boolean value is a condition when it is not null (as Splunk's where). */
  cond(e: A.Expr): string {
    const t = this.any(e);
    if (t.type === 'bool') return t.sql;
    throw this.ctx.error('compile_error', 'expected a condition (a comparison, a boolean function, AND/OR/NOT)', e.span, 'compare it, e.g. x="value" or isnotnull(x)');
  }

  any(e: A.Expr): TypedSql {
    switch (e.kind) {
      case 'field':
        return this.resolveField(e.name, e.span);
      case 'string':
        return { sql: sqlString(e.value), type: 'str' };
      case 'number':
        return { sql: sqlNumber(e.value), type: 'num' };
      case 'unary':
        return this.unary(e);
      case 'binary':
        return this.binary(e);
      case 'in':
        return { sql: this.inList(e.operand, e.values), type: 'bool' };
      case 'call': {
        const fn = FUNCTIONS.get(e.name);
        if (!fn) {
          throw this.ctx.error('unsupported', `eval function '${e.name}()' is not supported`, e.nameSpan, 'see the README for the eval functions duckhunt implements');
        }
        const [min, max] = fn.arity;
        if (e.args.length < min || e.args.length > max) {
          const want = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
          throw this.ctx.error('compile_error', `${e.name}() takes ${want} argument${want === '1' ? '' : 's'}, got ${e.args.length}`, e.span);
        }
        return fn.compile(e, this);
      }
    }
  }

  private unary(e: A.UnaryExpr): TypedSql {
    if (e.op === 'NOT') return { sql: `(NOT ${this.cond(e.operand)})`, type: 'bool' };
    const v = convert.num(this.value(e.operand));
    return { sql: e.op === '-' ? `(- ${v})` : v, type: 'num' };
  }

  private binary(e: A.BinaryExpr): TypedSql {
    switch (e.op) {
      case 'AND':
      case 'OR':
        return { sql: `(${this.cond(e.left)} ${e.op} ${this.cond(e.right)})`, type: 'bool' };
      case 'XOR': {
        const l = this.cond(e.left);
        const r = this.cond(e.right);
        return { sql: `((${l}) <> (${r}))`, type: 'bool' };
      }
      case '.': {
        // `.` concatenates as strings; a null operand makes the whole result null (SQL || does the same).
        const l = this.value(e.left);
        const r = this.value(e.right);
        return { sql: `(${convert.str(l)} || ${convert.str(r)})`, type: 'str' };
      }
      case '+':
        return this.plus(e);
      case '-':
      case '*':
      case '/':
      case '%': {
        const l = convert.num(this.value(e.left));
        const r = convert.num(this.value(e.right));
        // DuckDB's % on doubles is fmod. Splunk makes division (and modulo) by zero null; DuckDB's DOUBLE
        // division gives inf/NaN, so the divisor goes through nullif.
        if (e.op === '/' || e.op === '%') return { sql: `(${l} ${e.op} nullif(${r}, 0))`, type: 'num' };
        return { sql: `(${l} ${e.op} ${r})`, type: 'num' };
      }
      case 'LIKE':
        return { sql: this.like(this.value(e.left), this.value(e.right)), type: 'bool' };
      case '=':
      case '==':
      case '!=':
      case '<':
      case '<=':
      case '>':
      case '>=':
        return { sql: this.compare(e.op === '==' ? '=' : e.op, this.value(e.left), this.value(e.right), e.left, e.right), type: 'bool' };
    }
  }

  /** `+` adds numbers, or concatenates when both operands are strings. */
  private plus(e: A.BinaryExpr): TypedSql {
    const l = this.value(e.left);
    const r = this.value(e.right);
    if (l.type === 'num' || r.type === 'num') return { sql: `(${convert.num(l)} + ${convert.num(r)})`, type: 'num' };
    if (e.left.kind === 'string' && e.right.kind === 'string') return { sql: `(${l.sql} || ${r.sql})`, type: 'str' };
    const sql = onceAll([convert.str(l), convert.str(r)], ([ls, rs]) =>
      `CASE WHEN dh_num(${ls}) IS NOT NULL AND dh_num(${rs}) IS NOT NULL THEN dh_str(dh_num(${ls}) + dh_num(${rs})) ELSE ${ls} || ${rs} END`,
    );
    return { sql, type: 'str' };
  }

  /**
   * Comparison with Splunk's rules: numbers compare numerically, strings that both look like numbers too,
   * other strings by bytes (case-sensitive). A multivalue operand matches when any value does (decision D2).
   */
  compare(op: '=' | '!=' | '<' | '<=' | '>' | '>=', l: TypedSql, r: TypedSql, le?: A.Expr, re?: A.Expr): string {
    if (l.type === 'mv' || r.type === 'mv') {
      if ((op !== '=' && op !== '!=') && le) this.ctx.warn(`ordering comparison '${op}' with a multivalue operand is true when any pair of values satisfies it (decision D2)`, le.span);
      const lv: TypedSql = l.type === 'mv' ? { sql: 'dh_l', type: 'str' } : l;
      const rv: TypedSql = r.type === 'mv' ? { sql: 'dh_r', type: 'str' } : r;
      let inner = this.compare(op, lv, rv);
      if (r.type === 'mv') inner = `list_bool_or(list_transform(${r.sql}, lambda dh_r: ${inner}))`;
      if (l.type === 'mv') inner = `list_bool_or(list_transform(${l.sql}, lambda dh_l: ${inner}))`;
      return `coalesce(${inner}, false)`;
    }
    if (l.type === 'num' || r.type === 'num') return `(${convert.num(l)} ${op} ${convert.num(r)})`;
    const literalText = (e?: A.Expr) => (e?.kind === 'string' ? e.value : undefined);
    const lt = literalText(le);
    const rt = literalText(re);
    // A string literal that is not a number makes this a plain string comparison.
    const plain = (lt !== undefined && !isNumericText(lt)) || (rt !== undefined && !isNumericText(rt));
    if (plain) return `(${l.sql} ${op} ${r.sql})`;
    if (op === '=') return macroCall('dh_eq', l.sql, r.sql);
    if (op === '!=') return `(NOT ${macroCall('dh_eq', l.sql, r.sql)})`;
    return `(${macroCall('dh_cmp', l.sql, r.sql)} ${op} 0)`;
  }

  /** `x IN (a, b)` / `in(x, a, b)`: exact, case-sensitive; any value of a multivalue x. */
  inList(operand: A.Expr, values: A.Expr[]): string {
    const x = this.value(operand);
    if (values.length === 0) return 'false';
    return `(${values.map((v) => this.compare('=', x, this.value(v), operand, v)).join(' OR ')})`;
  }

  /** LIKE with `%` and `_`; case-sensitive (decision D9); any value of a multivalue. */
  like(x: TypedSql, pattern: TypedSql): string {
    const p = convert.str(pattern);
    if (x.type === 'mv') return `coalesce(list_bool_or(list_transform(${x.sql}, lambda dh_v: dh_v LIKE ${p})), false)`;
    return `(${convert.str(x)} LIKE ${p})`;
  }
}
