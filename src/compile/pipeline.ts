// AST → DuckDB SQL, one CTE per command. Each command module turns (command, input relation) into a new
// relation (a CTE name plus the schema of the fields it holds). Join subsearches compile to their own
// statements, which the engine materializes first (as Splunk runs subsearches first) so their row cap can be
// enforced and reported.

import type * as A from '../ast/ast.ts';
import type { Span } from '../errors.ts';
import type { TransactionRules } from '../engine/transaction.ts';
import type { SearchKnowledge } from '../knowledge/eventtypes.ts';
import { sqlComment, sqlIdent, sqlString } from '../sql/quote.ts';
import type { SourceBinding } from '../sources/catalog.ts';
import { isBuiltIn } from '../sources/scan.ts';
import { type DiscoveredFields, type DiscoveryRequest, discoveryRequest, MAX_DISCOVERED_FIELDS } from '../sources/discover.ts';
import { discoveryPoint, eventFieldReads, eventOrderMatters, everyFieldReadAfter, orderMattersBefore } from './collect.ts';
import { COMMANDS } from './commands/index.ts';
import { type CompileContext, HIDDEN, type TimeRange } from './context.ts';
import type { PrerunRequest, PrerunResult, PrerunResults } from './prerun.ts';
import type { Schema } from './schema.ts';
import { withSubsearchFilters } from './subsearch-filter.ts';
import type { Field } from './types.ts';

export interface Relation {
  /** CTE (or table) name holding the rows. */
  name: string;
  schema: Schema;
}

export interface Step {
  name: string;
  sql: string;
  /** The SPL command this step implements, for the comment above the CTE. */
  label: string;
}

/**
 * A statement run before the main query into a temporary table: a join/append subsearch (at most `cap + 1` rows
 * kept, to detect the cap), the rows an outputlookup writes (`write`), or the rows whose IP addresses
 * iplocation looks up (`geo`).
 */
export interface SubsearchStatement {
  table: string;
  sql: string;
  cap?: number;
  label: string;
  span: A.Pipeline['span'];
  write?: LookupWrite;
  /** The table holds transactions: the engine runs the rules over the rows `sql` gives (engine/transaction.ts). */
  transaction?: TransactionRules;
  geo?: GeoLookup;
  /** The statement's last stats can run in passes when one pass runs out of memory (see PassesPlan). */
  passes?: PassesPlan;
}

/**
 * How the engine runs a statement (a subsearch's, or the main query) whose last stats ran out of memory: in N
 * passes, pass p keeping only the rows whose BY values hash to p modulo N (DuckDB variables `${variable}` = N and
 * `${variable}_part` = p; unset, the filter is planned away). A group never spans two passes, and every command
 * after that stats keeps or drops rows one at a time, so appending the passes' rows to the `stage` table and
 * running `finish` over it (the statement's own ending: its order, its cap) gives exactly the one-pass result.
 * What makes it worth it: DuckDB 1.5 cannot spill the per-group lists of values()/list() (bench/NOTES.md).
 */
export interface PassesPlan {
  variable: string;
  /** The table the rows reaching the stats are written to, once (only the columns the stats reads). */
  input: string;
  /** The statement up to those rows: `WITH … SELECT columns FROM the stats' input`. */
  inputSql(): string;
  /** The temporary table the passes fill. */
  stage: string;
  /** The stats over the input table, then the rest of the statement: `WITH stats AS (…), … SELECT * FROM last`. */
  body(): string;
  /** The statement's ending over the stage table. */
  finish(): string;
  /** The stats command, for the notice: "stats at 12:3 (stats count by user)". */
  label: string;
}

/**
 * What iplocation needs from the engine: each distinct address (`ip`, an expression over the statement's rows)
 * looked up in the GeoIP database, the locations found written to the temporary table `table` (column `ip`, then
 * one text column per field), which the rest of the query joins.
 */
export interface GeoLookup {
  file: string;
  ip: string;
  table: string;
  /** Splunk's field names (City, Country…) in the order of the table's columns after `ip`. */
  fields: GeoField[];
  lang: string;
}

export type GeoField = 'City' | 'Country' | 'Region' | 'lat' | 'lon' | 'Continent' | 'MetroCode' | 'Timezone';

