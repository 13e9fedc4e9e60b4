// `stats` / `eventstats` / `streamstats` and their aggregation functions (one registry entry each).
//
// stats: rows whose BY values include a null are dropped; a multivalue BY field contributes one group per value;
// output rows are the groups sorted by their BY values (numbers numerically before other strings, strings by
// bytes); without BY there is exactly one row, even on no input. values() is distinct and sorted by bytes,
// list() keeps input order and the first 100 values, first()/last() follow input order,
// earliest()/latest() follow _time.

import type * as A from '../../ast/ast.ts';
import { sqlIdent } from '../../sql/quote.ts';
import type { CompileContext } from '../context.ts';
import { convert, ExprCompiler } from '../expr.ts';
import { once } from '../once.ts';
import type { CommandHandler, PipelineBuilder } from '../pipeline.ts';
import { referencedFieldNames } from '../collect.ts';
import { optionExpr } from '../option-expr.ts';
import { splitByFields } from '../groups.ts';
import { fieldOf, Schema } from '../schema.ts';
import type { Field, FieldType, TypedSql } from '../types.ts';
import { isWildcard, matchingFields, rejectWildcard, renamer } from '../wildcard.ts';

/** An aggregation's input: the field's value (or an eval expression), and the row-order/time columns. */
interface AggInput {
  value: TypedSql;
  /** Every value as a list of strings (each value of a multivalue, none for null). */
  list: string;
  time: string | undefined;
  /** Wraps an aggregate call: identity for stats, adds the OVER clause for streamstats. */
  w: (call: string) => string;
}

interface Aggregate {
  /** Whether the function takes a field (count may go without). */
  arg: 'none' | 'optional' | 'required';
  sql(input: AggInput | undefined, agg: A.Aggregation, ctx: CompileContext, w: (call: string) => string): TypedSql;
}

const num = (sql: string): TypedSql => ({ sql, type: 'num' });
const str = (sql: string): TypedSql => ({ sql, type: 'str' });
const mv = (sql: string): TypedSql => ({ sql, type: 'mv' });

/**
 * The non-null values of a single-valued input as a flat list (null when there are none), optionally in row
 * order: collected as they are, since a list of one-element lists costs a list per row in the group state.
 */
const scalarValues = (i: AggInput, sql: string, order = '') => i.w(`list(${sql}${order}) FILTER (WHERE ${sql} IS NOT NULL)`);
const isScalar = (i: AggInput) => i.value.type === 'str' || i.value.type === 'num';

/** All values flattened to a list of strings, nulls dropped. */
const allValues = (i: AggInput) =>
  isScalar(i) ? scalarValues(i, convert.str(i.value)) : `list_filter(flatten(${i.w(`list(${i.list})`)}), lambda dh_v: dh_v IS NOT NULL)`;
/** All numeric values as DOUBLEs. */
const numbers = (i: AggInput) =>
  i.value.type === 'num' ? scalarValues(i, i.value.sql) : `list_filter(list_transform(${allValues(i)}, lambda dh_v: dh_num(dh_v)), lambda dh_n: dh_n IS NOT NULL)`;

/**
 * Each row's numeric value when the input is single-valued (a number, or text that dh_num reads): what a native
 * aggregate (sum, avg, min…) can take, whose state is a few numbers that DuckDB can spill, where a list of every
 * value per group cannot be (bench/NOTES.md, "100 M events"). Undefined for multivalue and boolean inputs.
 */
const rowNumber = (i: AggInput): string | undefined => (i.value.type === 'num' ? i.value.sql : i.value.type === 'str' ? `dh_num(${i.value.sql})` : undefined);

/** A numeric aggregate: the native `native(n)` over single-valued inputs, else `listed(list of the numbers)`. */
const numeric = (native: (n: string) => string, listed: (numbers: string) => string): Aggregate => ({
  arg: 'required',
  sql: (i) => {
    const n = rowNumber(i!);
    return num(n !== undefined ? i!.w(native(n)) : listed(numbers(i!)));
  },
});

