// `foreach [mode=multifield] [fieldstr= matchstr= matchseg1..3=] fields… [template]`: for each field the list
// names, the template (`<<FIELD>>` the field's name, `<<MATCHSTR>>` what its wildcards matched, `<<MATCHSEGn>>`
// the n-th wildcard's part) is filled in as text, parsed, and its streaming commands run on the rows, one field
// after another, so each iteration sees the fields the previous ones wrote. A wildcard selects the fields the rows
// have when foreach starts (internal ones only for `_…` patterns, in byte order: X25, X26; over raw events the
// fields field discovery finds); a plain name is
// iterated whether or not a row has it, as Splunk's `foreach name price [eval <<FIELD>>="<<FIELD>>"]` shows. A
// field two patterns select is iterated once (decision X111).
//
// `foreach mode=multivalue field [eval …]` and `mode=json_array`: the template's one eval runs once per value of
// the field (a multivalue's values, a JSON array's elements) within each row, in order, each run seeing what the
// previous runs assigned. `<<ITEM>>` is the value (text) and `<<ITER>>` its 0-based position, wherever they stand,
// inside a string literal too (decision X112). A row without values keeps its fields. In SQL the runs are a fold
// over the values: list_reduce over a list of structs holding the assigned fields, whose first element is the
// row's current values and whose others carry each value and its position.

import { parseTemplate, SyntaxProblem } from '../../../grammar/index.ts';
import { fillTemplate, foreachPlaceholders } from '../../../grammar/template.ts';
import type * as A from '../../ast/ast.ts';
import { FOREACH_PLACEHOLDER } from '../../ast/ast.ts';
import { sqlIdent, sqlString } from '../../sql/quote.ts';
import { coerce, convert, ExprCompiler, unify } from '../expr.ts';
import { jsonArrayElements } from '../json.ts';
import type { CommandHandler, PipelineBuilder, Relation } from '../pipeline.ts';
import { userFields } from '../pipeline.ts';
import { fieldOf } from '../schema.ts';
import type { FieldType, TypedSql } from '../types.ts';
import { isWildcard, matchingFields, wildcardMatches } from '../wildcard.ts';
import { soleField } from './arguments.ts';
import { optionMap } from '../options.ts';

/** Commands a multifield template may run: Splunk's foreach runs streaming commands only. */
const STREAMING = new Set(['eval', 'where', 'search', 'rex', 'regex', 'rename', 'fillnull', 'spath', 'makemv', 'nomv', 'convert', 'fields', 'lookup', 'fromjson', 'bin', 'mvexpand', 'foreach']);

const OPTIONS = ['mode', 'fieldstr', 'matchstr', 'matchseg1', 'matchseg2', 'matchseg3', 'itemstr', 'iterstr'];

export const foreach: CommandHandler<A.ForeachCommand> = {
  compile(cmd, input, b) {
    const mode = optionMap(cmd, OPTIONS, b.ctx).get('mode');
    switch (mode?.value.toLowerCase() ?? 'multifield') {
      case 'multifield':
        return multifield(cmd, input!, b);
      case 'multivalue':
      case 'json_array':
        return foreachValues(cmd, input!, b, mode!.value.toLowerCase() as 'multivalue' | 'json_array');
      default:
        throw b.ctx.unsupported(`foreach mode=${mode!.value}`, mode!.valueSpan, 'duckhunt runs mode=multifield (the default), multivalue and json_array');
    }
  },
};

interface Iteration {
  field: string;
  /** What each wildcard of the pattern matched. */
  segments: string[];
}

