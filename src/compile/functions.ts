// The eval function registry: one entry per Splunk function (name, arity, how it compiles).
// Multivalue behaviour follows the semantics reference: functions documented as working on each value map over
// the list; functions documented as not supporting multivalue use the single value, or null when there are
// several (decision D1, see dh_single in prelude.ts).

import type * as A from '../ast/ast.ts';
import { exprFieldNames } from '../ast/walk.ts';
import { sqlNumber, sqlString } from '../sql/quote.ts';
import { convert, coerce, type ExprCompiler, NULL_STR, unify } from './expr.ts';
import { bool, literal, mv, num, numeric, perValue, regexArg, singleArg, str, type EvalFunction } from './functions/shared.ts';
import { INFO_FUNCTIONS } from './functions/info.ts';
import { JSON_FUNCTIONS } from './functions/json.ts';
import { LOOKUP_FUNCTIONS } from './functions/lookup.ts';
import { MULTIVALUE_FUNCTIONS } from './functions/multivalue.ts';
import { NUMBER_FUNCTIONS } from './functions/numbers.ts';
import { SEARCH_FUNCTIONS } from './functions/search.ts';
import { cidrBlock, inBlockSql } from './ip.ts';
import { macroCall, once, onceAll } from './once.ts';
import { captureGroups, rewriteString } from './regex.ts';
import { relativeTimeSql } from './time.ts';
import { strftimeSql, strptimeSql } from './timeformat.ts';
import type { TypedSql } from './types.ts';

export type { EvalFunction };

function ifFn(call: A.CallExpr, c: ExprCompiler): TypedSql {
  const cond = c.cond(call.args[0]);
  const a = c.value(call.args[1]);
  const b = c.value(call.args[2]);
  const t = unify([a.type, b.type]);
  return { sql: `CASE WHEN ${cond} THEN ${coerce(a, t)} ELSE ${coerce(b, t)} END`, type: t };
}

function caseFn(call: A.CallExpr, c: ExprCompiler): TypedSql {
  if (call.args.length % 2 !== 0) throw c.ctx.error('compile_error', 'case() takes condition, value pairs', call.span);
  const conds: string[] = [];
  const values: TypedSql[] = [];
  for (let i = 0; i < call.args.length; i += 2) {
    conds.push(c.cond(call.args[i]));
    values.push(c.value(call.args[i + 1]));
  }
  const t = unify(values.map((v) => v.type));
  // No true condition → null (Splunk's case() has no default).
  return { sql: `CASE ${conds.map((cd, i) => `WHEN ${cd} THEN ${coerce(values[i], t)}`).join(' ')} END`, type: t };
}

function coalesceFn(call: A.CallExpr, c: ExprCompiler): TypedSql {
  const values = call.args.map((a) => c.value(a));
  const t = unify(values.map((v) => v.type));
  return { sql: `coalesce(${values.map((v) => coerce(v, t)).join(', ')})`, type: t };
}

function mvindexFn(call: A.CallExpr, c: ExprCompiler): TypedSql {
  const list = convert.list(c.value(call.args[0]));
  const start = convert.num(c.value(call.args[1]));
  // Splunk indexes from 0; negative counts from the end (-1 is the last value); out of range is null.
  const pos = (l: string, i: string) => `(CASE WHEN ${i} >= 0 THEN CAST(${i} AS BIGINT) + 1 ELSE len(${l}) + CAST(${i} AS BIGINT) + 1 END)`;
  if (call.args.length === 2) {
    // DuckDB's own indexing does the rest, naming the list once: l[-1] is the last value, l[0] and out of range
    // are null.
    return str(once(start, (s) => `(${list})[CASE WHEN ${s} >= 0 THEN CAST(${s} AS BIGINT) + 1 ELSE CAST(${s} AS BIGINT) END]`));
  }
  const end = convert.num(c.value(call.args[2]));
  return mv(
    macroCall(
      'dh_mv',
      onceAll([list, start, end], ([l, s, e]) => {
        const [ps, pe] = [pos(l, s), pos(l, e)];
        return `CASE WHEN ${ps} >= 1 AND ${pe} <= len(${l}) AND ${ps} <= ${pe} THEN list_slice(${l}, ${ps}, ${pe}) END`;
      }),
    ),
  );
}