/**
 * perc/p/exactperc/upperperc N and median (N=50), by Splunk's limits.conf `[stats] perc_method` (decision X8):
 * nearest-rank (the default) is the value of 0-based rank floor(N/100 × count) of the sorted values (median of
 * 1,2,3,4 is 3); interpolated takes F = N/100 × (count − 1) and interpolates between ranks floor(F) and ceil(F)
 * (quantile_cont). N is kept as an exact fraction so that e.g. p29 of 100 values is rank 29, not 28.999….
 * DuckDB computes exactly at any size: Splunk's perc and upperperc approximate above 1,000 distinct values
 * (within 1% of rank), so exact values lie within their bounds, and upperperc of fewer values equals perc.
 */
function percentile(n: string): Aggregate {
  const decimals = n.split('.')[1]?.length ?? 0;
  const numerator = n.replace('.', '').replace(/^0+(?=\d)/, '');
  const denominator = `100${'0'.repeat(decimals)}`;
  return {
    arg: 'required',
    sql: (i, _a, ctx) =>
      ctx.options.percMethod === 'interpolated'
        ? num(`list_aggregate(${numbers(i!)}, 'quantile_cont', ${Number(n) / 100})`)
        : num(once(`list_sort(${numbers(i!)})`, (l) => `${l}[CAST(least(${numerator}::HUGEINT * len(${l}) // ${denominator} + 1, len(${l})) AS BIGINT)]`)),
  };
}

const DC: Aggregate = {
  arg: 'required',
  // Distinct string values; a native DISTINCT aggregate (which can spill) unless values are multivalue.
  sql: (i) =>
    i!.value.type === 'mv'
      ? num(`CAST(len(list_distinct(${allValues(i!)})) AS DOUBLE)`)
      : num(`CAST(${i!.w(`count(DISTINCT ${convert.str(i!.value)})`)} AS DOUBLE)`),
};

