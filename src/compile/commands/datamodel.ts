// Data model datasets as relations, and the commands that read them as events: `from datamodel:Model.Dataset`
// (the dataset's events, fields as the events name them) and `datamodel Model Dataset search` (the same events,
// with the dataset's fields also under their data model names, `Dataset.field`). tstats (tstats.ts) aggregates
// the same relation.
//
// A dataset's events are what Splunk's data model search finds: the root dataset's constraint search over the
// events (after props, with event types and tags expanded), then for each level of the lineage its calculations
// in order (Eval, Rex, Lookup) and the next level's constraints, down to the dataset. Datasets below it that a
// query names (tstats' `nodename=`, or a child's fields) are computed alongside: whether an event belongs to each,
// and the child's calculated fields for the events that do.

import type * as A from '../../ast/ast.ts';
import { exprFieldNames } from '../../ast/walk.ts';
import type { Span } from '../../errors.ts';
import { DuckhuntError } from '../../errors.ts';
import { calculationOutputs, findDataset, lineageOf, type Calculation, type Dataset } from '../../knowledge/datamodels.ts';
import { parseEvalExpression, SyntaxProblem } from '../../../grammar/index.ts';
import { errorAt, expandMacros, MacroLibrary } from '../../macros/index.ts';
import { sqlIdent } from '../../sql/quote.ts';
import { referencedFieldNames } from '../collect.ts';
import { ExprCompiler } from '../expr.ts';
import type { CommandHandler, PipelineBuilder, Relation } from '../pipeline.ts';
import { fieldOf, Schema } from '../schema.ts';
import { compileSearch } from '../search.ts';
import { lookup } from './lookup.ts';
import { extractGroups } from './rex.ts';
import { mayMatchSource, readEvents } from './search.ts';

/** What a command wants of a dataset. */
export interface DatasetRequest {
  dataset: Dataset;
  /** Datasets below it whose membership or fields the command reads. */
  below: Dataset[];
  /** Event fields (as the events name them) the command reads after the calculations (of below datasets too). */
  reads: ReadonlySet<string>;
  /** More top-level terms for the search over the events (tstats' time bounds, index=, sourcetype=…). */
  extra: A.SearchExpr[];
  /** The command, and the text that names the dataset (errors in the data model's searches point there). */
  command: A.Command;
  span: Span;
  eventOrder: boolean;
}

/** A dataset below the requested one: which events belong to it, and its fields' columns for those events. */
export interface BelowDataset {
  /** SQL condition (over the relation's columns) for the events in this dataset. */
  member: string;
  /** The fields as seen in this dataset (its own calculations applied, for its members). */
  view: Schema;
}

export interface DatasetEvents {
  /** The dataset's events: fields as the events name them, after the lineage's calculations (an open schema). */
  rel: Relation;
  below: Map<Dataset, BelowDataset>;
}

type Stage = { kind: 'filter'; ds: Dataset } | { kind: 'calc'; ds: Dataset; calc: Calculation } | { kind: 'required'; ds: Dataset };