function splitFn(call: A.CallExpr, c: ExprCompiler): TypedSql {
  const v = c.value(call.args[0]);
  const delim = convert.str(c.value(call.args[1]));
  // Each value is split and the pieces concatenated.
  if (v.type === 'mv') return mv(macroCall('dh_mv', `flatten(list_transform(${v.sql}, lambda dh_v: string_split(dh_v, ${delim})))`));
  return mv(`string_split(${convert.str(v)}, ${delim})`);
}

function mvappendFn(call: A.CallExpr, c: ExprCompiler): TypedSql {
  const lists = appended(call.args).map((a) => `coalesce(${convert.list(c.value(a))}, [])`);
  return mv(macroCall('dh_mv', `flatten([${lists.join(', ')}])`));
}

/**
 * mvappend's operands with nested mvappend calls spliced in: mvappend(mvappend(a, b), c) is mvappend(a, b, c),
 * values in the same order and missing ones dropped either way, and as one list it binds in DuckDB in time linear
 * in the nesting (each nested call was a lambda DuckDB binds in about quadratic time: 80 deep took 5.7 s).
 */
function appended(args: A.Expr[]): A.Expr[] {
  return args.flatMap((a) => (a.kind === 'call' && a.name === 'mvappend' ? appended(a.args) : [a]));
}

function mvfilterFn(call: A.CallExpr, c: ExprCompiler): TypedSql {
  const fields = exprFieldNames(call.args[0]);
  if (fields.size !== 1) {
    throw c.ctx.error('compile_error', `mvfilter() must reference exactly one field, found ${fields.size}`, call.args[0].span);
  }
  const [field] = fields;
  const list = convert.list(c.value({ kind: 'field', name: field, quoted: false, span: call.args[0].span }));
  const inner = c.withResolver((name, span) => (name === field ? str('dh_v') : c.value({ kind: 'field', name, quoted: false, span })));
  return mv(macroCall('dh_mv', `list_filter(${list}, lambda dh_v: ${inner.cond(call.args[0])})`));
}

function tonumberFn(call: A.CallExpr, c: ExprCompiler): TypedSql {
  if (call.args.length === 1) return num(macroCall('dh_num', singleArg(c, call, 0)));
  const base = call.args[1].kind === 'number' ? call.args[1].value : NaN;
  if (!Number.isInteger(base) || base < 2 || base > 36) {
    throw c.ctx.error('compile_error', 'tonumber() base must be a whole number from 2 to 36', call.args[1].span);
  }
  if (base === 10) return num(macroCall('dh_num', singleArg(c, call, 0)));
  const digits = '0123456789abcdefghijklmnopqrstuvwxyz'.slice(0, base);
  return num(
    once(
      `lower(${singleArg(c, call, 0)})`,
      (s) =>
        `CASE WHEN regexp_full_match(${s}, ${sqlString(`[${digits}]+`)}) THEN CAST(list_reduce(list_transform(string_split(${s}, ''), lambda d: CAST(strpos(${sqlString(digits)}, d) - 1 AS DOUBLE)), lambda acc, d: acc * ${base} + d) AS DOUBLE) END`,
    ),
  );
}

function tostringFn(call: A.CallExpr, c: ExprCompiler): TypedSql {
  const v = c.any(call.args[0]);
  if (call.args.length === 1) return str(convert.str(v));
  const fmt = literal(c, call, 1, 'format').toLowerCase();
  const with_ = (f: (n: string) => string) => str(once(convert.num(v), f));
  switch (fmt) {
    case 'hex':
      return with_((n) => `CASE WHEN ${n} IS NOT NULL THEN '0x' || upper(to_hex(CAST(${n} AS BIGINT))) END`);
    case 'commas':
      return with_((n) => `CASE WHEN ${n} = trunc(${n}) THEN format('{:,}', CAST(${n} AS BIGINT)) ELSE format('{:,.2f}', ${n}) END`);
    case 'duration':
      // Splunk's duration format, [D+]HH:MM:SS (the one convert dur2sec reads): days appear from 86400 seconds on.
      return with_(
        (n) =>
          `CASE WHEN ${n} IS NOT NULL THEN (CASE WHEN ${n} >= 86400 THEN CAST(floor(${n} / 86400) AS BIGINT) || '+' ELSE '' END) || ` +
          `printf('%02d:%02d:%02d', CAST(floor(${n} / 3600) AS BIGINT) % 24, CAST(floor(${n} / 60) AS BIGINT) % 60, CAST(floor(${n}) AS BIGINT) % 60) END`,
      );
    case 'binary':
      return with_((n) => `CASE WHEN ${n} IS NOT NULL THEN bin(CAST(${n} AS BIGINT)) END`);
    default:
      throw c.ctx.error('compile_error', `tostring() format must be "hex", "commas", "duration" or "binary", not "${fmt}"`, call.args[1].span);
  }
}

