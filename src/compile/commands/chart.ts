// `chart` and `timechart`: aggregations per row value (chart's `over` field, timechart's `_time` buckets), split
// into a column per value of the `by` field (a series).
//
//   timechart [span=… | bins=N | minspan=…] [cont=t] [partial=t] [fixedrange=t] [limit=[top|bottom]N]
//             [useother=t] [usenull=t] [otherstr=OTHER] [nullstr=NULL] [sep=": "] agg… [BY field]
//   chart [span=…] [limit=…] [useother=t] [usenull=t] [otherstr=OTHER] [nullstr=NULL] [sep=": "]
//         agg… [over field] [by field [field]]
//
//   - timechart buckets `_time` as bin does; without span= the span is the smallest of Splunk's thresholds (1s, 5s,
//     10s, 30s, 1m, 5m, 10m, 30m, 1h, 1d, 1mon) giving at most bins= (100) buckets over the search's time range
//     (the data's when the search has none, or with fixedrange=false); with cont=true (default) every bucket of the
//     range is a row, partial=false drops buckets the range only partly covers;
//   - series: the `limit` (10; 0 = all) values ranked highest (or lowest: `bottom`) by the sum of the first
//     aggregation over the rows; the others together are `OTHER` (useother), their events aggregated as one
//     series; events without the field are `NULL` (usenull) (decision X95);
//   - columns: the row field, then per aggregation one column per series, named by the series (by the
//     aggregation and the series, `count: web`, when there are several aggregations), in byte order of the series,
//     NULL and OTHER last (decision X95); without a split, one column per aggregation;
//   - empty cells of count and dc are 0, of every other aggregation empty (decision X94);
//   - chart rows: the over field's values in value order (numbers first, text by bytes), rows without one dropped;
//     `chart agg by a b` is `chart agg over a by b`, `chart agg by a` is `chart agg over a`.

import type * as A from '../../ast/ast.ts';
import { sqlIdent, sqlNumber, sqlString } from '../../sql/quote.ts';
import type { CompileContext } from '../context.ts';
import { convert } from '../expr.ts';
import { optionBool, optionMap } from '../options.ts';
import type { CommandHandler, PipelineBuilder, Relation } from '../pipeline.ts';
import { fieldOf, Schema } from '../schema.ts';
import type { Field } from '../types.ts';
import { type BinSpan, parseBinSpan, rangeLabel, timeBucket, timeBuckets } from './bin.ts';
import { compileAggregations, sortKeySql } from './stats.ts';

/** The aggregations whose empty cells are 0 rather than empty. */
const ZERO_FILLED = /^(count|c|dc|distinct_count|estdc)$/;

/** Splunk's span thresholds for an automatic span, smallest first (seconds; a month last). */
const THRESHOLDS: BinSpan[] = [1, 5, 10, 30, 60, 300, 600, 1800, 3600, 86400].map((seconds) => ({ seconds }));
const MONTH: BinSpan = { months: 1 };

/** At most this many series become columns (limit=0 with more is an error). */
const MAX_SERIES = 1000;

interface SeriesOptions {
  limit: number;
  bottom: boolean;
  useother: boolean;
  usenull: boolean;
  otherstr: string;
  nullstr: string;
  sep: string;
}

function seriesOptions(opts: Map<string, A.CommandOption>, ctx: CompileContext): SeriesOptions {
  const flag = (name: string, dflt: boolean) => (opts.has(name) ? optionBool(opts.get(name)!, ctx) : dflt);
  let limit = 10;
  let bottom = false;
  const l = opts.get('limit');
  if (l) {
    const m = /^(top|bottom)?(\d+)$/i.exec(l.value);
    if (!m) throw ctx.error('compile_error', `limit takes a number, optionally after top or bottom (limit=top5), not '${l.value}'`, l.valueSpan);
    bottom = m[1]?.toLowerCase() === 'bottom';
    limit = Number(m[2]);
  }
  return {
    limit,
    bottom,
    useother: flag('useother', true),
    usenull: flag('usenull', true),
    otherstr: opts.get('otherstr')?.value ?? 'OTHER',
    nullstr: opts.get('nullstr')?.value ?? 'NULL',
    sep: opts.get('sep')?.value ?? ': ',
  };
}

const SERIES_OPTIONS = ['limit', 'useother', 'usenull', 'otherstr', 'nullstr', 'sep'];

/** What one chart or timechart computes, once its row key is decided. */
interface ChartPlan {
  cmd: A.ChartCommand | A.TimechartCommand;
  /** The output field of the rows, and the SQL of its value for an input row. */
  row: Field;
  rowSql: string;
  split: A.FieldRef | undefined;
  series: SeriesOptions;
  /** timechart: the buckets every row of the output covers (cont=true), as a list expression over the split rows. */
  buckets?: (splitRows: string) => string;
}

