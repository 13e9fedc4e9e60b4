// `search`: at the start of a pipeline it reads the bound sources (only the sourcetypes the expression can
// match), filters, and puts events newest first (decision D7); later in a pipeline it filters rows.

import type * as A from '../../ast/ast.ts';
import { sqlIdent } from '../../sql/quote.ts';
import { isBuiltIn, jsonPath, scanSql } from '../../sources/scan.ts';
import type { TimeRange } from '../context.ts';
import type { CommandHandler, PipelineBuilder, Relation } from '../pipeline.ts';
import { resolveSearchTime } from '../time.ts';
import { fieldOf, Schema } from '../schema.ts';
import { compileSearch } from '../search.ts';
import type { Field } from '../types.ts';

export const search: CommandHandler<A.SearchCommand> = {
  generating: true,
  compile(cmd, input, b) {
    if (!input) return initialSearch(cmd, b);
    if (!cmd.expr) return input;
    const cond = compileSearch(cmd.expr, { ctx: b.ctx, schema: input.schema });
    return b.add(cmd, `SELECT * FROM ${sqlIdent(input.name)} WHERE ${cond}`, input.schema);
  },
};

/** The fields of raw events: the built-ins plus every field the query names, extracted from the JSON. */
export function eventSchema(b: PipelineBuilder): Schema {
  const cols = b.ctx.columns;
  const fields: Field[] = [
    fieldOf('_time', cols.columnFor('_time'), 'num'),
    fieldOf('_raw', cols.columnFor('_raw'), 'str'),
    fieldOf('sourcetype', cols.columnFor('sourcetype'), 'str'),
    fieldOf('source', cols.columnFor('source'), 'str'),
    fieldOf('index', cols.columnFor('index'), 'str'),
  ];
  for (const name of [...b.eventFields].sort()) {
    if (isBuiltIn(name)) continue;
    fields.push(fieldOf(name, cols.columnFor(name), jsonPath(name).multivalue ? 'mv' : 'str'));
  }
  // After field discovery, a name the query gave that no event has is marked as such (wildcards pass it by).
  const found = b.eventFieldsFound;
  return Schema.of(found ? fields.map((f) => (isBuiltIn(f.name) || found.has(f.name) ? f : { ...f, absent: true })) : fields, true);
}

function initialSearch(cmd: A.SearchCommand, b: PipelineBuilder): Relation {
  const schema = eventSchema(b);
  const extracted = schema.list().filter((f) => !isBuiltIn(f.name));
  const bindings = b.scope.bindings.filter((bd) => !cmd.expr || mayMatchSourcetype(cmd.expr, bd.sourcetype) !== false);
  for (const bd of bindings) b.scope.used.add(bd);
  if (bindings.length === 0) {
    const wanted = cmd.expr ? ' the sourcetypes this search names' : ' any sourcetype';
    b.ctx.warn(`no source is bound to${wanted}; the search returns no events (bind one with --source SOURCETYPE=PATH)`, cmd.span);
  }
  const range = timeRangeOf(cmd.expr, b);
  const scans = bindings.map((bd) => scanSql(bd, extracted.map((f) => ({ name: f.name, column: f.column })), { range, lineOrder: b.eventOrder }));
  const from = scans.length > 0 ? scans.map((s) => `(${s})`).join('\n  UNION ALL BY NAME\n  ') : emptyEvents(schema);
  const scan = b.add(cmd, `SELECT * FROM ${scans.length > 1 ? `(${from})` : from}`, schema, `read ${bindings.map((bd) => bd.sourcetype).join(', ') || 'no source'}`);
  const conds = cmd.expr ? [compileSearch(cmd.expr, { ctx: b.ctx, schema })] : [];
  if (range.earliest !== undefined) conds.unshift(`${sqlIdent('_time')} >= ${range.earliest}`);
  if (range.latest !== undefined) conds.unshift(`${sqlIdent('_time')} < ${range.latest}`);
  const cond = conds.join(' AND ') || 'true';
  // Raw events leave the initial search newest first; ties keep file order (source, line). The order is a
  // sortable key rather than a row number, so that no sort of all events is needed unless a command uses it.
  return b.add(
    cmd,
    `SELECT * EXCLUDE (_dh_line), {'t': coalesce(- ${sqlIdent('_time')}, 'infinity'::DOUBLE), 's': ${sqlIdent('source')}, 'l': _dh_line} AS _dh_seq\n` +
      `FROM ${sqlIdent(scan.name)}\nWHERE ${cond}`,
    schema,
  );
}

/**
 * The time range of an initial search: the time picker's (--earliest/--latest), where `earliest=`/`latest=`
 * terms of the search (at its top level) override it, as in Splunk.
 */
function timeRangeOf(expr: A.SearchExpr | undefined, b: PipelineBuilder): TimeRange {
  const range: TimeRange = { ...b.ctx.options.timeRange };
  const items = expr ? (expr.kind === 'and' ? expr.items : [expr]) : [];
  for (const item of items) {
    if (item.kind !== 'compare' || item.op !== '=') continue;
    const name = item.field.name.toLowerCase();
    if (name !== 'earliest' && name !== 'latest') continue;
    const t = resolveSearchTime(item.value, b.ctx);
    if (name === 'earliest') range.earliest = t;
    else range.latest = t;
  }
  return range;
}

function emptyEvents(schema: Schema): string {
  const cols = schema.list().map((f) => `NULL::${f.type === 'num' ? 'DOUBLE' : f.type === 'mv' ? 'VARCHAR[]' : 'VARCHAR'} AS ${sqlIdent(f.column)}`);
  return `(SELECT ${[...cols, 'NULL::BIGINT AS _dh_line'].join(', ')} WHERE false)`;
}

/**
 * Can this search match events of the sourcetype? false only when certainly not (a `sourcetype=` term that
 * cannot match decides it); the SQL filter still checks every event, this only skips reading files.
 */
export function mayMatchSourcetype(e: A.SearchExpr, sourcetype: string): boolean | undefined {
  const matches = (v: A.SearchValue) => likeMatch(sourcetype.toLowerCase(), v.text.toLowerCase());
  switch (e.kind) {
    case 'compare':
      if (e.field.name !== 'sourcetype') return undefined;
      if (e.op === '=') return matches(e.value);
      if (e.op === '!=') return !matches(e.value);
      return undefined;
    case 'in':
      return e.field.name === 'sourcetype' ? e.values.some(matches) : undefined;
    case 'and': {
      const r = e.items.map((i) => mayMatchSourcetype(i, sourcetype));
      if (r.includes(false)) return false;
      return r.every((x) => x === true) ? true : undefined;
    }
    case 'or': {
      const r = e.items.map((i) => mayMatchSourcetype(i, sourcetype));
      if (r.includes(true)) return true;
      return r.every((x) => x === false) ? false : undefined;
    }
    case 'not': {
      const r = mayMatchSourcetype(e.expr, sourcetype);
      return r === undefined ? undefined : !r;
    }
    default:
      return undefined;
  }
}

/** Wildcard match of a whole string, `*` matching any run (same rule as the SQL ILIKE the filter uses). */
function likeMatch(text: string, pattern: string): boolean {
  const body = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, 's').test(text);
}