function multifield(cmd: A.ForeachCommand, input: Relation, b: PipelineBuilder): Relation {
  if (cmd.fields.length === 0) throw b.ctx.error('compile_error', 'foreach needs the fields to iterate over', cmd.nameSpan, 'e.g. foreach count_* [eval <<FIELD>> = <<FIELD>> * 2]');
  const iterations: Iteration[] = [];
  for (const ref of cmd.fields) {
    if (!isWildcard(ref.name)) {
      if (!iterations.some((it) => it.field === ref.name)) iterations.push({ field: ref.name, segments: [] });
      continue;
    }
    // Over raw events the fields come from field discovery (collect.ts readsEveryField); where it did not run
    // (a foreach inside another's template), the names the query gives are all that is known.
    if (input.schema.open && !b.eventFieldsFound && !b.discovering) {
      throw b.ctx.unsupported(
        `foreach over the wildcard '${ref.name}' here`,
        ref.span,
        'duckhunt knows which fields these events have only when the query names them: name the fields',
      );
    }
    for (const f of matchingFields(userFields(input.schema), ref.name)) {
      if (iterations.some((it) => it.field === f.name)) continue;
      iterations.push({ field: f.name, segments: wildcardMatches(ref.name, f.name)!.slice(1) });
    }
  }
  const ph = foreachPlaceholders(cmd.options);
  let rel = input;
  for (const it of iterations) {
    const values = new Map<string, string>([
      [ph.field, it.field],
      [ph.matchstr, it.segments.join('')],
      ...ph.matchseg.map((m, i): [string, string] => [m, it.segments[i] ?? '']),
    ]);
    for (const c of templatePipeline(cmd, values, b).commands) {
      if (!STREAMING.has(c.command)) {
        const name = c.command === 'generic' ? c.name : c.command;
        throw b.ctx.error('compile_error', `foreach templates run streaming commands (eval, where, rex…); '${name}' is not one`, c.nameSpan);
      }
      rel = b.command(c, rel);
    }
  }
  return rel;
}

/** The template with the placeholders filled in, parsed; its spans and syntax errors point into the query. */
function templatePipeline(cmd: A.ForeachCommand, values: ReadonlyMap<string, string>, b: PipelineBuilder): A.Pipeline {
  try {
    return parseTemplate(fillTemplate(cmd.template, cmd.templateSpan.start, values));
  } catch (e) {
    if (e instanceof SyntaxProblem) throw b.ctx.error('syntax_error', `in the foreach template: ${e.message}`, e.span, e.hint);
    throw e;
  }
}

const ITEM = `${FOREACH_PLACEHOLDER}item`;
const ITER = `${FOREACH_PLACEHOLDER}iter`;

const SQL_TYPE: Record<FieldType, string> = { num: 'DOUBLE', str: 'VARCHAR', mv: 'VARCHAR[]' };

function foreachValues(cmd: A.ForeachCommand, input: Relation, b: PipelineBuilder, mode: 'multivalue' | 'json_array'): Relation {
  const ref = soleField(cmd, b, `foreach mode=${mode} values [eval total = total + <<ITEM>>]`);
  const ph = foreachPlaceholders(cmd.options);
  const template = templatePipeline(cmd, new Map([[ph.item, ITEM], [ph.iter, ITER]]), b);
  const evalCmd = template.commands[0];
  if (template.commands.length !== 1 || evalCmd.command !== 'eval') {
    throw b.ctx.error('compile_error', `foreach mode=${mode} runs one eval command per value`, template.commands[evalCmd?.command === 'eval' ? 1 : 0]?.nameSpan ?? cmd.templateSpan);
  }
  for (const a of evalCmd.assignments) {
    if (a.target.name.includes(FOREACH_PLACEHOLDER)) throw b.ctx.unsupported('a field name made of <<ITEM>> or <<ITER>>', a.target.span, 'assign fields whose names do not change from value to value');
  }
  const assignments = evalCmd.assignments.map((a) => ({ target: a.target.name, expr: inlinePlaceholders(a.expr) }));
  const state = [...new Set(assignments.map((a) => a.target))];
  const source = input.schema.get(ref.name);
  const values = !source
    ? 'NULL::VARCHAR[]'
    : mode === 'multivalue'
      ? convert.list({ sql: sqlIdent(source.column), type: source.type })
      : jsonArrayElements(convert.str({ sql: sqlIdent(source.column), type: source.type }));

  // Each field's type must be the same before and after a run: start from the row's, widen until stable.
  const types = new Map<string, FieldType>(state.map((s) => [s, input.schema.get(s)?.type ?? 'str']));
  let run = compileRun(b, input, assignments, types);
  for (let round = 0; round < 3 && !run.stable; round++) run = compileRun(b, input, assignments, types);
  const struct = (item: string, iter: string, fields: (s: string) => string) =>
    `{${[`'item': ${item}`, `'iter': ${iter}`, ...state.map((s) => `${sqlString(s)}: ${fields(s)}`)].join(', ')}}`;
  const nullOf = (s: string) => `NULL::${SQL_TYPE[types.get(s)!]}`;
  const initial = struct('NULL::VARCHAR', 'NULL::DOUBLE', (s) => {
    const f = input.schema.get(s);
    return f ? coerce({ sql: sqlIdent(f.column), type: f.type }, types.get(s)!) : nullOf(s);
  });
  const elements = `coalesce(list_transform(${values}, lambda dh_x, dh_i: ${struct('dh_x', 'CAST(dh_i - 1 AS DOUBLE)', nullOf)}), [])`;
  const fold = `list_reduce(list_prepend(${initial}, ${elements}), lambda dh_acc, dh_e: ${struct('NULL::VARCHAR', 'NULL::DOUBLE', (s) => run.values.get(s)!)})`;
  let schema = input.schema;
  const replaced: string[] = [];
  const added: string[] = [];
  for (const s of state) {
    const existing = schema.get(s);
    const column = existing?.column ?? b.ctx.columns.columnFor(s);
    (existing ? replaced : added).push(`dh_fold[${sqlString(s)}] AS ${sqlIdent(column)}`);
    schema = schema.with(fieldOf(s, column, types.get(s)!));
  }
  const star = replaced.length ? `* EXCLUDE (dh_fold) REPLACE (${replaced.join(', ')})` : '* EXCLUDE (dh_fold)';
  return b.add(cmd, `SELECT ${[star, ...added].join(', ')}\nFROM (SELECT *, ${fold} AS dh_fold FROM ${sqlIdent(input.name)})`, schema);
}

