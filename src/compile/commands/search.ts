// `search`: at the start of a pipeline it reads the bound sources (only the sourcetypes the expression can
// match), filters, and puts events newest first (decision D7); later in a pipeline it filters rows.

import type * as A from '../../ast/ast.ts';
import { isKnowledgeField } from '../../knowledge/eventtypes.ts';
import { planProps, propsSql } from '../../knowledge/props.ts';
import { sqlIdent, sqlString, sqlStringList } from '../../sql/quote.ts';
import type { SourceBinding } from '../../sources/catalog.ts';
import { fieldIsMultivalue, isBuiltIn, scanSql } from '../../sources/scan.ts';
import { referencedFieldNames } from '../collect.ts';
import type { TimeRange } from '../context.ts';
import { coerce, unify } from '../expr.ts';
import type { CommandHandler, PipelineBuilder, Relation } from '../pipeline.ts';
import { resolveSearchTime } from '../time.ts';
import { fieldOf, Schema } from '../schema.ts';
import { compileSearch, searchValueMatches } from '../search.ts';
import type { FieldType } from '../types.ts';

export const search: CommandHandler<A.SearchCommand> = {
  generating: true,
  compile(cmd, input, b) {
    if (!input) return initialSearch(cmd, b);
    if (!cmd.expr) return input;
    const cond = compileSearch(cmd.expr, { ctx: b.ctx, schema: input.schema });
    return b.add(cmd, `SELECT * FROM ${sqlIdent(input.name)} WHERE ${cond}`, input.schema);
  },
};

/** Fields every event has, with their shapes. */
const BUILT_IN_TYPES: ReadonlyArray<[string, FieldType]> = [
  ['_time', 'num'],
  ['_raw', 'str'],
  ['sourcetype', 'str'],
  ['source', 'str'],
  ['index', 'str'],
];

/** The shape of a field as a source's scan gives it: JSON arrays (`{}`) and names an XML event repeats are multivalue. */
function scannedType(bd: SourceBinding, field: string): FieldType {
  if (bd.format === 'xml') return bd.repeated?.includes(field) ? 'mv' : 'str';
  if (bd.format === 'text') return 'str';
  return fieldIsMultivalue(field) ? 'mv' : 'str';
}

/**
 * The initial search: each bound source's events are scanned (the fields the query reads, extracted from the
 * JSON), then its props applied (aliases, calculated fields, automatic lookups), the sources unioned, the
 * `eventtype`/`tag` fields computed when the query reads them, and the search's filter applied.
 */
function initialSearch(cmd: A.SearchCommand, b: PipelineBuilder): Relation {
  return readEvents(b, cmd, cmd.expr, { reads: b.eventFields, eventOrder: b.eventOrder });
}

/**
 * The events of the bound sources that `expr` may match, with the fields in `reads` (and those the filter and
 * props need), filtered by `expr` and the time range, newest first. `node` is the command the CTEs are labelled
 * and warnings placed by; `eventOrder` says whether ties in _time must keep file order (see eventOrderMatters).
 */