/** What outputlookup writes, and where (the engine writes it after filling the statement's table). */
export interface LookupWrite {
  /** The lookup name as written in the query. */
  name: string;
  /** The file to write; undefined when no lookup directory is configured (the run then fails before starting). */
  file: string | undefined;
  /** SQL select list over the table: every field as text, named by its Splunk name. */
  select: string;
  append: boolean;
  createEmpty: boolean;
  overrideIfEmpty: boolean;
  max: number | undefined;
}

export interface QueryScope {
  ctx: CompileContext;
  bindings: SourceBinding[];
  /** Every field name the query mentions (see collect.ts). */
  fieldNames: ReadonlySet<string>;
  subsearches: SubsearchStatement[];
  /** Bindings some search reads (the engine checks and reports only these). */
  used: Set<SourceBinding>;
  /** Event types and tags of the loaded knowledge (already expanded in the AST; the fields are computed). */
  terms: SearchKnowledge;
  /** Lookup files the query reads (the engine confines DuckDB to them). */
  lookupFiles: Set<string>;
  /** Fields of the events found by field discovery, per pipeline (pipelineKey), from an earlier compile. */
  discovered: DiscoveredFields;
  /** Discoveries this compile still needs (a wildcard over raw events whose fields are not known yet). */
  discoveries: DiscoveryRequest[];
  /** Answers to the preruns earlier compiles of this query asked for (prerun.ts). */
  prerunResults: PrerunResults;
  /** Preruns this compile asks for: at most one (see PipelineBuilder.prerun). */
  preruns: PrerunRequest[];
  /** N of a `search … | head N` whose newest days can be read first (newest.ts), and whether its scan was floored. */
  newestFirst?: { limit: number; floored: boolean };
  /**
   * Set while compiling text that shares one place in the query (map's filled-in searches): field discovery and
   * preruns, whose answers are keyed by place, are unsupported there, named by `what`.
   */
  placeless?: { what: string; span: Span };
}

/** A pipeline's identity across compiles of the same parsed query: its place in the (expanded) text. */
export const pipelineKey = (p: A.Pipeline): string => `${p.span.start}-${p.span.end}`;

export class PipelineBuilder {
  readonly steps: Step[] = [];
  /** Fields this pipeline's initial search extracts from the events (set by compile()). */
  eventFields: ReadonlySet<string> = new Set();
  /** The fields the events have, when field discovery ran for this pipeline (set by compile()). */
  eventFieldsFound: ReadonlySet<string> | undefined;
  /** Whether this compile of the pipeline serves a field discovery (set by compile()). */
  discovering = false;
  /** When discovering: the fields knowledge computes for the events (props, event types, tags; set by the search). */
  computedFields: string[] = [];
  /** When discovering: the sources the initial search reads (set by it); datasets are discovered by their columns. */
  discoverySources: SourceBinding[] = [];
  /** Whether ties in `_time` must keep file order (set by compile(); see eventOrderMatters). */
  eventOrder = true;
  /** The time range of this pipeline's initial search (set by it): timechart's buckets cover it. */
  timeRange: TimeRange | undefined;
  /** The pipeline being compiled and the index of its current command. */
  private pipeline: A.Pipeline | undefined;
  private current = 0;
  /** Whether this pipeline's rows end a statement (the main query, a join/append subsearch): see passesFilter. */
  private readonly endsStatement: boolean;
  /** The stats this statement can run in passes (passesFilter): its step, its input and its SQL over a table. */
  private passes: { variable: string; label: string; step: number; input: Relation; over: (rows: string, filter: string) => string; filter: string } | undefined;

  constructor(
    readonly scope: QueryScope,
    private readonly prefix: string,
    /** A subsearch whose events reach its end hands them to the outer pipeline, which may read any field. */
    private readonly nestedIn?: PipelineBuilder,
    /** Whether the outer pipeline reads every field of this subsearch's rows (a wildcard after the join/append). */
    private readonly wholeRowsWanted = false,
    endsStatement = nestedIn === undefined,
  ) {
    this.endsStatement = endsStatement;
  }

  /** The query's own pipeline, not a subsearch. */
  get isMain(): boolean {
    return this.nestedIn === undefined;
  }

