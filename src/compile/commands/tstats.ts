// `tstats <aggregations> FROM datamodel=Model.Root [WHERE <search>] [BY <fields> [span=<span>]]`: statistics over a
// data model dataset. Splunk reads them from the model's accelerated summaries; duckhunt computes the same dataset
// from the events on every run (datamodel.ts), so `summariesonly` and `allow_old_summaries` change nothing: every
// event is "summarized". Fields are named by the dataset that defines them (`Processes.process_name`; a child's
// by its path, `All_Changes.Account_Management.src_user`), the fields every event has without a prefix (`_time`,
// `sourcetype`, `source`, `host`, `index`), and `nodename` lists the datasets an event belongs to
// (`where nodename=All_Traffic.Traffic_By_Action.Blocked_Traffic`). The where clause is search syntax over those
// names; the aggregation is stats' (stats.ts): rows with a null by-field are dropped unless `fillnull_value=` is
// given, groups come out sorted. `by _time span=…` bins time as bin does; `by _time` alone bins by the second.

import type * as A from '../../ast/ast.ts';
import { exprFieldRefs } from '../../ast/walk.ts';
import type { Span } from '../../errors.ts';
import { lineageOf, resolveField, subtree, type Dataset } from '../../knowledge/datamodels.ts';
import { sqlIdent, sqlString, sqlStringList } from '../../sql/quote.ts';
import { orderFree } from '../collect.ts';
import type { CommandHandler, PipelineBuilder, Relation } from '../pipeline.ts';
import { fieldOf, Schema } from '../schema.ts';
import { compileSearch, searchValueMatches } from '../search.ts';
import type { Field } from '../types.ts';
import { bin } from './bin.ts';
import { datasetEvents, datasetNamed } from './datamodel.ts';
import { optionBoolean } from './lookup.ts';
import { isAggregate, stats } from './stats.ts';

interface TstatsOptions {
  fillnull: string | undefined;
  span: A.CommandOption | undefined;
}

/** Options that change nothing when the dataset is computed from the events (see the file comment). */
const NO_LOCAL_MEANING = new Set(['summariesonly', 'allow_old_summaries', 'local', 'include_reduced_buckets']);

function tstatsOptions(cmd: A.TstatsCommand, b: PipelineBuilder): TstatsOptions {
  const opts: TstatsOptions = { fillnull: undefined, span: undefined };
  for (const o of cmd.options) {
    const name = o.name.toLowerCase();
    if (NO_LOCAL_MEANING.has(name)) optionBoolean(b, o);
    else if (name === 'chunk_size') {
      if (!/^\d+$/.test(o.value)) throw b.ctx.error('compile_error', `chunk_size takes a whole number, not '${o.value}'`, o.valueSpan);
    } else if (name === 'fillnull_value') opts.fillnull = o.value;
    else if (name === 'span') opts.span = o;
    else if (name === 'prestats' || name === 'append') {
      if (optionBoolean(b, o)) throw b.ctx.unsupported(`tstats ${o.name}=true`, o.span, 'run tstats with its own aggregations (prestats=false)');
    } else throw b.ctx.unsupported(`tstats option '${o.name}'`, o.span);
  }
  return opts;
}

/** A name the command reads, resolved against the dataset. */
type Resolved = { kind: 'base'; name: string } | { kind: 'field'; dataset: Dataset; field: string } | { kind: 'nodename' };