/**
 * One run of the assignments inside the fold: fields it assigns read the state (`dh_acc`) or, after their
 * assignment in this run, the new value; the placeholders read the element (`dh_e`); other fields the row.
 */
function compileRun(b: PipelineBuilder, input: Relation, assignments: Array<{ target: string; expr: A.Expr }>, types: Map<string, FieldType>): { values: Map<string, string>; stable: boolean } {
  const current = new Map<string, TypedSql>([...types].map(([s, t]) => [s, { sql: `dh_acc[${sqlString(s)}]`, type: t }]));
  const base = new ExprCompiler(b.ctx, input.schema);
  const compiler = base.withResolver((name, span) => {
    if (name === ITEM) return { sql: 'dh_e.item', type: 'str' };
    if (name === ITER) return { sql: 'dh_e.iter', type: 'num' };
    return current.get(name) ?? base.value({ kind: 'field', name, quoted: true, span });
  });
  let stable = true;
  for (const a of assignments) {
    const v = compiler.value(a.expr);
    const t = types.get(a.target)!;
    const wider = unify([t, v.type]);
    if (wider !== t) {
      types.set(a.target, wider);
      stable = false;
    }
    current.set(a.target, { sql: `(${coerce(v, types.get(a.target)!)})`, type: types.get(a.target)! });
  }
  return { values: new Map([...types.keys()].map((s) => [s, coerce(current.get(s)!, types.get(s)!)])), stable };
}

/** String literals that contain a placeholder become concatenations with it (`"n=<<ITEM>>"` → `"n=" . item`). */
function inlinePlaceholders(e: A.Expr): A.Expr {
  switch (e.kind) {
    case 'string': {
      const parts = e.value.split(new RegExp(`(${ITEM}|${ITER})`));
      if (parts.length === 1) return e;
      const pieces: A.Expr[] = parts
        .filter((p) => p !== '')
        .map((p) => (p === ITEM || p === ITER ? { kind: 'field', name: p, quoted: false, span: e.span } : { kind: 'string', value: p, span: e.span }));
      // `.` of a number gives its text, so the position reads as 0, 1, 2.
      return pieces.reduce((l, r) => ({ kind: 'binary', op: '.', left: l, right: r, span: e.span }));
    }
    case 'call':
      return { ...e, args: e.args.map(inlinePlaceholders) };
    case 'binary':
      return { ...e, left: inlinePlaceholders(e.left), right: inlinePlaceholders(e.right) };
    case 'unary':
      return { ...e, operand: inlinePlaceholders(e.operand) };
    case 'in':
      return { ...e, operand: inlinePlaceholders(e.operand), values: e.values.map(inlinePlaceholders) };
    default:
      return e;
  }
}