/** The relation of a dataset's events (see the file comment). */
export function datasetEvents(b: PipelineBuilder, req: DatasetRequest): DatasetEvents {
  const { dataset: target, span } = req;
  const name = `${target.model.name}.${target.lineage}`;
  if (target.unsupportedBase) {
    throw b.ctx.unsupported(`the dataset ${name}, which is built on ${target.unsupportedBase} rather than events`, span);
  }
  const lineage = lineageOf(target);
  // Below datasets with every dataset between them and the target, parents first.
  const below = [...new Set(req.below.flatMap((d) => lineageOf(d).slice(lineage.length)))].sort((x, y) => lineageOf(x).length - lineageOf(y).length);
  const constraints = new Map<Dataset, A.SearchExpr | undefined>();
  const constraintOf = (ds: Dataset) => {
    if (!constraints.has(ds)) constraints.set(ds, constraintExpr(b, ds, span));
    return constraints.get(ds);
  };
  const stagesOf = (ds: Dataset, first: boolean): Stage[] => [
    ...(first ? [] : [{ kind: 'filter' as const, ds }]),
    ...ds.calculations.map((calc) => ({ kind: 'calc' as const, ds, calc })),
    { kind: 'required', ds },
  ];
  const stages = [...lineage.flatMap((ds, i) => stagesOf(ds, i === 0)), ...below.flatMap((ds) => stagesOf(ds, false))];

  // Which calculations are needed: walking back from what the command reads, a calculation is applied when a
  // later stage (or the command) reads one of its outputs; it then needs its own inputs.
  const need = new Set(req.reads);
  const applied = new Set<Calculation>();
  for (const stage of [...stages].reverse()) {
    if (stage.kind === 'filter') for (const f of exprReads(constraintOf(stage.ds))) need.add(f);
    else if (stage.kind === 'required') for (const f of requiredFields(stage.ds)) need.add(f);
    else if (calculationOutputs(stage.calc).some((o) => need.has(o))) {
      applied.add(stage.calc);
      for (const f of calculationInputs(b, stage.calc, span)) need.add(f);
    }
  }

  const root = lineage[0];
  const rootExpr = constraintOf(root);
  const expr = and([...(rootExpr ? [rootExpr] : []), ...req.extra], span);
  requireSources(b, name, expr, span);
  let rel = readEvents(b, req.command, expr, { reads: new Set([...need, ...exprReads(expr)]), eventOrder: req.eventOrder });

  const belowState = new Map<Dataset, BelowDataset>();
  for (const stage of stages) {
    const inLineage = lineage.includes(stage.ds);
    const parent = stage.ds.parent && belowState.get(stage.ds.parent);
    if (inLineage) {
      if (stage.kind === 'filter') rel = filter(b, req.command, rel, compileSearch(constraintOf(stage.ds) ?? everything(span), { ctx: b.ctx, schema: rel.schema }), `${name}: constraints of ${stage.ds.lineage}`);
      else if (stage.kind === 'required') {
        const cond = requiredCondition(b, stage.ds, rel.schema, span);
        if (cond) rel = filter(b, req.command, rel, cond, `${name}: required fields of ${stage.ds.lineage}`);
      } else if (applied.has(stage.calc)) rel = applyCalculation(b, req, rel, stage.calc);
      continue;
    }
    // Below the requested dataset: membership and the dataset's own view of the fields.
    const view = parent?.view ?? rel.schema;
    const parentMember = parent?.member ?? 'true';
    if (stage.kind === 'filter') {
      const cond = compileSearch(constraintOf(stage.ds) ?? everything(span), { ctx: b.ctx, schema: view });
      belowState.set(stage.ds, { member: `(${parentMember} AND ${cond})`, view });
    } else if (stage.kind === 'required') {
      const state = belowState.get(stage.ds)!;
      const cond = requiredCondition(b, stage.ds, state.view, span);
      if (cond) state.member = `(${state.member} AND ${cond})`;
    } else if (applied.has(stage.calc)) {
      const state = belowState.get(stage.ds)!;
      const out = belowCalculation(b, req, rel, state, stage.calc);
      rel = out.rel;
      state.view = out.view;
    }
  }
  return { rel, below: belowState };
}

/** A dataset's own constraints as one search expression (null when it has none), at `span` in the query. */
function constraintExpr(b: PipelineBuilder, ds: Dataset, span: Span): A.SearchExpr | undefined {
  if (ds.constraints.length === 0) return undefined;
  const parts = ds.constraints.map((c) => b.scope.terms.searchAt(c, ds.origin, `the constraint of ${ds.model.name}.${ds.lineage}`, span));
  return and(parts, span);
}

function and(items: A.SearchExpr[], span: Span): A.SearchExpr | undefined {
  if (items.length === 0) return undefined;
  return items.length === 1 ? items[0] : { kind: 'and', items, span };
}

const everything = (span: Span): A.SearchExpr => ({ kind: 'term', value: { text: '*', quoted: false, span }, span });

const exprReads = (e: A.SearchExpr | undefined): Set<string> => (e ? referencedFieldNames(e) : new Set());

const requiredFields = (ds: Dataset) => [...ds.fields.values()].filter((f) => f.required).map((f) => f.name);

/** `field=*` for each required field of the dataset: events without one are not in it. */
function requiredCondition(b: PipelineBuilder, ds: Dataset, schema: Schema, span: Span): string | undefined {
  const items: A.SearchExpr[] = requiredFields(ds).map((f) => ({ kind: 'compare', field: { name: f, span }, op: '=', value: { text: '*', quoted: false, span }, span }));
  const e = and(items, span);
  return e ? compileSearch(e, { ctx: b.ctx, schema }) : undefined;
}

/**
 * A dataset whose constraints no bound source can match is an error naming it (an empty result would read as "no
 * detection"). Without any source bound (`check`, `compile` of a lone query) the search itself warns.
 */