export const tstats: CommandHandler<A.TstatsCommand> = {
  generating: true,
  compile(cmd, input, b) {
    if (input) throw b.ctx.error('compile_error', 'tstats starts a search: it must be the first command (tstats append=t is not supported)', cmd.nameSpan);
    const opts = tstatsOptions(cmd, b);
    if (!cmd.from) {
      throw b.ctx.unsupported('tstats without FROM datamodel=', cmd.nameSpan, 'tstats reads data model datasets here: add FROM datamodel=Model.Dataset');
    }
    if (cmd.from.name.toLowerCase() !== 'datamodel') {
      throw b.ctx.unsupported(`tstats FROM ${cmd.from.name}=`, cmd.from.span, 'tstats reads data model datasets here: FROM datamodel=Model.Dataset');
    }
    const dataset = datasetNamed(b, cmd.from.value, cmd.from.valueSpan);
    if (dataset.parent) {
      const root = lineageOf(dataset)[0];
      throw b.ctx.error('compile_error', `tstats reads a root dataset of the data model; ${dataset.name} is below ${root.name}`, cmd.from.valueSpan, `use FROM datamodel=${dataset.model.name}.${root.name} WHERE nodename=${dataset.lineage}`);
    }
    if (cmd.aggregations.length === 0) throw b.ctx.error('compile_error', 'tstats needs an aggregation, e.g. | tstats count from datamodel=…', cmd.nameSpan);
    for (const a of cmd.aggregations) {
      if (!isAggregate(a.func)) throw b.ctx.unsupported(`tstats function '${a.func}()'`, a.funcSpan, 'see the README for the aggregations duckhunt implements');
    }

    // Every name the command reads, resolved; an unknown one is an error at its place.
    const resolved = new Map<string, Resolved>();
    const resolve = (name: string, span: Span) => {
      if (resolved.has(name)) return;
      if (name === 'nodename') return void resolved.set(name, { kind: 'nodename' });
      const r = resolveField(dataset, name);
      if (r.kind === 'problem') throw b.ctx.error('compile_error', r.message, span, r.hint);
      resolved.set(name, r);
    };
    for (const a of cmd.aggregations) {
      if (a.arg?.kind === 'field') resolve(a.arg.field.name, a.arg.field.span);
      else if (a.arg?.kind === 'eval') for (const f of exprFieldRefs(a.arg.expr)) resolve(f.name, f.span);
    }
    for (const f of cmd.by) resolve(f.name, f.span);
    const { hoisted, rest } = splitWhere(cmd.where);
    const nodeValues: A.SearchValue[] = [];
    for (const e of rest) checkWhere(e, b, resolve, nodeValues);

    // The datasets below the root that the command reads: by nodename (its values, or all when it is a field of
    // the output) and by their fields.
    const nodes = new Set<Dataset>();
    const all = subtree(dataset);
    if (cmd.by.some((f) => f.name === 'nodename') || cmd.aggregations.some((a) => a.arg?.kind === 'field' && a.arg.field.name === 'nodename')) all.forEach((d) => nodes.add(d));
    for (const v of nodeValues) {
      const matching = all.filter((d) => searchValueMatches(d.lineage, v.text));
      if (matching.length === 0) {
        throw b.ctx.error('compile_error', `nodename=${v.text} names no dataset of ${dataset.model.name} under ${dataset.name}`, v.span, `its datasets: ${all.map((d) => d.lineage).join(', ')}`);
      }
      matching.forEach((d) => nodes.add(d));
    }
    for (const r of resolved.values()) if (r.kind === 'field') nodes.add(r.dataset);
    nodes.delete(dataset);

    const reads = new Set<string>();
    for (const r of resolved.values()) if (r.kind === 'field') reads.add(r.field);
    const { rel: events, below } = datasetEvents(b, {
      dataset,
      below: [...nodes],
      reads,
      extra: hoisted,
      command: cmd,
      span: cmd.from.valueSpan,
      eventOrder: !orderFree(cmd.aggregations),
    });

    // The dataset's rows: each name the command reads, as tstats names it.
    const fields: Field[] = [];
    const cols: string[] = [];
    const add = (name: string, sql: string, type: Field['type']) => {
      const column = b.ctx.columns.columnFor(name);
      fields.push(fieldOf(name, column, type));
      cols.push(`${sql} AS ${sqlIdent(column)}`);
    };
    const eventField = (schema: Schema, name: string) => {
      const f = schema.get(name);
      return f ? { sql: sqlIdent(f.column), type: f.type } : { sql: 'NULL::VARCHAR', type: 'str' as const };
    };
    for (const name of new Set(['_time', ...resolved.keys()])) {
      const r = resolved.get(name) ?? { kind: 'base', name };
      if (r.kind === 'base') {
        const v = eventField(events.schema, r.name);
        add(name, v.sql, v.type);
      } else if (r.kind === 'nodename') {
        const member = (d: Dataset) => (d === dataset ? 'true' : below.get(d)!.member);
        const listed = [dataset, ...all.filter((d) => nodes.has(d))];
        add(name, `dh_mv(list_filter([${listed.map((d) => `CASE WHEN ${member(d)} THEN ${sqlString(d.lineage)} END`).join(', ')}], lambda dh_v: dh_v IS NOT NULL))`, 'mv');
      } else if (r.dataset === dataset) {
        const v = eventField(events.schema, r.field);
        add(name, v.sql, v.type);
      } else {
        const state = below.get(r.dataset)!;
        const v = eventField(state.view, r.field);
        add(name, `CASE WHEN ${state.member} THEN ${v.sql} END`, v.type);
      }
    }
    let rel: Relation = b.add(cmd, `SELECT ${[...cols, '_dh_seq'].join(',\n       ')}\nFROM ${sqlIdent(events.name)}`, Schema.of(fields, false), `${dataset.model.name}.${dataset.name}: fields as tstats names them`);

    if (rest.length > 0) {
      const where: A.SearchExpr = rest.length === 1 ? rest[0] : { kind: 'and', items: rest, span: cmd.where!.span };
      rel = b.add(cmd, `SELECT * FROM ${sqlIdent(rel.name)} WHERE ${compileSearch(where, { ctx: b.ctx, schema: rel.schema })}`, rel.schema, 'tstats where');
    }
    const byFields = cmd.by.filter((f) => f.name !== '_time');
    if (opts.fillnull !== undefined && byFields.length > 0) rel = fillNullBy(b, cmd, rel, byFields, opts.fillnull);
    const byTime = cmd.by.find((f) => f.name === '_time');
    if (opts.span && !byTime) throw b.ctx.error('compile_error', 'span= bins _time, which this tstats does not group by', opts.span.span, 'add _time to the by clause');
    if (byTime) {
      // `by _time` without a span groups by the second (decision X69).
      const span: A.CommandOption = opts.span ?? { name: 'span', value: '1s', valueSpan: byTime.span, quoted: false, span: byTime.span };
      rel = bin.compile({ command: 'bin', alias: 'bin', options: [span], field: byTime, as: undefined, nameSpan: cmd.nameSpan, span: cmd.span }, rel, b);
    }
    return stats.compile({ command: 'stats', options: [], aggregations: cmd.aggregations, by: cmd.by, nameSpan: cmd.nameSpan, span: cmd.span }, rel, b);
  },
};