  get ctx(): CompileContext {
    return this.scope.ctx;
  }

  /** Adds a CTE and returns the relation it defines. */
  add(command: A.Node, sql: string, schema: Schema, label?: string): Relation {
    const name = `${this.prefix}${this.steps.length + 1}`;
    this.steps.push({ name, sql, label: label ?? this.labelOf(command) });
    return { name, schema };
  }

  /**
   * Ends the pipeline so far in a statement of its own (filled before the main query, like a subsearch), whose
   * table the rest of the pipeline reads: what outputlookup needs to write its rows and still pass them on, and
   * iplocation to look up their addresses.
   */
  materialize(cmd: A.Command, rel: Relation, action: { write?: LookupWrite; geo?: GeoLookup }): Relation {
    const table = this.ctx.name('dh_output');
    this.scope.subsearches.push({ table, sql: `${this.withClause()}\nSELECT * FROM ${sqlIdent(rel.name)}`, label: this.labelOf(cmd), span: cmd.span, ...action });
    this.steps.length = 0;
    return this.add(cmd, `SELECT * FROM ${sqlIdent(table)}`, rel.schema);
  }

  labelOf(node: A.Node): string {
    const text = this.ctx.expansion.text.slice(node.span.start, node.span.end).replace(/\s+/g, ' ').trim();
    return text.length > 100 ? text.slice(0, 97) + '...' : text;
  }

  /**
   * A nested pipeline (join/append subsearch) compiled into its own builder; `endsStatement` when its rows fill a
   * statement's table of their own (compileSubsearch), so that its last stats can run in passes.
   */
  nested(wholeRows = false, endsStatement = false): PipelineBuilder {
    const after = wholeRows || (this.pipeline !== undefined && everyFieldReadAfter(this.pipeline, this.current, this.wholeRowsWanted));
    return new PipelineBuilder(this.scope, `${this.ctx.name('sub')}_`, this, after, endsStatement);
  }

  compile(pipeline: A.Pipeline): Relation {
    // Subsearch filters become the search terms their rows stand for before anything reads the fields.
    const p = withSubsearchFilters(pipeline, this);
    this.pipeline = p;
    const use = eventFieldReads(p);
    this.eventFields = use.open && this.nestedIn ? new Set([...use.reads, ...this.scope.fieldNames]) : use.reads;
    this.eventOrder = eventOrderMatters(p);
    // Field discovery: a command that reads every field of raw events (a wildcard, `fields -`) needs to know them.
    const point = discoveryPoint(p, this.wholeRowsWanted);
    if (point !== undefined && this.scope.placeless) throw this.ctx.unsupported(`a wildcard over raw events (field discovery) in ${this.scope.placeless.what}`, this.scope.placeless.span, 'name the fields');
    const key = pipelineKey(p);
    const discovered = point === undefined ? undefined : this.scope.discovered.get(key)?.filter((n) => !isBuiltIn(n));
    if (discovered) {
      if (discovered.length > MAX_DISCOVERED_FIELDS) {
        const at = p.commands[Math.min(point!, p.commands.length - 1)];
        throw this.ctx.error('compile_error', `the events have ${discovered.length.toLocaleString('en-US')} fields; a wildcard can take at most ${MAX_DISCOVERED_FIELDS.toLocaleString('en-US')}`, at.span, 'name the fields, or narrow the search to fewer kinds of events');
      }
      this.eventFields = new Set([...this.eventFields, ...discovered]);
      this.eventFieldsFound = new Set(discovered);
    } else if (point !== undefined) {
      // This compile only serves the discovery (the query is compiled again with the fields found), which reads
      // the events on every core unless a command before it depends on their order.
      this.discovering = true;
      this.eventOrder = orderMattersBefore(p, point);
    }
    return this.commands(p, undefined, point === undefined || discovered ? undefined : { point, key });
  }

  /** A pipeline's commands over the current results, as steps of this pipeline (appendpipe's subpipeline). */
  compileOver(p: A.Pipeline, input: Relation): Relation {
    return this.commands(withSubsearchFilters(p, this), input);
  }