const AGGREGATES: ReadonlyMap<string, Aggregate> = new Map<string, Aggregate>([
  [
    'count',
    {
      arg: 'optional',
      sql: (i, _a, _ctx, w) => {
        if (!i) return num(`CAST(${w('count(*)')} AS DOUBLE)`);
        if (i.value.type === 'bool') return num(`CAST(${w(`count(*) FILTER (WHERE ${i.value.sql})`)} AS DOUBLE)`);
        if (i.value.type === 'mv') return num(`CAST(coalesce(${w(`sum(len(${i.value.sql}))`)}, 0) AS DOUBLE)`);
        return num(`CAST(${w(`count(${i.value.sql})`)} AS DOUBLE)`);
      },
    },
  ],
  ['dc', DC],
  [
    'values',
    {
      arg: 'required',
      // Numbers stay DOUBLEs in the group's state (8 bytes, no text per row) and become text once per distinct
      // value; two numbers may print alike (0 and -0), hence the second list_distinct.
      sql: (i) =>
        mv(
          i!.value.type === 'num'
            ? `dh_mv(list_sort(list_distinct(list_transform(list_distinct(${scalarValues(i!, i!.value.sql)}), lambda dh_v: dh_str(dh_v)))))`
            : `dh_mv(list_sort(list_distinct(${allValues(i!)})))`,
        ),
    },
  ],
  [
    'list',
    {
      arg: 'required',
      sql: (i) =>
        mv(
          isScalar(i!)
            ? `dh_mv(${scalarValues(i!, convert.str(i!.value), ' ORDER BY _dh_seq')}[1:100])`
            : `dh_mv(list_filter(flatten(${i!.w(`list(${i!.list} ORDER BY _dh_seq)`)}), lambda dh_v: dh_v IS NOT NULL)[1:100])`,
        ),
    },
  ],
  ['sum', numeric((n) => `sum(${n})`, (l) => `list_sum(${l})`)],
  ['avg', numeric((n) => `avg(${n})`, (l) => `list_avg(${l})`)],
  [
    'min',
    {
      arg: 'required',
      // Numbers sort before strings: the smallest number if there is one, else the smallest string.
      sql: (i) =>
        i!.value.type === 'num'
          ? num(i!.w(`min(${i!.value.sql})`))
          : i!.value.type === 'str'
            ? str(`coalesce(dh_str(${i!.w(`min(${rowNumber(i!)})`)}), ${i!.w(`min(${i!.value.sql}) FILTER (WHERE ${rowNumber(i!)} IS NULL)`)})`)
            : str(`coalesce(dh_str(list_min(${numbers(i!)})), list_min(list_filter(${allValues(i!)}, lambda dh_v: dh_num(dh_v) IS NULL)))`),
    },
  ],
  [
    'max',
    {
      arg: 'required',
      // Strings sort after numbers: the largest string if there is one, else the largest number.
      sql: (i) =>
        i!.value.type === 'num'
          ? num(i!.w(`max(${i!.value.sql})`))
          : i!.value.type === 'str'
            ? str(`coalesce(${i!.w(`max(${i!.value.sql}) FILTER (WHERE ${rowNumber(i!)} IS NULL)`)}, dh_str(${i!.w(`max(${rowNumber(i!)})`)}))`)
            : str(`coalesce(list_max(list_filter(${allValues(i!)}, lambda dh_v: dh_num(dh_v) IS NULL)), dh_str(list_max(${numbers(i!)})))`),
    },
  ],
  [
    'range',
    {
      arg: 'required',
      sql: (i) => {
        const n = rowNumber(i!);
        return num(n !== undefined ? `(${i!.w(`max(${n})`)} - ${i!.w(`min(${n})`)})` : `(list_max(${numbers(i!)}) - list_min(${numbers(i!)}))`);
      },
    },
  ],
  ['median', percentile('50')],
  ['stdev', numeric((n) => `stddev_samp(${n})`, (l) => `list_aggregate(${l}, 'stddev_samp')`)],
  ['stdevp', numeric((n) => `stddev_pop(${n})`, (l) => `list_aggregate(${l}, 'stddev_pop')`)],
  ['var', numeric((n) => `var_samp(${n})`, (l) => `list_aggregate(${l}, 'var_samp')`)],
  ['varp', numeric((n) => `var_pop(${n})`, (l) => `list_aggregate(${l}, 'var_pop')`)],
  ['sumsq', numeric((n) => `sum(${n} * ${n})`, (l) => `list_sum(list_transform(${l}, lambda dh_n: dh_n * dh_n))`)],
  ['mode', { arg: 'required', sql: (i) => str(`list_aggregate(${allValues(i!)}, 'mode')`) }],
  ['first', { arg: 'required', sql: (i) => typed(i!, i!.w(`arg_min(${i!.value.sql}, _dh_seq) FILTER (WHERE ${i!.value.sql} IS NOT NULL)`)) }],
  ['last', { arg: 'required', sql: (i) => typed(i!, i!.w(`arg_max(${i!.value.sql}, _dh_seq) FILTER (WHERE ${i!.value.sql} IS NOT NULL)`)) }],
  ['earliest', { arg: 'required', sql: (i, a, ctx) => typed(i!, i!.w(`arg_min(${i!.value.sql}, ${timeOf(i!, a, ctx)}) FILTER (WHERE ${i!.value.sql} IS NOT NULL)`)) }],
  ['latest', { arg: 'required', sql: (i, a, ctx) => typed(i!, i!.w(`arg_max(${i!.value.sql}, ${timeOf(i!, a, ctx)}) FILTER (WHERE ${i!.value.sql} IS NOT NULL)`)) }],
  ['earliest_time', { arg: 'required', sql: (i, a, ctx) => num(i!.w(`min(${timeOf(i!, a, ctx)}) FILTER (WHERE ${i!.value.sql} IS NOT NULL)`)) }],
  ['latest_time', { arg: 'required', sql: (i, a, ctx) => num(i!.w(`max(${timeOf(i!, a, ctx)}) FILTER (WHERE ${i!.value.sql} IS NOT NULL)`)) }],
]);