function requireSources(b: PipelineBuilder, name: string, expr: A.SearchExpr | undefined, span: Span): void {
  const bindings = b.scope.bindings;
  if (bindings.length === 0 || !expr || bindings.some((bd) => mayMatchSource(expr, bd) !== false)) return;
  throw b.ctx.error(
    'compile_error',
    `no bound source has events of the dataset ${name}: its constraints (with the loaded event types and tags) exclude every source bound (${[...new Set(bindings.map((bd) => bd.sourcetype))].join(', ')})`,
    span,
    'bind the logs that feed it (--source SOURCETYPE=PATH), or load the knowledge bundle that maps them (--knowledge)',
  );
}

function filter(b: PipelineBuilder, cmd: A.Command, rel: Relation, cond: string, label: string): Relation {
  return b.add(cmd, `SELECT * FROM ${sqlIdent(rel.name)} WHERE ${cond}`, rel.schema, label);
}

function calculationInputs(b: PipelineBuilder, c: Calculation, span: Span): string[] {
  switch (c.kind) {
    case 'Eval':
      return [...exprFieldNames(evalOf(c))];
    case 'Rex':
      return [c.input];
    case 'Lookup':
      return c.inputs.map((i) => i.inputField);
    case 'Other':
      throw b.ctx.unsupported(`the data model calculation type '${c.type}' (${c.origin})`, span, 'duckhunt runs Eval, Rex and Lookup calculations');
  }
}

/** An Eval calculation's expression; a syntax error in it points into the data model file's expression. */
function evalOf(c: Extract<Calculation, { kind: 'Eval' }>): A.Expr {
  try {
    return parseEvalExpression(c.expression);
  } catch (e) {
    if (!(e instanceof SyntaxProblem)) throw e;
    throw errorAt(expandMacros(c.expression, new MacroLibrary()), 'knowledge_error', `in ${c.origin}: ${e.message}`, e.span, e.hint).withFile(c.origin);
  }
}

/** One calculation over the events, writing its output fields (as the events name them). */
function applyCalculation(b: PipelineBuilder, req: DatasetRequest, rel: Relation, c: Calculation): Relation {
  const label = `${c.origin}: ${c.kind}`;
  switch (c.kind) {
    case 'Eval': {
      const value = new ExprCompiler(b.ctx.within(c.expression, c.origin), rel.schema).value(evalOf(c));
      const existing = rel.schema.get(c.output);
      const column = existing?.column ?? b.ctx.columns.columnFor(c.output);
      const type = value.type === 'bool' ? 'str' : value.type;
      const select = existing ? `SELECT * REPLACE (${value.sql} AS ${sqlIdent(column)})` : `SELECT *, ${value.sql} AS ${sqlIdent(column)}`;
      return b.add(req.command, `${select}\nFROM ${sqlIdent(rel.name)}`, rel.schema.with(fieldOf(c.output, column, type)), label);
    }
    case 'Rex': {
      const out = inCalculation(c, () => extractGroups(rel, c.input, c.expression, req.span, 1, b.ctx));
      return b.add(req.command, out.sql, out.schema, label);
    }
    case 'Lookup': {
      const at = (name: string): A.FieldRef => ({ name, span: req.span });
      const cmd: A.LookupCommand = {
        command: 'lookup',
        options: [],
        table: c.lookup,
        tableSpan: req.span,
        inputs: c.inputs.map((i) => ({ field: at(i.lookupField), as: at(i.inputField), span: req.span })),
        outputMode: 'OUTPUT',
        outputs: c.outputs.map((o) => ({ field: at(o.lookupField), as: at(o.field), span: req.span })),
        nameSpan: req.span,
        span: req.command.span,
      };
      return inCalculation(c, () => lookup.compile(cmd, rel, b));
    }
    case 'Other':
      throw b.ctx.unsupported(`the data model calculation type '${c.type}' (${c.origin})`, req.span);
  }
}

/**
 * An Eval calculation of a dataset below the requested one: its output goes to a column of its own, set for the
 * dataset's members only, so that the requested dataset's fields keep their values.
 */
function belowCalculation(b: PipelineBuilder, req: DatasetRequest, rel: Relation, state: BelowDataset, c: Calculation): { rel: Relation; view: Schema } {
  if (c.kind !== 'Eval') {
    throw b.ctx.unsupported(`a ${c.kind} calculation of a dataset below the one read (${c.origin})`, req.span, `read ${c.origin.split(': ')[1]} itself`);
  }
  const value = new ExprCompiler(b.ctx.within(c.expression, c.origin), state.view).value(evalOf(c));
  const column = b.ctx.name('_dh_calc');
  const sql = `SELECT *, CASE WHEN ${state.member} THEN ${value.sql} END AS ${sqlIdent(column)}\nFROM ${sqlIdent(rel.name)}`;
  const view = state.view.with(fieldOf(c.output, column, value.type === 'bool' ? 'str' : value.type));
  return { rel: b.add(req.command, sql, rel.schema, `${c.origin}: Eval (for its members)`), view };
}