function roundFn(call: A.CallExpr, c: ExprCompiler): TypedSql {
  const x = convert.num(c.value(call.args[0]));
  const digits = call.args.length > 1 ? convert.num(c.value(call.args[1])) : '0';
  return num(`round(${x}, CAST(${digits} AS INTEGER))`);
}

function trimFn(which: 'trim' | 'ltrim' | 'rtrim'): EvalFunction {
  return {
    arity: [1, 2],
    compile: (call, c) => {
      const s = singleArg(c, call, 0);
      // Splunk trims spaces and tabs by default.
      const chars = call.args.length > 1 ? convert.str(c.value(call.args[1])) : sqlString(' \t');
      return str(`${which}(${s}, ${chars})`);
    },
  };
}

function substrFn(call: A.CallExpr, c: ExprCompiler): TypedSql {
  const text = singleArg(c, call, 0);
  const first = `CAST(${convert.num(c.value(call.args[1]))} AS BIGINT)`;
  const len = call.args.length > 2 ? `, CAST(${convert.num(c.value(call.args[2]))} AS BIGINT)` : '';
  // 1-based; a negative start counts from the end.
  return str(onceAll([text, first], ([s, start]) => `substring(${s}, (CASE WHEN ${start} < 0 THEN length(${s}) + ${start} + 1 ELSE ${start} END)${len})`));
}

function replaceFn(call: A.CallExpr, c: ExprCompiler): TypedSql {
  const s = singleArg(c, call, 0);
  const re = regexArg(c, call, 1);
  const [pattern, replacement] = [call.args[1], call.args[2]];
  const groups = pattern.kind === 'string' ? captureGroups(pattern.value).length : undefined;
  // A literal replacement's \1…\9 are groups (decision X46); a replacement from a value is inserted as it is.
  const repl =
    replacement.kind === 'string'
      ? sqlString(rewriteString(replacement.value, groups, replacement.span, c.ctx))
      : `replace(${convert.str(c.value(replacement))}, '\\', '\\\\')`;
  return str(`regexp_replace(${s}, ${re}, ${repl}, 'g')`);
}

function matchFn(call: A.CallExpr, c: ExprCompiler): TypedSql {
  const v = c.value(call.args[0]);
  const re = regexArg(c, call, 1);
  if (v.type === 'mv') return bool(`coalesce(list_bool_or(list_transform(${v.sql}, lambda dh_v: regexp_matches(dh_v, ${re}))), false)`);
  return bool(`regexp_matches(${convert.str(v)}, ${re})`);
}

function mvfindFn(call: A.CallExpr, c: ExprCompiler): TypedSql {
  const l = convert.list(c.value(call.args[0]));
  const re = regexArg(c, call, 1);
  return num(`CAST(nullif(list_position(list_transform(${l}, lambda dh_v: regexp_matches(dh_v, ${re})), true), 0) - 1 AS DOUBLE)`);
}

function strftimeFn(call: A.CallExpr, c: ExprCompiler): TypedSql {
  const t = convert.num(c.value(call.args[0]));
  return str(strftimeSql(t, literal(c, call, 1, 'format'), call.args[1].span, c.ctx));
}

function strptimeFn(call: A.CallExpr, c: ExprCompiler): TypedSql {
  const s = convert.str(c.value(call.args[0]));
  return num(strptimeSql(s, literal(c, call, 1, 'format'), call.args[1].span, c.ctx));
}

function cidrmatchFn(call: A.CallExpr, c: ExprCompiler): TypedSql {
  const cidr = literal(c, call, 0, 'CIDR');
  const block = cidrBlock(cidr);
  if (!block) throw c.ctx.error('compile_error', `cidrmatch() needs a CIDR block such as "10.0.0.0/8" or "2001:db8::/32"; "${cidr}" is not one`, call.args[0].span);
  const v = c.value(call.args[1]);
  if (v.type === 'mv') return bool(`coalesce(list_bool_or(list_transform(${v.sql}, lambda dh_ip: ${inBlockSql('dh_ip', block)})), false)`);
  return bool(`coalesce(${inBlockSql(convert.str(v), block)}, false)`);
}