const ALIASES: Record<string, string> = { distinct_count: 'dc', estdc: 'dc', c: 'count', mean: 'avg' };

function typed(i: AggInput, sql: string): TypedSql {
  return { sql, type: i.value.type === 'bool' ? 'str' : i.value.type };
}

function timeOf(i: AggInput, a: A.Aggregation, ctx: CompileContext): string {
  if (!i.time) throw ctx.error('compile_error', `${a.func}() needs _time, which these rows no longer have`, a.funcSpan);
  return i.time;
}

/** Whether `func` is a stats function duckhunt implements (an alias or a percentile counts). */
export const isAggregate = (func: string): boolean => lookupAggregate(func) !== undefined;

function lookupAggregate(func: string): { agg: Aggregate; name: string } | undefined {
  const name = ALIASES[func] ?? func;
  const direct = AGGREGATES.get(name);
  if (direct) return { agg: direct, name };
  const p = /^(?:perc|p|exactperc|upperperc)(\d+(?:\.\d+)?)$/.exec(name);
  if (p && Number(p[1]) <= 100) return { agg: percentile(p[1]), name };
  return undefined;
}

/** The output field name Splunk gives an aggregation without AS: `count`, `values(x)`, `count(eval(…))`. */
function defaultName(a: A.Aggregation, b: PipelineBuilder): string {
  if (!a.arg) return a.func;
  if (a.arg.kind === 'field') return `${a.func}(${a.arg.field.name})`;
  return b.ctx.expansion.text.slice(a.span.start, a.span.end).replace(/\s+as\s+.*$/i, '');
}

export interface CompiledAgg {
  name: string;
  sql: TypedSql;
}

/**
 * The aggregations with wildcard fields expanded: `values(*) AS *` is `values(f) AS f` for every field f of the
 * rows the pattern selects (wildcard.ts), except the BY fields and the names other aggregations of the command
 * give their results (`min(firstTime) AS firstTime values(*) AS *`: the named one wins), decision X27; without AS
 * each is `values(f)`.
 */
function expandWildcards(cmd: AggregatingCommand, schema: Schema, b: PipelineBuilder): A.Aggregation[] {
  cmd.by.forEach((f) => rejectWildcard(f.name, 'BY', b.ctx, f.span));
  const isPattern = (a: A.Aggregation) => a.arg?.kind === 'field' && isWildcard(a.arg.field.name);
  const taken = new Set([...cmd.by.map((f) => f.name), ...cmd.aggregations.filter((a) => !isPattern(a)).map((a) => a.as?.name ?? defaultName(a, b))]);
  return cmd.aggregations.flatMap((a) => {
    if (a.arg?.kind !== 'field' || !isPattern(a)) return [a];
    const pattern = a.arg.field;
    const target = a.as ? renamer(pattern.name, a.as.name, b.ctx, a.span) : undefined;
    return matchingFields(schema.list(), pattern.name)
      .filter((f) => !cmd.by.some((k) => k.name === f.name))
      .map((f): A.Aggregation => ({
        ...a,
        arg: { kind: 'field', field: { name: f.name, span: pattern.span } },
        as: a.as && target ? { name: target(f.name)!, span: a.as.span } : undefined,
      }))
      .filter((x) => !taken.has(x.as?.name ?? defaultName(x, b)));
  });
}

/** A command with aggregations (stats and its kin, chart, timechart). */
export type AggregatingCommand = { command: string; aggregations: A.Aggregation[]; by: A.FieldRef[] };

