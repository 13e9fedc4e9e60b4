// `search`: at the start of a pipeline it reads the bound sources (only the sourcetypes the expression can
// match), filters, and puts events newest first (decision D7); later in a pipeline it filters rows.

import type * as A from '../../ast/ast.ts';
import { sqlIdent } from '../../sql/quote.ts';
import type { SourceBinding } from '../../sources/catalog.ts';
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
  return Schema.of(fields, true);
}

function initialSearch(cmd: A.SearchCommand, b: PipelineBuilder): Relation {
  const schema = eventSchema(b);
  const extracted = schema.list().filter((f) => !isBuiltIn(f.name));
  const bindings = b.scope.bindings.filter((bd) => !cmd.expr || mayMatchSource(cmd.expr, bd) !== false);
  for (const bd of bindings) b.scope.used.add(bd);
  if (cmd.expr) warnUnknownIndexes(cmd.expr, b);
  if (bindings.length === 0) {
    const wanted = cmd.expr ? ' the sourcetypes and indexes this search names' : ' any sourcetype';
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
 * The time range of an initial search: the time picker's (--earliest/--latest), unless the search has
 * `earliest=`/`latest=` terms at its top level: those replace the picker's whole range, a missing latest being
 * now and a missing earliest the beginning of time (decision X15; Splunk's time modifiers override the Time
 * Range Picker, and latest defaults to now).
 */
function timeRangeOf(expr: A.SearchExpr | undefined, b: PipelineBuilder): TimeRange {
  const own: TimeRange = {};
  let bounded = false;
  const items = expr ? (expr.kind === 'and' ? expr.items : [expr]) : [];
  for (const item of items) {
    if (item.kind !== 'compare' || item.op !== '=') continue;
    const name = item.field.name.toLowerCase();
    if (name !== 'earliest' && name !== 'latest') continue;
    own[name] = resolveSearchTime(item.value, b.ctx);
    bounded = true;
  }
  if (!bounded) return { ...b.ctx.options.timeRange };
  return { earliest: own.earliest, latest: own.latest ?? b.ctx.options.now };
}

function emptyEvents(schema: Schema): string {
  const cols = schema.list().map((f) => `NULL::${f.type === 'num' ? 'DOUBLE' : f.type === 'mv' ? 'VARCHAR[]' : 'VARCHAR'} AS ${sqlIdent(f.column)}`);
  return `(SELECT ${[...cols, 'NULL::BIGINT AS _dh_line'].join(', ')} WHERE false)`;
}

/** The fields that say which source an event comes from, and each binding's value of them. */
const SOURCE_FIELDS: Record<string, (bd: SourceBinding) => string> = { sourcetype: (bd) => bd.sourcetype, index: (bd) => bd.index };

/**
 * Can this search match events of the binding? false only when certainly not (a `sourcetype=` or `index=` term
 * that cannot match decides it); the SQL filter still checks every event, this only skips reading files.
 */
export function mayMatchSource(e: A.SearchExpr, bd: SourceBinding): boolean | undefined {
  const valueOf = (field: A.FieldRef) => SOURCE_FIELDS[field.name]?.(bd);
  const matches = (value: string, v: A.SearchValue) => likeMatch(value.toLowerCase(), v.text.toLowerCase());
  switch (e.kind) {
    case 'compare': {
      const value = valueOf(e.field);
      if (value === undefined) return undefined;
      if (e.op === '=') return matches(value, e.value);
      if (e.op === '!=') return !matches(value, e.value);
      return undefined;
    }
    case 'in': {
      const value = valueOf(e.field);
      return value === undefined ? undefined : e.values.some((v) => matches(value, v));
    }
    case 'and': {
      const r = e.items.map((i) => mayMatchSource(i, bd));
      if (r.includes(false)) return false;
      return r.every((x) => x === true) ? true : undefined;
    }
    case 'or': {
      const r = e.items.map((i) => mayMatchSource(i, bd));
      if (r.includes(true)) return true;
      return r.every((x) => x === false) ? false : undefined;
    }
    case 'not': {
      const r = mayMatchSource(e.expr, bd);
      return r === undefined ? undefined : !r;
    }
    default:
      return undefined;
  }
}

/** `index=X` naming no bound source's index matches nothing: say so (a misspelt index is otherwise silent). */
function warnUnknownIndexes(e: A.SearchExpr, b: PipelineBuilder): void {
  const values = (x: A.SearchExpr): A.SearchValue[] => {
    switch (x.kind) {
      case 'compare':
        return x.field.name === 'index' && (x.op === '=' || x.op === '!=') ? [x.value] : [];
      case 'in':
        return x.field.name === 'index' ? x.values : [];
      case 'and':
      case 'or':
        return x.items.flatMap(values);
      case 'not':
        return values(x.expr);
      default:
        return [];
    }
  };
  const indexes = [...new Set(b.scope.bindings.map((bd) => bd.index))].sort();
  for (const v of values(e)) {
    if (indexes.some((ix) => likeMatch(ix.toLowerCase(), v.text.toLowerCase()))) continue;
    b.ctx.warn(
      `index=${v.text} matches no bound source, so it matches no event (indexes bound: ${indexes.join(', ') || 'none'}; give a source an index with --source SOURCETYPE@INDEX=PATH or "index" in the config)`,
      v.span,
    );
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