/**
 * printf(format, values…) as C's printf: each conversion (%d %i %u %o %x %X %c %e %E %f %F %g %G %s, flags
 * `-+ 0#'`, width and precision, `*` taking them from the values) formats the next value; the `'` flag groups
 * thousands with commas. Each conversion is formatted on its own and the pieces joined with the literal text.
 */
/** ipmask(mask, ip): the IPv4 address with the mask applied (ipmask("255.255.255.0", "10.1.2.3") is 10.1.2.0). */
function ipmaskFn(call: A.CallExpr, c: ExprCompiler): TypedSql {
  const [mask, ip] = call.args.map((a) => `dh_ipv4(${convert.str(c.value(a))})`);
  return str(
    once(`(${mask} & ${ip})`, (n) => `CASE WHEN ${n} IS NOT NULL THEN concat_ws('.', ${n} >> 24, (${n} >> 16) & 255, (${n} >> 8) & 255, ${n} & 255) END`),
  );
}

function printfFn(call: A.CallExpr, c: ExprCompiler): TypedSql {
  const fmt = literal(c, call, 0, 'format');
  const conversions = [...fmt.matchAll(/%([-+ 0#']*)(\d+|\*)?(?:\.(\d+|\*))?([diouxXeEfFgGcs%])/g)];
  const needed = conversions.reduce((n, m) => n + (m[4] === '%' ? 0 : 1 + (m[2] === '*' ? 1 : 0) + (m[3] === '*' ? 1 : 0)), 0);
  if (needed !== call.args.length - 1) {
    throw c.ctx.error('compile_error', `printf() format has ${needed} conversion(s) but ${call.args.length - 1} value(s) were given`, call.span);
  }
  let next = 1;
  const whole = (e: A.Expr) => `CAST(trunc(${convert.num(c.value(e))}) AS BIGINT)`;
  const parts: string[] = [];
  let last = 0;
  for (const m of conversions) {
    if (m.index > last) parts.push(sqlString(fmt.slice(last, m.index)));
    last = m.index + m[0].length;
    if (m[4] === '%') {
      parts.push(`'%'`);
      continue;
    }
    const stars = [m[2], m[3]].filter((x) => x === '*').map(() => whole(call.args[next++]));
    const v = call.args[next++];
    const value = 'diouxXc'.includes(m[4]) ? whole(v) : 'eEfFgG'.includes(m[4]) ? convert.num(c.value(v)) : convert.str(c.value(v));
    const spec = `%${m[1].replace(/'/g, ',')}${m[2] ?? ''}${m[3] !== undefined ? `.${m[3]}` : ''}${m[4]}`;
    parts.push(`printf(${[sqlString(spec), ...stars, value].join(', ')})`);
  }
  if (last < fmt.length) parts.push(sqlString(fmt.slice(last)));
  return str(parts.length ? `(${parts.join(' || ')})` : `''`);
}

function nowFn(_call: A.CallExpr, c: ExprCompiler): TypedSql {
  return num(sqlNumber(c.ctx.options.now));
}

function relativeTimeFn(call: A.CallExpr, c: ExprCompiler): TypedSql {
  const t = convert.num(c.value(call.args[0]));
  return num(relativeTimeSql(t, literal(c, call, 1, 'time modifier'), call.args[1].span, c.ctx));
}

/** Multi-argument eval sum/avg: every numeric value of every argument (multivalue included). */
function statEval(agg: 'sum' | 'avg'): EvalFunction {
  return {
    arity: [1, Infinity],
    compile: (call, c) => {
      const values = call.args.map((a) => `coalesce(${convert.list(c.value(a))}, [])`);
      const nums = `list_filter(list_transform(flatten([${values.join(', ')}]), lambda dh_v: dh_num(dh_v)), lambda dh_n: dh_n IS NOT NULL)`;
      return num(`CAST(${agg === 'sum' ? 'list_sum' : 'list_avg'}(${nums}) AS DOUBLE)`);
    },
  };
}

/**
 * Multi-argument eval max/min over every value of every argument. Splunk's docs: numbers compare numerically
 * and strings are greater than numbers (max(1, 3, "foo") is "foo"); strings compare by bytes.
 */
function extremeEval(which: 'max' | 'min'): EvalFunction {
  return {
    arity: [1, Infinity],
    compile: (call, c) => {
      const args = call.args.map((a) => c.value(a));
      const f = which === 'max' ? 'list_max' : 'list_min';
      if (args.every((a) => a.type === 'num')) return num(`${f}([${args.map((a) => a.sql).join(', ')}])`);
      const values = `list_filter(flatten([${args.map((a) => `coalesce(${convert.list(a)}, [])`).join(', ')}]), lambda dh_v: dh_v IS NOT NULL)`;
      return str(
        once(values, (all) => {
          const nums = `list_filter(list_transform(${all}, lambda dh_v: dh_num(dh_v)), lambda dh_n: dh_n IS NOT NULL)`;
          const strs = `list_filter(${all}, lambda dh_v: dh_num(dh_v) IS NULL)`;
          const numStr = macroCall('dh_str', `${f}(${nums})`);
          return which === 'max' ? `coalesce(${f}(${strs}), ${numStr})` : `coalesce(${numStr}, ${f}(${strs}))`;
        }),
      );
    },
  };
}

export const FUNCTIONS: ReadonlyMap<string, EvalFunction> = new Map<string, EvalFunction>([
  // conditions and nulls
  ['if', { arity: [3, 3], compile: ifFn }],
  ['case', { arity: [2, Infinity], compile: caseFn }],
  ['coalesce', { arity: [1, Infinity], compile: coalesceFn }],
  ['ifnull', { arity: [1, Infinity], compile: coalesceFn }],
  ['nullif', { arity: [2, 2], compile: (call, c) => str(`nullif(${convert.str(c.value(call.args[0]))}, ${convert.str(c.value(call.args[1]))})`) }],
  ['null', { arity: [0, 0], compile: () => NULL_STR }],
  ['true', { arity: [0, 0], compile: () => bool('true') }],
  ['false', { arity: [0, 0], compile: () => bool('false') }],
  ['isnull', { arity: [1, 1], compile: (call, c) => bool(`(${c.value(call.args[0]).sql} IS NULL)`) }],
  ['isnotnull', { arity: [1, 1], compile: (call, c) => bool(`(${c.value(call.args[0]).sql} IS NOT NULL)`) }],
  ['isnum', { arity: [1, 1], compile: (call, c) => bool(`(${convert.num(c.value(call.args[0]))} IS NOT NULL)`) }],
  [
    'isstr',
    {
      arity: [1, 1],
      compile: (call, c) => {
        const v = c.value(call.args[0]);
        return bool(v.type === 'num' ? 'false' : once(convert.str(v), (s) => `(${s} IS NOT NULL AND dh_num(${s}) IS NULL)`));
      },
    },
  ],
  ['in', { arity: [1, Infinity], compile: (call, c) => bool(c.inList(call.args[0], call.args.slice(1))) }],
  ['like', { arity: [2, 2], compile: (call, c) => bool(c.like(c.value(call.args[0]), c.value(call.args[1]))) }],
  ['match', { arity: [2, 2], compile: matchFn }],
  // text
  ['lower', perValue((s) => `lower(${s})`)],
  ['upper', perValue((s) => `upper(${s})`)],
  ['trim', trimFn('trim')],
  ['ltrim', trimFn('ltrim')],
  ['rtrim', trimFn('rtrim')],
  ['len', { arity: [1, 1], compile: (call, c) => num(`CAST(length(${singleArg(c, call, 0)}) AS DOUBLE)`) }],
  ['substr', { arity: [2, 3], compile: substrFn }],
  ['replace', { arity: [3, 3], compile: replaceFn }],
  ['split', { arity: [2, 2], compile: splitFn }],
  ['urldecode', { arity: [1, 1], compile: (call, c) => str(`url_decode(${singleArg(c, call, 0)})`) }],
  ['printf', { arity: [1, Infinity], compile: printfFn }],
  ['md5', { arity: [1, 1], compile: (call, c) => str(`md5(${convert.str(c.value(call.args[0]))})`) }],
  ['sha1', { arity: [1, 1], compile: (call, c) => str(`sha1(${convert.str(c.value(call.args[0]))})`) }],
  ['sha256', { arity: [1, 1], compile: (call, c) => str(`sha256(${convert.str(c.value(call.args[0]))})`) }],
  // multivalue
  ['mvindex', { arity: [2, 3], compile: mvindexFn }],
  [
    'mvcount',
    {
      arity: [1, 1],
      compile: (call, c) => {
        const v = c.value(call.args[0]);
        return num(v.type === 'mv' ? `CAST(len(${v.sql}) AS DOUBLE)` : `CASE WHEN ${v.sql} IS NOT NULL THEN 1.0::DOUBLE END`);
      },
    },
  ],
  ['mvjoin', { arity: [2, 2], compile: (call, c) => str(`array_to_string(${convert.list(c.value(call.args[0]))}, ${convert.str(c.value(call.args[1]))})`) }],
  ['mvappend', { arity: [1, Infinity], compile: mvappendFn }],
  [
    'mvdedup',
    {
      arity: [1, 1],
      // First occurrence of each value, in order.
      compile: (call, c) => {
        return mv(once(convert.list(c.value(call.args[0])), (l) => `list_filter(${l}, lambda dh_v, dh_i: list_position(${l}, dh_v) = dh_i)`));
      },
    },
  ],
  [
    'mvzip',
    {
      arity: [2, 3],
      // Pairs values position by position, up to the shorter list, joined with "," (or the given delimiter).
      compile: (call, c) => {
        const a = convert.list(c.value(call.args[0]));
        const b = convert.list(c.value(call.args[1]));
        const d = call.args.length > 2 ? convert.str(c.value(call.args[2])) : "','";
        return mv(macroCall('dh_mv', `list_transform(list_zip(${a}, ${b}, true), lambda dh_p: dh_p[1] || ${d} || dh_p[2])`));
      },
    },
  ],
  ['mvsort', { arity: [1, 1], compile: (call, c) => mv(`list_sort(${convert.list(c.value(call.args[0]))})`) }],
  ['mvfilter', { arity: [1, 1], compile: mvfilterFn }],
  ['mvfind', { arity: [2, 2], compile: mvfindFn }],
  // conversion and numbers
  ['tonumber', { arity: [1, 2], compile: tonumberFn }],
  ['tostring', { arity: [1, 2], compile: tostringFn }],
  ['round', { arity: [1, 2], compile: roundFn }],
  ['floor', numeric([1, 1], (x) => `floor(${x})`)],
  ['ceil', numeric([1, 1], (x) => `ceil(${x})`)],
  ['ceiling', numeric([1, 1], (x) => `ceil(${x})`)],
  ['abs', numeric([1, 1], (x) => `abs(${x})`)],
  ['pow', numeric([2, 2], (x, y) => `pow(${x}, ${y})`)],
  ['sqrt', numeric([1, 1], (x) => `CASE WHEN ${x} >= 0 THEN sqrt(${x}) END`)],
  ['exp', numeric([1, 1], (x) => `exp(${x})`)],
  ['ln', numeric([1, 1], (x) => `CASE WHEN ${x} > 0 THEN ln(${x}) END`)],
  ['log', numeric([1, 2], (x, base) => `CASE WHEN ${x} > 0 THEN ${base === undefined ? `log10(${x})` : `ln(${x}) / ln(${base})`} END`)],
  ['pi', numeric([0, 0], () => 'pi()')],
  ['max', extremeEval('max')],
  ['min', extremeEval('min')],
  ['sum', statEval('sum')],
  ['avg', statEval('avg')],
  // time
  ['now', { arity: [0, 0], compile: nowFn }],
  ['time', { arity: [0, 0], compile: () => num('epoch(current_timestamp)') }],
  ['strftime', { arity: [2, 2], compile: strftimeFn }],
  ['strptime', { arity: [2, 2], compile: strptimeFn }],
  ['relative_time', { arity: [2, 2], compile: relativeTimeFn }],
  // network and hashing
  ['cidrmatch', { arity: [2, 2], compile: cidrmatchFn }],
  ['ipmask', { arity: [2, 2], compile: ipmaskFn }],
  ...MULTIVALUE_FUNCTIONS,
  ...JSON_FUNCTIONS,
  ...INFO_FUNCTIONS,
  ...NUMBER_FUNCTIONS,
  ...SEARCH_FUNCTIONS,
  ...LOOKUP_FUNCTIONS,
]);