export function compileAggregations(cmd: AggregatingCommand, schema: Schema, b: PipelineBuilder, w: (call: string) => string = (c) => c): CompiledAgg[] {
  const exprs = new ExprCompiler(b.ctx, schema);
  const time = schema.get('_time');
  const names = new Set<string>();
  const aggregations = expandWildcards(cmd, schema, b);
  // Fields whose values() the command collects as text anyway: their dc() counts that list (DuckDB computes an
  // aggregate written twice once) instead of a DISTINCT aggregate of its own.
  const fieldOfAgg = (a: A.Aggregation) => (a.arg?.kind === 'field' ? a.arg.field.name : undefined);
  const valuesOf = new Set(aggregations.filter((a) => a.func.toLowerCase() === 'values').map(fieldOfAgg));
  return aggregations.map((a) => {
    const found = lookupAggregate(a.func);
    if (!found) throw b.ctx.unsupported(`${cmd.command} function '${a.func}()'`, a.funcSpan, 'see the README for the aggregations duckhunt implements');
    if (found.agg.arg === 'required' && !a.arg) throw b.ctx.error('compile_error', `${a.func}() needs a field, e.g. ${a.func}(user)`, a.span);
    if (found.agg.arg === 'none' && a.arg) throw b.ctx.error('compile_error', `${a.func} takes no field`, a.span);
    let input: AggInput | undefined;
    if (a.arg) {
      let value: TypedSql;
      if (a.arg.kind === 'eval') {
        value = exprs.any(a.arg.expr);
      } else {
        const f = schema.get(a.arg.field.name);
        value = f ? { sql: sqlIdent(f.column), type: f.type } : { sql: 'NULL::VARCHAR', type: 'str' };
      }
      input = { value, list: value.type === 'bool' ? `CASE WHEN ${value.sql} THEN ['True'] END` : convert.list(value), time: time ? convert.num({ sql: sqlIdent(time.column), type: time.type }) : undefined, w };
    }
    const name = a.as?.name ?? defaultName(a, b);
    if (names.has(name)) throw b.ctx.error('compile_error', `two aggregations of this ${cmd.command} are both named '${name}'`, a.span, 'rename one with AS');
    names.add(name);
    if (found.agg === DC && input && input.value.type !== 'num' && fieldOfAgg(a) !== undefined && valuesOf.has(fieldOfAgg(a))) {
      return { name, sql: num(`CAST(coalesce(len(list_distinct(${allValues(input)})), 0) AS DOUBLE)`) };
    }
    return { name, sql: found.agg.sql(input, a, b.ctx, w) };
  });
}

/** Ordering of group keys: numbers numerically first, then strings by bytes. */
export function sortKeySql(f: Field, descending = false): string {
  const col = sqlIdent(f.column);
  if (f.type === 'num') return `${col} ${descending ? 'DESC' : 'ASC'} NULLS LAST`;
  const s = f.type === 'mv' ? `array_to_string(${col}, chr(10))` : col;
  const dir = descending ? 'DESC' : 'ASC';
  return `(${s} IS NULL), (dh_num(${s}) IS NULL) ${dir}, dh_num(${s}) ${dir}, ${s} ${dir}`;
}

/**
 * The order of stats output rows (by-field values ascending, numbers before text, as sortKeySql) as a sortable
 * struct of non-null members, not a row number: a row number sorts every group, even when a later `where` keeps
 * a few of them and nothing after reads the order (bench/RESULTS.md).
 */
function groupOrderKey(by: Field[]): string {
  const members = by.flatMap((f, k) => {
    const col = sqlIdent(f.column);
    if (f.type === 'num') return [`'n${k}': ${col} IS NULL`, `'v${k}': coalesce(${col}, 0)`];
    return [`'n${k}': ${col} IS NULL`, `'t${k}': dh_num(${col}) IS NULL`, `'v${k}': coalesce(dh_num(${col}), 0)`, `'s${k}': coalesce(${col}, '')`];
  });
  return `{${members.join(', ')}}`;
}

function checkOptions(cmd: A.StatsCommand, b: PipelineBuilder, allowed: string[]): Map<string, A.CommandOption> {
  const map = new Map<string, A.CommandOption>();
  for (const o of cmd.options) {
    const n = o.name.toLowerCase();
    if (!allowed.includes(n)) throw b.ctx.unsupported(`${cmd.command} option '${o.name}'`, o.span);
    map.set(n, o);
  }
  return map;
}