/** Fields tstats compares before reading a dataset's fields: they choose sources and the time range. */
const SOURCE_TERMS = new Set(['index', 'sourcetype', 'source', 'host']);

/**
 * The where clause's top-level terms on `earliest`/`latest` and the event's index, sourcetype, source and host go
 * into the search over the events (so they set the time range and choose sources); the rest filters the rows.
 */
function splitWhere(where: A.SearchExpr | undefined): { hoisted: A.SearchExpr[]; rest: A.SearchExpr[] } {
  const items = where ? (where.kind === 'and' ? where.items : [where]) : [];
  const hoisted: A.SearchExpr[] = [];
  const rest: A.SearchExpr[] = [];
  for (const e of items) {
    const field = e.kind === 'compare' || e.kind === 'in' ? e.field.name : undefined;
    const time = e.kind === 'compare' && e.op === '=' && /^(earliest|latest)$/i.test(field ?? '');
    (time || (field !== undefined && SOURCE_TERMS.has(field)) ? hoisted : rest).push(e);
  }
  return { hoisted, rest };
}

/** Resolves the field names of a where clause; `nodename` values are collected. Bare terms have nothing to match. */
function checkWhere(e: A.SearchExpr, b: PipelineBuilder, resolve: (name: string, span: Span) => void, nodeValues: A.SearchValue[]): void {
  switch (e.kind) {
    case 'and':
    case 'or':
      e.items.forEach((x) => checkWhere(x, b, resolve, nodeValues));
      return;
    case 'not':
      checkWhere(e.expr, b, resolve, nodeValues);
      return;
    case 'compare':
    case 'in':
      if (/^(earliest|latest)$/i.test(e.field.name)) return;
      resolve(e.field.name, e.field.span);
      if (e.field.name === 'nodename') nodeValues.push(...(e.kind === 'in' ? e.values : [e.value]));
      return;
    case 'term':
    case 'directive':
      if (e.kind === 'term' && e.value.text === '*') return;
      throw b.ctx.unsupported(`the search term '${e.value.text}' in tstats where`, e.span, 'a data model summary has no _raw to match: compare a field, e.g. Processes.process_name=cmd.exe');
    case 'subsearch':
      throw b.ctx.unsupported('a subsearch in tstats where', e.span, 'list the values in IN (…)');
  }
}

/** fillnull_value: a by-field without a value takes the given text, so the row is kept (Splunk's tstats). */
function fillNullBy(b: PipelineBuilder, cmd: A.TstatsCommand, rel: Relation, by: A.FieldRef[], value: string): Relation {
  let schema = rel.schema;
  const replaced = [...new Set(by.map((f) => f.name))].map((name) => {
    const f = schema.get(name)!;
    const col = sqlIdent(f.column);
    if (f.type === 'mv') return `coalesce(${col}, ${sqlStringList([value])}) AS ${col}`;
    schema = schema.with(fieldOf(f.name, f.column, 'str'));
    return `coalesce(${f.type === 'num' ? `dh_str(${col})` : col}, ${sqlString(value)}) AS ${col}`;
  });
  return b.add(cmd, `SELECT * REPLACE (${replaced.join(', ')})\nFROM ${sqlIdent(rel.name)}`, schema, `tstats fillnull_value=${value}`);
}