export function readEvents(b: PipelineBuilder, node: A.Command, expr: A.SearchExpr | undefined, opts: { reads: ReadonlySet<string>; eventOrder: boolean }): Relation {
  const { ctx } = b;
  const k = ctx.options.knowledge;
  // Before a field discovery (pipeline.ts), every field props and event types can give the events is computed, so
  // that the discovery can tell which of them some event has.
  const discovering = b.discovering;
  const bindings = b.scope.bindings.filter((bd) => !expr || mayMatchSource(expr, bd) !== false);
  const computed = discovering ? b.scope.terms.fieldNames() : [...opts.reads].filter(isKnowledgeField).sort();
  // When discovering, only event types and tags whose search can match a source read here (most name a
  // sourcetype) are candidates.
  const possible = (e: A.SearchExpr) => !discovering || bindings.some((bd) => mayMatchSource(e, bd) !== false);
  const knowledge = knowledgeFieldConditions(b, computed, node.span, possible).filter((f) => !discovering || f.values.length > 0);
  const reads = new Set([...opts.reads, ...knowledge.flatMap((f) => [...f.reads])].filter((f) => !isKnowledgeField(f)));
  for (const bd of bindings) b.scope.used.add(bd);
  if (expr) warnUnknownIndexes(expr, b);
  if (bindings.length === 0) {
    const wanted = expr ? ' the sourcetypes and indexes this search names' : ' any sourcetype';
    ctx.warn(`no source is bound to${wanted}; the search returns no events (bind one with --source SOURCETYPE=PATH)`, node.span);
  }
  // A source's own host is set by the scan, like the built-in fields: props do not extract or clear it.
  const fixed = (bd: SourceBinding) => (f: string) => isBuiltIn(f) || (f === 'host' && bd.host !== undefined);
  const plans = bindings.map((bd) => planProps(k, bd, discovering ? 'all' : reads, fixed(bd)));
  for (const problem of plans.flatMap((p) => p.problems)) ctx.warn(problem, node.span);
  // The fields props write are scanned too (a setting may keep the event's own value of one).
  const written = discovering ? plans.flatMap((p) => [...p.writes]) : [];
  if (discovering) {
    b.computedFields = [...new Set([...written, ...knowledge.map((f) => f.name)])];
    b.discoverySources = bindings;
  }
  const extracted = [...new Set([...reads, ...written, ...plans.flatMap((p) => [...p.extract])])].filter((f) => !isBuiltIn(f)).sort();
  const scannedOf = (bd: SourceBinding) => new Map<string, FieldType>([...BUILT_IN_TYPES, ...extracted.map((f): [string, FieldType] => [f, scannedType(bd, f)])]);
  const range = timeRangeOf(expr, b);
  b.timeRange = range;
  // `search … | head N` over datasets only: the engine reads the newest days first (newest.ts).
  const newest = b.isMain ? b.scope.newestFirst : undefined;
  const dayFloor = newest !== undefined && bindings.length > 0 && bindings.every((bd) => bd.dataset !== undefined && bd.partitioned);
  if (newest && dayFloor) newest.floored = true;
  const perSource = bindings.map((bd, i) => {
    const scan = scanSql(bd, extracted.map((name) => ({ name, column: ctx.columns.columnFor(name) })), { range, lineOrder: opts.eventOrder, now: ctx.options.now, dayFloor });
    const props = propsSql(plans[i], `(${scan})`, scannedOf(bd), ctx, k);
    for (const f of props.lookupFiles) b.scope.lookupFiles.add(f);
    return { sql: props.sql === `(${scan})` ? scan : `SELECT * FROM ${props.sql}`, types: props.types };
  });
  // A field props compute in one source (a number, a multivalue) and extract as text in another has one shape.
  const types = new Map(perSource.length > 0 ? perSource[0].types : scannedOf({ format: 'ndjson' } as SourceBinding));
  for (const p of perSource.slice(1)) for (const [f, t] of p.types) types.set(f, types.has(f) && types.get(f) !== t ? unify([types.get(f)!, t]) : t);
  const col = (f: string) => sqlIdent(ctx.columns.columnFor(f));
  const scans = perSource.map((p) => {
    const changed = [...p.types].filter(([f, t]) => types.get(f) !== t);
    if (changed.length === 0) return p.sql;
    return `SELECT * REPLACE (${changed.map(([f, t]) => `${coerce({ sql: col(f), type: t }, types.get(f)!)} AS ${col(f)}`).join(', ')}) FROM (${p.sql})`;
  });
  // After field discovery, a field the query names that no event has is marked so: wildcards pass it by.
  const found = b.eventFieldsFound;
  const absent = (f: string) => found !== undefined && !isBuiltIn(f) && !found.has(f);
  const schema = Schema.of(
    [...types].map(([f, t]) => ({ ...fieldOf(f, ctx.columns.columnFor(f), t), ...(absent(f) ? { absent: true } : {}) })),
    true,
  );
  const from = scans.length > 0 ? scans.map((s) => `(${s})`).join('\n  UNION ALL BY NAME\n  ') : emptyEvents(schema);
  let rel = b.add(node, `SELECT * FROM ${scans.length > 1 ? `(${from})` : from}`, schema, `read ${bindings.map((bd) => bd.sourcetype).join(', ') || 'no source'}`);
  if (knowledge.length > 0) rel = addKnowledgeFields(b, node, rel, knowledge);
  const conds = expr ? [compileSearch(expr, { ctx, schema: rel.schema })] : [];
  if (range.earliest !== undefined) conds.unshift(`${sqlIdent('_time')} >= ${range.earliest}`);
  if (range.latest !== undefined) conds.unshift(`${sqlIdent('_time')} < ${range.latest}`);
  const cond = conds.join(' AND ') || 'true';
  // Raw events leave the initial search newest first; ties keep file order (source, line). The order is a
  // sortable key rather than a row number, so that no sort of all events is needed unless a command uses it.
  return b.add(
    node,
    `SELECT * EXCLUDE (_dh_line), {'t': coalesce(- ${sqlIdent('_time')}, 'infinity'::DOUBLE), 's': ${sqlIdent('source')}, 'l': _dh_line} AS _dh_seq\n` +
      `FROM ${sqlIdent(rel.name)}\nWHERE ${cond}`,
    rel.schema,
  );
}