export const stats: CommandHandler<A.StatsCommand> = {
  compile(cmd, input, b) {
    if (cmd.command === 'eventstats') return eventstats(cmd, input!.name, input!.schema, b);
    if (cmd.command === 'streamstats') return streamstats(cmd, input!.name, input!.schema, b);
    const opts = checkOptions(cmd, b, ['dedup_splitvals']);
    const dedupSplit = ['true', 't', '1'].includes(opts.get('dedup_splitvals')?.value.toLowerCase() ?? 'false');
    const schema = input!.schema;
    const by = cmd.by.map((f) => schema.get(f.name) ?? fieldOf(f.name, b.ctx.columns.columnFor(f.name), 'str'));
    const missing = cmd.by.filter((f) => !schema.get(f.name));
    if (missing.length > 0) {
      // A BY field no row has: every row is dropped (null BY value), as in Splunk.
      b.ctx.warn(`BY field '${missing[0].name}' does not exist here, so no row has a value for it and the result is empty`, missing[0].span);
    }
    // A row is split into one row per value of a multivalue BY field; what an aggregation of that same field sees
    // in each group (the value or the whole multivalue) is not documented, so it is refused rather than guessed.
    for (const a of cmd.aggregations) {
      const arg = a.arg?.kind === 'field' ? a.arg.field : undefined;
      const f = arg && !arg.name.includes('*') ? schema.get(arg.name) : undefined;
      if (f?.type === 'mv' && by.some((x) => x.name === f.name)) {
        throw b.ctx.unsupported(`${cmd.command} ${a.func}(${f.name}) BY the multivalue field ${f.name}`, a.span, `aggregate a copy: eval ${f.name}_all=${f.name} | stats ${a.func}(${f.name}_all) by ${f.name}`);
      }
    }
    const aggs = compileAggregations(cmd, schema, b);
    // The missing BY fields are null columns, so that the (empty) grouping still binds; then one row per value of
    // multivalue BY fields, rows with a null BY value dropped.
    const absent = by.filter((f) => !schema.get(f.name));
    const outBy = by.map((f) => (f.type === 'mv' ? { ...f, type: 'str' as FieldType } : f));
    const groupCols = outBy.map((f) => sqlIdent(f.column));
    const aggCols = aggs.map((a) => `${a.sql.sql} AS ${sqlIdent(b.ctx.columns.columnFor(a.name))}`);
    const seq = outBy.length > 0 ? groupOrderKey(outBy) : '1';
    // The step over its input rows (the pipeline's relation, or the table the engine fills with them to run the
    // groups in passes: PipelineBuilder.passesFilter).
    const over = (rows: string, where: string) => {
      const withAbsent = absent.length > 0 ? `(SELECT *, ${absent.map((f) => `NULL::VARCHAR AS ${sqlIdent(f.column)}`).join(', ')} FROM ${rows})` : rows;
      const from = splitByFields(withAbsent, by.filter((f) => schema.get(f.name)), dedupSplit).from;
      return (
        `SELECT ${[...groupCols, ...aggCols, `${seq} AS _dh_seq`].join(',\n       ')}\n` +
        `FROM ${from}\nWHERE ${where}` +
        (groupCols.length > 0 ? `\nGROUP BY ${groupCols.join(', ')}` : '')
      );
    };
    const where = missing.length > 0 ? 'false' : b.passesFilter(cmd, groupCols, input!, over);
    const sql = over(sqlIdent(input!.name), where);
    const fields = [...outBy, ...aggs.map((a) => fieldOf(a.name, b.ctx.columns.columnFor(a.name), a.sql.type === 'bool' ? 'str' : a.sql.type))];
    return b.add(cmd, sql, Schema.of(fields, false));
  },
};

/**
 * eventstats: the stats of each row's group written onto the row; every row is kept, in order. Computed as the
 * grouped stats joined back on the BY fields (a row with a null BY value belongs to no group).
 */