export const timechart: CommandHandler<A.TimechartCommand> = {
  compile(cmd, input, b) {
    const opts = optionMap(cmd, ['span', 'bins', 'minspan', 'cont', 'partial', 'fixedrange', ...SERIES_OPTIONS], b.ctx);
    const flag = (name: string, dflt: boolean) => (opts.has(name) ? optionBool(opts.get(name)!, b.ctx) : dflt);
    if (cmd.by.length > 1) throw b.ctx.error('compile_error', 'timechart splits by one field', cmd.by[1].span, 'use chart for two fields, or eval a combined field');
    const time = input!.schema.get('_time');
    if (!time) throw b.ctx.error('compile_error', 'timechart needs _time, which these rows no longer have', cmd.nameSpan, 'keep _time through earlier commands (stats … by _time, table _time …)');
    const t = convert.num({ sql: sqlIdent(time.column), type: time.type });
    const zone = b.ctx.options.timezone;
    // The range the buckets cover: the search's time range (fixedrange), else the data's.
    const range = flag('fixedrange', true) ? b.timeRange : undefined;
    const known = range?.earliest !== undefined && range.latest !== undefined ? { earliest: range.earliest, latest: range.latest } : undefined;
    let span = explicitSpan(opts, b.ctx);
    let extent = known;
    if (!span || !extent) {
      // The span (bins) or the range needs the data's extent: the first and last _time.
      const result = b.prerun(
        { key: `timechart-extent:${cmd.span.start}-${cmd.span.end}`, label: b.labelOf(cmd), span: cmd.span, maxRows: 1 },
        () => `${b.withClause()}\nSELECT min(${t}), max(${t}) FROM ${sqlIdent(input!.name)}`,
      );
      const [lo, hi] = (result?.rows[0] ?? [null, null]) as Array<number | null>;
      extent ??= lo === null || hi === null ? undefined : { earliest: lo, latest: hi + 1e-6 };
      span ??= autoSpan(known ?? extent, opts, b.ctx);
    }
    const cont = flag('cont', true);
    const partial = flag('partial', true);
    const plan: ChartPlan = {
      cmd,
      row: fieldOf('_time', time.column, 'num'),
      rowSql: timeBucket(t, span, zone),
      split: cmd.by[0],
      series: seriesOptions(opts, b.ctx),
      buckets: cont && extent ? () => bucketList(extent!, span!, zone, partial) : undefined,
    };
    return chartRows(plan, input!, b);
  },
};

export const chart: CommandHandler<A.ChartCommand> = {
  compile(cmd, input, b) {
    const opts = optionMap(cmd, ['span', ...SERIES_OPTIONS], b.ctx);
    if (cmd.by.length > (cmd.over ? 1 : 2)) {
      throw b.ctx.error('compile_error', 'chart takes one row field and one column field: chart agg over a by b, or chart agg by a b', cmd.by[cmd.over ? 1 : 2].span);
    }
    const over = cmd.over ?? cmd.by[0];
    const split = cmd.over ? cmd.by[0] : cmd.by[1];
    const series = seriesOptions(opts, b.ctx);
    if (!over) {
      // No row field: one row of the aggregations (split into columns when there is a by field).
      return chartRows({ cmd, row: fieldOf('_dh_all', '_dh_all', 'num'), rowSql: '1', split: undefined, series }, input!, b);
    }
    let rel = input!;
    let f = rel.schema.get(over.name);
    if (!f) b.ctx.warn(`'${over.name}' does not exist here, so no row has a value for it and the result is empty`, over.span);
    if (f?.type === 'mv') {
      // A row counts once per value of a multivalue row field, as stats BY counts it.
      const col = sqlIdent(f.column);
      rel = b.add(cmd, `SELECT * REPLACE (unnest(${col}) AS ${col}) FROM ${sqlIdent(rel.name)}`, rel.schema.with({ ...f, type: 'str' }), `${cmd.command}: a row per value of ${over.name}`);
      f = rel.schema.get(over.name)!;
    }
    let row: Field = fieldOf(over.name, f?.column ?? b.ctx.columns.columnFor(over.name), f?.type === 'num' ? 'num' : 'str');
    let rowSql = f ? sqlIdent(f.column) : 'NULL::VARCHAR';
    const span = explicitSpan(opts, b.ctx);
    if (span && f) {
      // span= buckets the row field as bin does: time buckets for _time, range labels for other numbers.
      const x = convert.num({ sql: sqlIdent(f.column), type: f.type });
      if (over.name === '_time') {
        rowSql = timeBucket(x, span, b.ctx.options.timezone);
        row = { ...row, type: 'num' };
      } else {
        if ('months' in span) throw b.ctx.error('compile_error', `a span of months only applies to _time, not '${over.name}'`, opts.get('span')!.valueSpan);
        rowSql = rangeLabel(x, span.seconds);
        row = { ...row, type: 'str' };
      }
    }
    return chartRows({ cmd, row, rowSql, split, series }, rel, b);
  },
};