function inCalculation<T>(c: Calculation, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof DuckhuntError) {
      throw new DuckhuntError(e.kind, `in ${c.origin}: ${e.message}`, { span: e.span, position: e.position, hint: e.hint, source: e.source, file: e.file });
    }
    throw e;
  }
}

// ─────────────────────────────── from datamodel:X.Y and datamodel X Y search ───────────────────────────────

/** `Model.Dataset` (or `Model` alone for a model with one root) as a dataset, or a positioned error. */
export function datasetNamed(b: PipelineBuilder, text: string, span: Span): Dataset {
  const dot = text.indexOf('.');
  const found = findDataset(b.ctx.options.knowledge.datamodels, dot < 0 ? text : text.slice(0, dot), dot < 0 ? undefined : text.slice(dot + 1));
  if ('problem' in found) throw b.ctx.error('compile_error', found.problem, span, found.hint);
  return found.dataset;
}

export const from: CommandHandler<A.FromCommand> = {
  generating: true,
  compile(cmd, input, b) {
    if (input) throw b.ctx.error('compile_error', 'from starts a search: it must be the first command', cmd.nameSpan);
    if (cmd.kind.toLowerCase() !== 'datamodel') {
      throw b.ctx.unsupported(`from ${cmd.kind}:`, cmd.nameSpan, 'duckhunt reads data model datasets with from datamodel:Model.Dataset');
    }
    const dataset = datasetNamed(b, cmd.dataset, cmd.datasetSpan);
    return datasetEvents(b, { dataset, below: [], reads: b.eventFields, extra: [], command: cmd, span: cmd.datasetSpan, eventOrder: b.eventOrder }).rel;
  },
};

const DATAMODEL_OPTIONS = new Set(['summariesonly', 'allow_old_summaries', 'strict_fields']);

export const datamodel: CommandHandler<A.DatamodelCommand> = {
  generating: true,
  compile(cmd, input, b) {
    if (input) throw b.ctx.error('compile_error', 'datamodel starts a search: it must be the first command', cmd.nameSpan);
    for (const o of cmd.options) {
      if (!DATAMODEL_OPTIONS.has(o.name.toLowerCase())) throw b.ctx.unsupported(`datamodel option '${o.name}'`, o.span);
    }
    const [model, name, mode] = cmd.words;
    if (!model || !name || !mode || cmd.words.length > 3 || mode.text.toLowerCase() !== 'search') {
      throw b.ctx.unsupported(
        'datamodel other than `datamodel Model Dataset search`',
        cmd.words[0]?.span ?? cmd.nameSpan,
        'list a dataset\'s events with | datamodel Endpoint Processes search, or aggregate them with tstats',
      );
    }
    const span = { start: model.span.start, end: name.span.end };
    const dataset = datasetNamed(b, `${model.text}.${name.text}`, span);
    // The data model names of the fields the rest of the pipeline reads: `Processes.process_name` is process_name.
    const named = [...b.eventFields].flatMap((f) => {
      const owner = lineageOf(dataset).find((d) => f.startsWith(`${d.lineage}.`) && d.fields.has(f.slice(d.lineage.length + 1)));
      return owner ? [{ name: f, field: f.slice(owner.lineage.length + 1) }] : [];
    });
    const reads = new Set([...[...b.eventFields].filter((f) => !named.some((n) => n.name === f)), ...named.map((n) => n.field)]);
    const events = datasetEvents(b, { dataset, below: [], reads, extra: [], command: cmd, span, eventOrder: b.eventOrder }).rel;
    if (named.length === 0) return events;
    let schema = events.schema;
    const cols = named.map((n) => {
      const f = events.schema.get(n.field);
      const column = b.ctx.columns.columnFor(n.name);
      schema = schema.with(fieldOf(n.name, column, f?.type ?? 'str'));
      return `${f ? sqlIdent(f.column) : 'NULL::VARCHAR'} AS ${sqlIdent(column)}`;
    });
    return b.add(cmd, `SELECT *, ${cols.join(', ')}\nFROM ${sqlIdent(events.name)}`, schema, `${dataset.model.name}.${dataset.lineage}: data model field names`);
  },
};