  /** The commands in turn; `discovery`: where the events' fields are to be discovered (this pipeline's own commands). */
  private commands(p: A.Pipeline, input: Relation | undefined, discovery?: { point: number; key: string }): Relation {
    let rel = input;
    for (const [i, cmd] of p.commands.entries()) {
      if (p === this.pipeline) this.current = i;
      if (i === discovery?.point) this.requestDiscovery(discovery.key, rel);
      rel = this.command(cmd, rel);
    }
    if (discovery?.point === p.commands.length) this.requestDiscovery(discovery.key, rel);
    return rel!;
  }

  /** Compiles one command of the pipeline (foreach also compiles its template's commands through this). */
  command(cmd: A.Command, rel: Relation | undefined): Relation {
    const handler = COMMANDS[cmd.command] as CommandHandler<A.Command> | undefined;
    if (!handler) {
      const name = cmd.command === 'generic' ? cmd.name : cmd.command;
      throw this.ctx.unsupported(`command '${name}'`, cmd.nameSpan, UNSUPPORTED_HINTS[name] ?? 'see the README for the commands duckhunt runs');
    }
    if (!rel && !handler.generating) {
      throw this.ctx.error('compile_error', `'${cmd.command}' needs input: it cannot start a search`, cmd.nameSpan, 'start with a search, e.g. sourcetype=x | …');
    }
    return handler.compile(cmd, rel, this);
  }

  /**
   * The WHERE condition a stats adds to its input rows so that the engine can compute its groups in passes
   * (PassesPlan): only for the statement's own last stats with BY fields, every later command of the pipeline
   * keeping or dropping rows one at a time. Otherwise `true`. `over` is the stats step over other input rows
   * with a given condition (the passes read the input from a table).
   */
  passesFilter(cmd: A.StatsCommand, groupColumns: string[], input: Relation, over: (rows: string, filter: string) => string): string {
    const own = this.pipeline?.commands[this.current] === cmd;
    if (!this.endsStatement || !own || groupColumns.length === 0 || this.passes) return 'true';
    if (!this.pipeline!.commands.slice(this.current + 1).every((c) => ROW_BY_ROW.has(c.command))) return 'true';
    const variable = this.ctx.name('dh_passes');
    const n = `getvariable(${sqlString(variable)})`;
    const filter = `(${n} IS NULL OR hash(${groupColumns.join(', ')}) % ${n} = getvariable(${sqlString(`${variable}_part`)}))`;
    const at = this.ctx.where(cmd.span);
    this.passes = { variable, label: `${cmd.command}${at ? ` at ${at}` : ''} (${this.labelOf(cmd)})`, step: this.steps.length, input, over, filter };
    return filter;
  }

