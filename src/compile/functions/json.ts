// JSON eval functions (Splunk's "JSON functions"): json_object, json_array, json, json_extract,
// json_extract_exact, json_keys, json_valid, json_has_key_exact, json_array_to_mv, and spath(). JSON they build is compact text (no spaces). A value
// that comes straight from a JSON function (json_object(…), json_array(…), json(…), json_extract(…)) is
// embedded as JSON; a computed number is a JSON number, a multivalue an array of strings, a comparison a boolean,
// and any other value a JSON string (decision X113).

import type * as A from '../../ast/ast.ts';
import { sqlString } from '../../sql/quote.ts';
import { convert, type ExprCompiler } from '../expr.ts';
import { jsonArrayElements, jsonField } from '../json.ts';
import { once } from '../once.ts';
import type { TypedSql } from '../types.ts';
import { bool, literal, mv, str, type EvalFunction } from './shared.ts';

/** Functions whose result is JSON text, embedded as JSON (not as a string) when it is a value of another. */
const JSON_RESULTS = new Set(['json_object', 'json_array', 'json', 'json_extract', 'json_extract_exact', 'json_keys']);

/** An argument as a DuckDB JSON value: JSON from a JSON function, a number, a boolean, an array of values, a string. */
function jsonValue(c: ExprCompiler, e: A.Expr): string {
  const v = c.any(e);
  if (e.kind === 'call' && JSON_RESULTS.has(e.name)) return `json(${convert.str(v)})`;
  // A number as Splunk prints it (63, not 63.0); JSON has no NaN or infinity.
  if (v.type === 'num') return once(v.sql, (n) => `CASE WHEN isfinite(${n}) THEN json(dh_str(${n})) END`);
  return `to_json(${v.sql})`;
}

/**
 * A Splunk JSON path (`a.b`, `a{}.b`, `{2}.name`, `a{0}`) as a DuckDB JSON path; `{}` takes every element.
 * Keys are taken as written (a key with a dot in it needs json_extract_exact).
 */
function jsonPathOf(path: string): { path: string; every: boolean } {
  let every = false;
  const parts = path.split('.').map((seg) => {
    const m = /^([\s\S]*?)((?:\{\d*\})*)$/.exec(seg)!;
    const key = m[1] === '' ? '' : `."${m[1].replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
    const indexes = m[2].replace(/\{(\d*)\}/g, (_, n: string) => {
      if (n === '') every = true;
      return `[${n === '' ? '*' : n}]`;
    });
    return key + indexes;
  });
  return { path: '$' + parts.join(''), every };
}

/**
 * The value at a path, as Splunk's json_extract gives it: a string's text, a number's or boolean's text, an object
 * or array as JSON text, JSON null no value; with `{}` in the path, the JSON array of what every element gives.
 */
function extractAt(j: string, path: { path: string; every: boolean }): string {
  if (path.every) return `CAST(to_json(json_extract(${j}, ${sqlString(path.path)})) AS VARCHAR)`;
  return once(`json_extract(${j}, ${sqlString(path.path)})`, (v) => nativeText(v));
}

const nativeText = (v: string) => `CASE WHEN json_type(${v}) IN ('OBJECT', 'ARRAY') THEN CAST(${v} AS VARCHAR) ELSE json_extract_string(${v}, '$') END`;

/** json_extract / json_extract_exact: no path is the whole value, one path its value, several a JSON array. */
function extractFn(exact: boolean): EvalFunction {
  return {
    arity: [1, Infinity],
    compile: (call, c) => {
      const text = convert.str(c.value(call.args[0]));
      const paths = call.args.slice(1).map((a, i) => {
        const p = literal(c, call, i + 1, exact ? 'key' : 'path');
        return exact ? { path: `$."${p.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`, every: false } : p === '{}' ? undefined : jsonPathOf(p);
      });
      return str(
        once(text, (t) => {
          const j = `CASE WHEN json_valid(${t}) THEN json(${t}) END`;
          return once(j, (jv) => {
            if (paths.length <= 1) return paths[0] ? extractAt(jv, paths[0]) : nativeText(jv);
            const each = paths.map((p) => (p ? `json_extract(${jv}, ${sqlString(p.path)})` : jv));
            return `CASE WHEN ${jv} IS NOT NULL THEN CAST(to_json([${each.join(', ')}]) AS VARCHAR) END`;
          });
        }),
      );
    },
  };
}

function objectFn(call: A.CallExpr, c: ExprCompiler): TypedSql {
  if (call.args.length % 2 !== 0) throw c.ctx.error('compile_error', 'json_object() takes key, value pairs', call.span);
  if (call.args.length === 0) return str(`'{}'`);
  const pairs: string[] = [];
  for (let i = 0; i < call.args.length; i += 2) pairs.push(`${convert.str(c.value(call.args[i]))}, ${jsonValue(c, call.args[i + 1])}`);
  return str(`CAST(json_object(${pairs.join(', ')}) AS VARCHAR)`);
}

function arrayFn(call: A.CallExpr, c: ExprCompiler): TypedSql {
  if (call.args.length === 0) return str(`'[]'`);
  return str(`CAST(json_array(${call.args.map((a) => jsonValue(c, a)).join(', ')}) AS VARCHAR)`);
}

/** spath(value, path): the value at an spath path (`a.b`, `a{}.b`: a multivalue) of JSON text. */
function spathFn(call: A.CallExpr, c: ExprCompiler): TypedSql {
  const path = literal(c, call, 1, 'path');
  if (/\{\d+\}/.test(path)) throw c.ctx.unsupported(`the indexed spath path '${path}'`, call.args[1].span, 'use {} (every element) and mvindex()');
  return jsonField(convert.str(c.value(call.args[0])), path, false);
}

export const JSON_FUNCTIONS: Array<[string, EvalFunction]> = [
  ['json_object', { arity: [0, Infinity], compile: objectFn }],
  ['json_array', { arity: [0, Infinity], compile: arrayFn }],
  ['json', { arity: [1, 1], compile: (call, c) => str(once(convert.str(c.value(call.args[0])), (t) => `CASE WHEN json_valid(${t}) THEN ${t} END`)) }],
  ['json_extract', extractFn(false)],
  ['json_extract_exact', extractFn(true)],
  ['json_keys', { arity: [1, 1], compile: (call, c) => str(once(convert.str(c.value(call.args[0])), (t) => `CASE WHEN json_valid(${t}) AND json_type(${t}) = 'OBJECT' THEN CAST(to_json(json_keys(${t})) AS VARCHAR) END`)) }],
  ['json_valid', { arity: [1, 1], compile: (call, c) => bool(`coalesce(json_valid(${convert.str(c.value(call.args[0]))}), false)`) }],
  [
    'json_has_key_exact',
    {
      arity: [2, 2],
      // The key is literal (a dot in it is part of it), at the object's top level.
      compile: (call, c) => {
        const key = convert.str(c.value(call.args[1]));
        return bool(once(convert.str(c.value(call.args[0])), (t) => `coalesce(json_valid(${t}) AND json_type(${t}) = 'OBJECT' AND list_contains(json_keys(${t}), ${key}), false)`));
      },
    },
  ],
  ['json_array_to_mv', { arity: [1, 2], compile: (call, c) => mv(jsonArrayElements(convert.str(c.value(call.args[0])))) }],
  ['spath', { arity: [2, 2], compile: spathFn }],
];