interface KnowledgeField {
  name: string;
  /** One SQL value per event type or tagged pair, each a list or null; the field is their union. */
  values: Array<{ expr: A.SearchExpr; value: string }>;
  reads: Set<string>;
}

/** What `eventtype`, `tag` and `tag::field` hold: the event types (tags) whose search matches the event. */
function knowledgeFieldConditions(b: PipelineBuilder, names: string[], span: A.Node['span'], keep: (e: A.SearchExpr) => boolean): KnowledgeField[] {
  return names.map((name) => {
    const values = (
      name === 'eventtype'
        ? b.scope.terms.eventtypeConditions(span).map((c) => ({ expr: c.expr, value: `[${sqlString(c.name)}]` }))
        : b.scope.terms.tagConditions(span, name === 'tag' ? undefined : name.slice('tag::'.length)).map((c) => ({ expr: c.expr, value: sqlStringList(c.tags) }))
    ).filter((v) => keep(v.expr));
    return { name, values, reads: referencedFieldNames(values.map((v) => v.expr)) };
  });
}

function addKnowledgeFields(b: PipelineBuilder, cmd: A.Command, input: Relation, fields: KnowledgeField[]): Relation {
  let schema = input.schema;
  const cols = fields.map((f) => {
    const parts = f.values.map((v) => `CASE WHEN ${compileSearch(v.expr, { ctx: b.ctx, schema: input.schema })} THEN ${v.value} END`);
    // Event types are listed by priority then name (as given); tags sorted, each once.
    const list = parts.length === 0 ? 'NULL::VARCHAR[]' : `flatten(list_filter([${parts.join(', ')}], lambda dh_x: dh_x IS NOT NULL))`;
    const value = f.name === 'eventtype' ? `dh_mv(${list})` : `dh_mv(list_sort(list_distinct(${list})))`;
    const column = b.ctx.columns.columnFor(f.name);
    schema = schema.with(fieldOf(f.name, column, 'mv'));
    return `${value} AS ${sqlIdent(column)}`;
  });
  return b.add(cmd, `SELECT *, ${cols.join(',\n       ')}\nFROM ${sqlIdent(input.name)}`, schema, `eventtype and tag fields: ${fields.map((f) => f.name).join(', ')}`);
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

/**
 * The fields that say which source an event comes from, and each binding's values of them: `source` is the
 * binding's own source value, else known when the binding names its NDJSON files without wildcards (each file's
 * path is its events' source).
 */
const SOURCE_FIELDS: Record<string, (bd: SourceBinding) => string[] | undefined> = {
  sourcetype: (bd) => [bd.sourcetype],
  index: (bd) => [bd.index],
  host: (bd) => (bd.host !== undefined ? [bd.host] : undefined),
  source: (bd) => (bd.source !== undefined ? [bd.source] : bd.format === 'ndjson' && bd.paths.every((p) => !/[*?[{]/.test(p)) ? bd.paths : undefined),
};

/**
 * Can this search match events of the binding? false only when certainly not (a `sourcetype=`, `index=` or
 * `source=` term that cannot match decides it); the SQL filter still checks every event, this only skips reading
 * files.
 */
export function mayMatchSource(e: A.SearchExpr, bd: SourceBinding): boolean | undefined {
  const valuesOf = (field: A.FieldRef) => SOURCE_FIELDS[field.name]?.(bd);
  // With several files (several values), `=` may match when one does and `!=` when one does not.
  const matches = (values: string[], v: A.SearchValue) => values.some((value) => searchValueMatches(value, v.text));
  const misses = (values: string[], v: A.SearchValue) => values.some((value) => !searchValueMatches(value, v.text));
  switch (e.kind) {
    case 'compare': {
      const values = valuesOf(e.field);
      if (values === undefined) return undefined;
      if (e.op === '=') return matches(values, e.value) ? (values.length === 1 ? true : undefined) : false;
      if (e.op === '!=') return misses(values, e.value) ? (values.length === 1 ? true : undefined) : false;
      return undefined;
    }
    case 'in': {
      const values = valuesOf(e.field);
      if (values === undefined) return undefined;
      return e.values.some((v) => matches(values, v)) ? (values.length === 1 ? true : undefined) : false;
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
    case 'term':
      // `*` matches every event (so `NOT *`, what an undefined event type stands for, matches none).
      return e.value.text === '*' ? true : undefined;
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
    if (indexes.some((ix) => searchValueMatches(ix, v.text))) continue;
    b.ctx.warn(
      `index=${v.text} matches no bound source, so it matches no event (indexes bound: ${indexes.join(', ') || 'none'}; give a source an index with --source SOURCETYPE@INDEX=PATH or "index" in the config)`,
      v.span,
    );
  }
}