function explicitSpan(opts: Map<string, A.CommandOption>, ctx: CompileContext): BinSpan | undefined {
  const o = opts.get('span');
  if (!o) return undefined;
  const span = parseBinSpan(o.value);
  if ('error' in span) throw ctx.error('compile_error', span.error, o.valueSpan, span.hint);
  return span;
}

const spanSeconds = (s: BinSpan) => ('months' in s ? s.months * 2_592_000 : s.seconds);

/** The smallest threshold span giving at most bins (100) buckets over the range, and at least minspan. */
function autoSpan(range: { earliest: number; latest: number } | undefined, opts: Map<string, A.CommandOption>, ctx: CompileContext): BinSpan {
  const binsOpt = opts.get('bins');
  const bins = binsOpt ? Number(binsOpt.value) : 100;
  if (binsOpt && (!Number.isInteger(bins) || bins < 1)) throw ctx.error('compile_error', `bins takes a whole number above 0, not '${binsOpt.value}'`, binsOpt.valueSpan);
  const minOpt = opts.get('minspan');
  const min = minOpt ? explicitSpan(new Map([['span', minOpt]]), ctx) : undefined;
  const width = range ? range.latest - range.earliest : 0;
  for (const s of [...THRESHOLDS, MONTH]) {
    if (min && spanSeconds(s) < spanSeconds(min)) continue;
    if (width / spanSeconds(s) <= bins || s === MONTH) return s;
  }
  return MONTH;
}

/** The buckets of a range [earliest, latest): partial=false leaves out those reaching outside it. */
function bucketList(range: { earliest: number; latest: number }, span: BinSpan, zone: string, partial: boolean): string {
  const list = timeBuckets(sqlNumber(range.earliest), sqlNumber(range.latest - 1e-6), span, zone);
  if (partial) return list;
  if ('months' in span || span.seconds >= 86400) {
    // A bucket is whole when it starts in the range and the next bucket starts by its end.
    return `list_filter(${list}, lambda dh_b: dh_b >= ${sqlNumber(range.earliest)} AND ${timeBucket(`dh_b + ${sqlNumber(spanSeconds(span) * 1.2)}`, span, zone)} <= ${sqlNumber(range.latest)})`;
  }
  return `list_filter(${list}, lambda dh_b: dh_b >= ${sqlNumber(range.earliest)} AND dh_b + ${sqlNumber(span.seconds)} <= ${sqlNumber(range.latest)})`;
}

/**
 * The series (column split values) kept, in column order, whether the others make an OTHER column, and whether
 * some row has no value (a NULL column).
 */
function seriesOf(plan: ChartPlan, split: Relation, b: PipelineBuilder, rankSql: string): { kept: string[]; other: boolean; nulls: boolean } {
  const { limit, bottom } = plan.series;
  const want = (limit > 0 ? limit + 1 : MAX_SERIES + 1) + 1;
  // The rows without a value come first (one row, the null series), then the series by rank.
  const result = b.prerun(
    { key: `series:${plan.cmd.span.start}-${plan.cmd.span.end}`, label: b.labelOf(plan.cmd), span: plan.cmd.span, maxRows: want },
    () =>
      `${b.withClause()}\nSELECT dh_series, sum(dh_v) AS dh_score FROM (SELECT dh_row, dh_series, ${rankSql} AS dh_v FROM ${sqlIdent(split.name)} ` +
      `GROUP BY dh_row, dh_series) GROUP BY dh_series ORDER BY dh_series IS NOT NULL, dh_score ${bottom ? 'ASC' : 'DESC'} NULLS LAST, dh_series LIMIT ${want}`,
  );
  const rows = result?.rows ?? [];
  const nulls = rows.length > 0 && rows[0][0] === null;
  const ranked = rows.filter((r) => r[0] !== null).map((r) => String(r[0]));
  if (limit === 0 && ranked.length > MAX_SERIES) {
    const by = plan.split!;
    throw b.ctx.error('compile_error', `'${by.name}' has more than ${MAX_SERIES} values, too many columns for ${plan.cmd.command} limit=0`, by.span, 'set a limit, or use stats … by for one row per value');
  }
  const kept = limit > 0 ? ranked.slice(0, limit) : ranked;
  return { kept: kept.sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))), other: ranked.length > kept.length, nulls };
}