function eventstats(cmd: A.StatsCommand, inputName: string, schema: Schema, b: PipelineBuilder) {
  checkOptions(cmd, b, []);
  const by = cmd.by.map((f) => {
    const field = schema.get(f.name);
    if (field?.type === 'mv') throw b.ctx.unsupported('eventstats BY a multivalue field', f.span);
    return field;
  });
  const aggs = compileAggregations(cmd, schema, b);
  const present = by.filter((f): f is Field => f !== undefined);
  const groupCols = present.map((f) => sqlIdent(f.column));
  const aggCols = aggs.map((a, i) => `${a.sql.sql} AS dh_agg_${i}`);
  const grouped =
    `SELECT ${[...groupCols, ...aggCols].join(', ')} FROM ${sqlIdent(inputName)}` +
    (by.some((f) => f === undefined) ? ' WHERE false' : groupCols.length ? ` WHERE ${groupCols.map((c) => `${c} IS NOT NULL`).join(' AND ')} GROUP BY ${groupCols.join(', ')}` : '');
  let out = schema;
  const excluded: string[] = [];
  const cols: string[] = [];
  aggs.forEach((a, i) => {
    const existing = schema.get(a.name);
    const column = existing?.column ?? b.ctx.columns.columnFor(a.name);
    if (existing) excluded.push(sqlIdent(column));
    cols.push(`g.dh_agg_${i} AS ${sqlIdent(column)}`);
    out = out.with(fieldOf(a.name, column, a.sql.type === 'bool' ? 'str' : a.sql.type));
  });
  const on = groupCols.length ? groupCols.map((c) => `m.${c} = g.${c}`).join(' AND ') : 'true';
  const sql =
    `SELECT m.*${excluded.length ? ` EXCLUDE (${excluded.join(', ')})` : ''}, ${cols.join(', ')}\n` +
    `FROM ${sqlIdent(inputName)} AS m\nLEFT JOIN (${grouped}) AS g ON ${on}`;
  return b.add(cmd, sql, out);
}

/**
 * streamstats: running aggregates in row order. `window=N` limits them to the last N events: with the default
 * global=true one window over all events, each event's statistics taken over the events of its group inside it;
 * global=false keeps a window per group. `current=false` leaves the event itself out. `reset_before=(expr)`,
 * `reset_after=(expr)` and `reset_on_change=true` (the BY values differ from the previous event's that has them
 * all) start everything afresh, windows included.
 */