  /** The passes plan of this statement, given its ending over a table (PassesPlan); its SQL is made when asked for. */
  passesPlan(last: Relation, finish: (table: string) => string): PassesPlan | undefined {
    const p = this.passes;
    if (!p) return undefined;
    const input = `${p.variable}_input`;
    const stage = `${p.variable}_stage`;
    const steps = [...this.steps];
    const sql = () => p.over(sqlIdent(input), p.filter);
    return {
      variable: p.variable,
      label: p.label,
      input,
      inputSql: () => {
        // The columns the stats reads (named in its SQL; the row order when list(), first()… follow it); the
        // input's other columns (_raw…) stay out. A column missed here would fail the passes loudly, never change them.
        const over = sql();
        const read = (column: string) => (column === '_dh_seq' ? /ORDER BY _dh_seq|, _dh_seq\)/.test(over) : over.includes(sqlIdent(column)));
        const columns = [...new Set(['_dh_seq', ...p.input.schema.list().map((f) => f.column)])].filter(read);
        return `${this.withClause(steps.slice(0, p.step))}\nSELECT ${columns.map(sqlIdent).join(', ')} FROM ${sqlIdent(p.input.name)}`;
      },
      stage,
      body: () => `${this.withClause([{ ...steps[p.step], sql: sql() }, ...steps.slice(p.step + 1)])}\nSELECT * FROM ${sqlIdent(last.name)}`,
      finish: () => finish(sqlIdent(stage)),
    };
  }

  /** The command before the current one in this pipeline. */
  previousCommand(): A.Command | undefined {
    return this.pipeline?.commands[this.current - 1];
  }

  /**
   * The fields the rest of the query may read from the current command's rows: the names later commands of this
   * pipeline read before they assign them, and for a subsearch whose rows reach the outer pipeline every name
   * the query mentions. `unnamed` is true when a later command reads fields it does not name (a wildcard,
   * `fields -`…) before the rows are replaced.
   */
  laterReads(): { names: Set<string>; unnamed: boolean } {
    const later = this.pipeline?.commands.slice(this.current + 1) ?? [];
    const use = eventFieldReads({ commands: later, span: this.pipeline!.span });
    const names = use.open && this.nestedIn ? new Set([...use.reads, ...this.scope.fieldNames]) : use.reads;
    return { names, unnamed: everyFieldReadAfter(this.pipeline!, this.current, this.wholeRowsWanted) };
  }

  /**
   * The answer to a prerun (prerun.ts), or undefined while there is none: the request is registered (when no
   * other request is pending, as this one may read rows that depend on the other's answer) and the caller
   * compiles on with a placeholder. `sql` is the query over this pipeline's steps so far.
   */
  prerun(request: Omit<PrerunRequest, 'statements' | 'sql'>, sql: () => string): PrerunResult | undefined {
    if (this.scope.placeless) throw this.ctx.unsupported(`${request.label} in ${this.scope.placeless.what}`, this.scope.placeless.span);
    const done = this.scope.prerunResults.get(request.key);
    if (done) return done;
    if (this.scope.preruns.length === 0 && this.scope.discoveries.length === 0) this.scope.preruns.push({ ...request, statements: [...this.scope.subsearches], sql: sql() });
    return undefined;
  }

  /**
   * Registers a discovery of the fields of the rows of `rel` (the events as they reach the wildcard): those of
   * their JSON, and those knowledge computed (which some row must have a value of). Not while a prerun is
   * pending: the rows may depend on its answer.
   */
  private requestDiscovery(key: string, rel: Relation | undefined): void {
    if (this.scope.preruns.length > 0) return;
    const raw = rel?.schema.get('_raw');
    if (!rel || !raw) throw new Error('internal: field discovery needs the events and their _raw');
    const computed = this.computedFields.flatMap((name) => {
      const f = rel.schema.get(name);
      return f ? [{ name, column: f.column }] : [];
    });
    this.scope.discoveries.push(discoveryRequest(key, this.withClause(), rel.name, raw.column, computed, this.discoverySources));
  }

  /** `WITH a AS (…), b AS (…)` text for the steps so far, one CTE per command with its SPL as a comment. */
  withClause(steps: Step[] = this.steps): string {
    // The step's SQL goes in as it is: indenting its lines would also indent line breaks inside string literals.
    if (steps.length === 0) return '';
    return 'WITH\n' + steps.map((s) => `${sqlComment(s.label)}\n${sqlIdent(s.name)} AS (\n${s.sql}\n)`).join(',\n');
  }
}

/**
 * Commands that keep, drop or change each row on its own, whatever the other rows are: after a stats, the rows of
 * its groups computed in passes give the same rows (PassesPlan). `bin` is not one (without span= it reads the
 * range of every row), nor anything that orders, counts, dedups, joins or appends rows.
 */
const ROW_BY_ROW: ReadonlySet<A.Command['command']> = new Set([
  'search', 'where', 'eval', 'convert', 'table', 'fields', 'rename', 'fillnull', 'rex', 'regex', 'makemv', 'nomv', 'replace',
] as const);

/** What to do instead, for the unsupported commands security_content uses most. */
const UNSUPPORTED_HINTS: Record<string, string> = {
  mstats: 'mstats reads metrics indexes, which local log files do not have',
};

export interface CommandHandler<C extends A.Command> {
  /** May start a pipeline (search, makeresults, inputlookup…). */
  generating?: boolean;
  compile(cmd: C, input: Relation | undefined, b: PipelineBuilder): Relation;
}

/** Visible (user) fields of a schema in order, hidden columns excluded. */
export function userFields(schema: Schema): Field[] {
  return schema.list().filter((f) => !Object.values(HIDDEN).includes(f.column as never));
}