function chartRows(plan: ChartPlan, input: Relation, b: PipelineBuilder): Relation {
  const { cmd, series } = plan;
  const schema = input.schema;
  // 1. Each input row with its row key and its series (a row per value of a multivalue split field).
  let from = sqlIdent(input.name);
  let seriesSql = 'NULL::VARCHAR';
  const splitField = plan.split ? schema.get(plan.split.name) : undefined;
  if (splitField) {
    const col = sqlIdent(splitField.column);
    if (splitField.type === 'mv') from = `(SELECT * REPLACE (unnest(CASE WHEN len(${col}) > 0 THEN ${col} ELSE [NULL] END) AS ${col}) FROM ${from})`;
    seriesSql = convert.str({ sql: col, type: splitField.type === 'mv' ? 'str' : splitField.type });
  }
  const split = b.add(cmd, `SELECT *, ${plan.rowSql} AS dh_row, ${seriesSql} AS dh_series FROM ${from}\nWHERE dh_row IS NOT NULL`, schema, `${cmd.command}: rows and series`);
  const aggs = compileAggregations(cmd, schema, b);
  // 2. The columns: per aggregation, one per series kept (then NULL, OTHER), or one.
  let keys: string[] | undefined;
  let keySql = 'NULL';
  if (plan.split) {
    const ranking = aggs[0].sql.type === 'num' ? aggs[0].sql.sql : `dh_num(${convert.str(aggs[0].sql)})`;
    const { kept, other, nulls } = seriesOf(plan, split, b, ranking);
    keys = [...kept];
    if (series.usenull && nulls) keys.push(series.nullstr);
    if (series.useother && other) keys.push(series.otherstr);
    const keptList = kept.length ? `[${kept.map(sqlString).join(', ')}]` : '[]::VARCHAR[]';
    keySql =
      `CASE WHEN dh_series IS NULL THEN ${series.usenull ? sqlString(series.nullstr) : 'NULL'} ` +
      `WHEN list_contains(${keptList}, dh_series) THEN dh_series ELSE ${series.useother ? sqlString(series.otherstr) : 'NULL'} END`;
  }
  const grouped =
    `SELECT dh_row, dh_key, ${aggs.map((a, i) => `${a.sql.sql} AS dh_a${i}`).join(', ')}\n` +
    `FROM (SELECT *, ${keySql} AS dh_key FROM ${sqlIdent(split.name)})${plan.split ? ' WHERE dh_key IS NOT NULL' : ''}\nGROUP BY dh_row, dh_key`;
  const columns: Array<{ field: Field; sql: string }> = [];
  aggs.forEach((a, i) => {
    const type = a.sql.type === 'bool' ? 'str' : a.sql.type;
    const zero = ZERO_FILLED.test(cmd.aggregations[i].func);
    for (const key of keys ?? [undefined]) {
      const name = key === undefined ? a.name : aggs.length > 1 ? `${a.name}${series.sep}${key}` : key;
      const field = fieldOf(name, b.ctx.columns.columnFor(name), type);
      const cell = `any_value(dh_a${i}) FILTER (WHERE ${key === undefined ? 'true' : `dh_key = ${sqlString(key)}`})`;
      columns.push({ field, sql: zero ? `coalesce(${cell}, 0)` : cell });
    }
  });
  // 3. One row per row key (every bucket of the range for timechart with cont=true), in order.
  const rowsOf = plan.buckets
    ? `(SELECT unnest(${plan.buckets(split.name)}) AS dh_row UNION SELECT dh_row FROM (${grouped}))`
    : `(SELECT DISTINCT dh_row FROM (${grouped}))`;
  const allRows = plan.row.name === '_dh_all';
  const rowField = allRows ? undefined : plan.row;
  const order = rowField ? sortKeySql({ ...rowField, column: 'dh_row' }) : '1';
  const sql =
    `SELECT ${[...(rowField ? [`dh_row AS ${sqlIdent(rowField.column)}`] : []), ...columns.map((c) => `${c.sql} AS ${sqlIdent(c.field.column)}`), `row_number() OVER (ORDER BY ${order}) AS _dh_seq`].join(',\n       ')}\n` +
    `FROM ${allRows ? '(SELECT 1 AS dh_row)' : rowsOf} AS r LEFT JOIN (${grouped}) AS g USING (dh_row)\nGROUP BY dh_row`;
  return b.add(cmd, sql, Schema.of([...(rowField ? [rowField] : []), ...columns.map((c) => c.field)], false));
}