function streamstats(cmd: A.StatsCommand, inputName: string, schema: Schema, b: PipelineBuilder) {
  const opts = checkOptions(cmd, b, ['window', 'current', 'global', 'reset_on_change', 'reset_before', 'reset_after', 'time_window']);
  const flag = (name: string, dflt: boolean) => {
    const o = opts.get(name);
    if (!o) return dflt;
    const v = o.value.toLowerCase();
    if (['true', 't', '1'].includes(v)) return true;
    if (['false', 'f', '0'].includes(v)) return false;
    throw b.ctx.error('compile_error', `${o.name} takes true or false, not '${o.value}'`, o.valueSpan);
  };
  const window = opts.get('window');
  const n = window ? Number(window.value) : 0;
  if (window && (!Number.isInteger(n) || n < 0)) throw b.ctx.error('compile_error', 'window must be a whole number', window.valueSpan);
  const timeWindow = opts.get('time_window');
  if (timeWindow) throw b.ctx.unsupported('streamstats time_window=', timeWindow.span, 'use window=N (a number of events)');
  const current = flag('current', true);
  const global = flag('global', true);
  const by = cmd.by.map((f) => {
    const field = schema.get(f.name);
    if (field?.type === 'mv') throw b.ctx.unsupported('streamstats BY a multivalue field', f.span);
    return field ? sqlIdent(field.column) : 'NULL';
  });
  const exprs = new ExprCompiler(b.ctx, schema);
  const resetExpr = (name: string) => {
    const o = opts.get(name);
    if (!o) return undefined;
    const expr = optionExpr(o, b.ctx);
    // reset_after may read the statistics of the event itself, which depend on where the resets fall.
    const own = new Set(cmd.aggregations.map((a) => a.as?.name ?? a.func));
    const circular = [...referencedFieldNames(expr)].find((f) => own.has(f));
    if (circular) throw b.ctx.unsupported(`${o.name} reading '${circular}', which this streamstats computes`, o.valueSpan);
    return `coalesce(${exprs.cond(expr)}, false)`;
  };
  // Row numbers in stream order, and the segment each row is in: a reset starts a new segment.
  const rn = '_dh_rn';
  const starts: string[] = [];
  const before = resetExpr('reset_before');
  if (before) starts.push(`CASE WHEN ${before} THEN 1 ELSE 0 END`);
  const after = resetExpr('reset_after');
  if (after) starts.push(`coalesce(lag(CASE WHEN ${after} THEN 1 ELSE 0 END) OVER (ORDER BY ${rn}), 0)`);
  if (flag('reset_on_change', false) && by.length > 0) {
    // Only events that have every BY field take part: each is compared with the previous such event.
    const all = by.map((c) => `${c} IS NOT NULL`).join(' AND ');
    const changed = by.map((c) => `${c} IS DISTINCT FROM lag(${c}) OVER (PARTITION BY ${all} ORDER BY ${rn})`).join(' OR ');
    starts.push(`CASE WHEN ${all} AND row_number() OVER (PARTITION BY ${all} ORDER BY ${rn}) > 1 AND (${changed}) THEN 1 ELSE 0 END`);
  }
  let from = `(SELECT *, row_number() OVER (ORDER BY _dh_seq) AS ${rn} FROM ${sqlIdent(inputName)})`;
  const partition = [...by];
  if (starts.length > 0) {
    from = `(SELECT * EXCLUDE (_dh_start), sum(_dh_start) OVER (ORDER BY ${rn} ROWS UNBOUNDED PRECEDING) AS _dh_segment FROM (SELECT *, ${starts.join(' + ')} AS _dh_start FROM ${from}))`;
    partition.unshift('_dh_segment');
  }
  const end = current ? 'CURRENT ROW' : '1 PRECEDING';
  // A global window: the group's events among the last N of the stream, by stream position (a RANGE on the row number).
  const frame =
    n === 0 ? `ROWS BETWEEN UNBOUNDED PRECEDING AND ${end}` : `${global && by.length > 0 ? 'RANGE' : 'ROWS'} BETWEEN ${n - (current ? 1 : 0)} PRECEDING AND ${end}`;
  const over = `OVER (${partition.length ? `PARTITION BY ${partition.join(', ')} ` : ''}ORDER BY ${rn} ${frame})`;
  const aggs = compileAggregations(cmd, schema, b, (call) => `${call} ${over}`);
  let out = schema;
  const replaced: string[] = [];
  const added: string[] = [];
  for (const a of aggs) {
    const existing = schema.get(a.name);
    const column = existing?.column ?? b.ctx.columns.columnFor(a.name);
    (existing ? replaced : added).push(`${a.sql.sql} AS ${sqlIdent(column)}`);
    out = out.with(fieldOf(a.name, column, a.sql.type === 'bool' ? 'str' : a.sql.type));
  }
  const helpers = starts.length > 0 ? `${rn}, _dh_segment` : rn;
  const star = replaced.length ? `* EXCLUDE (${helpers}) REPLACE (${replaced.join(', ')})` : `* EXCLUDE (${helpers})`;
  return b.add(cmd, `SELECT ${[star, ...added].join(',\n       ')}\nFROM ${from}`, out);
}

/** The stats functions by name (the shell completes them); `percN`/`pN`/`exactpercN`/`upperpercN` besides. */
export const STATS_FUNCTIONS: readonly string[] = [...AGGREGATES.keys(), ...Object.keys(ALIASES)];
