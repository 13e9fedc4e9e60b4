// The typed AST of an SPL pipeline. Every node carries `span`: a half-open range of offsets into the
// macro-expanded query text (map it back with the expansion's source map before showing it to a user).

import type { Span } from '../errors.ts';

export interface Node {
  span: Span;
}

// ───────────────────────────── search language (OR binds tighter than AND) ─────────────────────────────

/** A value as written in `search`: wildcards (`*`) kept, backslash escapes already processed. */
export interface SearchValue extends Node {
  text: string;
  quoted: boolean;
}

export type SearchCompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=';

export type SearchExpr =
  | SearchAnd
  | SearchOr
  | SearchNot
  | SearchCompare
  | SearchIn
  | SearchTerm
  | SearchDirective
  | SearchSubsearch;

export interface SearchAnd extends Node {
  kind: 'and';
  items: SearchExpr[];
}
export interface SearchOr extends Node {
  kind: 'or';
  items: SearchExpr[];
}
export interface SearchNot extends Node {
  kind: 'not';
  expr: SearchExpr;
}
/** `field=value`, `field!=value`, `field<value`… The right side is always a literal (never a field). */
export interface SearchCompare extends Node {
  kind: 'compare';
  field: FieldRef;
  op: SearchCompareOp;
  value: SearchValue;
}
/** `field IN (v1, v2, …)`: `field=v1 OR field=v2 …`, wildcards allowed. */
export interface SearchIn extends Node {
  kind: 'in';
  field: FieldRef;
  values: SearchValue[];
}
/** A bare term or quoted phrase, matched against `_raw`; `*` alone matches every event. */
export interface SearchTerm extends Node {
  kind: 'term';
  value: SearchValue;
}
/** `CASE(term)` (case-sensitive match) or `TERM(term)` (match an indexed term whole). */
export interface SearchDirective extends Node {
  kind: 'directive';
  directive: 'CASE' | 'TERM';
  value: SearchValue;
}
/** `[ … ]` inside a search: the subsearch's results become a filter. */
export interface SearchSubsearch extends Node {
  kind: 'subsearch';
  pipeline: Pipeline;
}

/** A field name as written (`Folder.Path`, `AffectedItems{}.Subject`, `-time`, `'quoted name'`). */
export interface FieldRef extends Node {
  name: string;
}

// ───────────────────────────── eval language (AND binds tighter than OR) ─────────────────────────────

export type BinaryOp =
  | 'OR'
  | 'XOR'
  | 'AND'
  | '='
  | '=='
  | '!='
  | '<'
  | '<='
  | '>'
  | '>='
  | 'LIKE'
  | '+'
  | '-'
  | '.'
  | '*'
  | '/'
  | '%';

export type Expr = FieldExpr | StringLit | NumberLit | CallExpr | BinaryExpr | UnaryExpr | InExpr;

export interface FieldExpr extends Node {
  kind: 'field';
  name: string;
  /** Written as `'name'` (single quotes). */
  quoted: boolean;
}
export interface StringLit extends Node {
  kind: 'string';
  value: string;
}
export interface NumberLit extends Node {
  kind: 'number';
  value: number;
  text: string;
}
export interface CallExpr extends Node {
  kind: 'call';
  /** Lower-cased: function names are case-insensitive (`CASE(` = `case(`). */
  name: string;
  nameSpan: Span;
  args: Expr[];
}
export interface BinaryExpr extends Node {
  kind: 'binary';
  op: BinaryOp;
  left: Expr;
  right: Expr;
}
export interface UnaryExpr extends Node {
  kind: 'unary';
  op: 'NOT' | '-' | '+';
  operand: Expr;
}
/** `x IN ("a", "b")`: exact, case-sensitive membership. */
export interface InExpr extends Node {
  kind: 'in';
  operand: Expr;
  values: Expr[];
}

// ───────────────────────────── commands ─────────────────────────────

/** `key=value` option as written; the value keeps its text (quotes removed, escapes processed). */
export interface CommandOption extends Node {
  name: string;
  value: string;
  valueSpan: Span;
  quoted: boolean;
}

export interface Pipeline extends Node {
  commands: Command[];
}

export type Command =
  | SearchCommand
  | WhereCommand
  | EvalCommand
  | BinCommand
  | JoinCommand
  | StatsCommand
  | ConvertCommand
  | TableCommand
  | FieldsCommand
  | RenameCommand
  | SortCommand
  | HeadCommand
  | TailCommand
  | DedupCommand
  | RexCommand
  | FillnullCommand
  | MvexpandCommand
  | LookupCommand
  | InputlookupCommand
  | OutputlookupCommand
  | AppendCommand
  | MakeresultsCommand
  | SpathCommand
  | TstatsCommand
  | FromCommand
  | DatamodelCommand
  | TimechartCommand
  | TopCommand
  | FormatCommand
  | ReturnCommand
  | ChartCommand
  | XyseriesCommand
  | UntableCommand
  | ReverseCommand
  | FieldsummaryCommand
  | TransactionCommand
  | AddtotalsCommand
  | AppendpipeCommand
  | RegexCommand
  | MakemvCommand
  | MvcombineCommand
  | NomvCommand
  | FromjsonCommand
  | IplocationCommand
  | MapCommand
  | XmlkvCommand
  | ForeachCommand
  | ReplaceCommand
  | GenericCommand;

interface CommandBase extends Node {
  /** The command word as written (`bucket`, `bin`, `STATS`…), and where it is. */
  nameSpan: Span;
}

export interface SearchCommand extends CommandBase {
  command: 'search';
  /** Absent for an empty search (`search` alone or the empty query), which keeps every event. */
  expr: SearchExpr | undefined;
  /** True for the initial search that has no `search` word. */
  implicit: boolean;
}

export interface WhereCommand extends CommandBase {
  command: 'where';
  expr: Expr;
}

export interface EvalAssignment extends Node {
  target: FieldRef;
  expr: Expr;
}
export interface EvalCommand extends CommandBase {
  command: 'eval';
  assignments: EvalAssignment[];
}

export interface BinCommand extends CommandBase {
  command: 'bin';
  /** `bin` or `bucket` (or `discretize`) as written. */
  alias: string;
  options: CommandOption[];
  field: FieldRef;
  as: FieldRef | undefined;
}

export interface JoinCommand extends CommandBase {
  command: 'join';
  options: CommandOption[];
  fields: FieldRef[];
  subsearch: Pipeline;
}

/** One aggregation: `count`, `values(x) as y`, `count(eval(x>1))`, `perc95(x)`. */
export interface Aggregation extends Node {
  /** Lower-cased function name as written (`values`, `dc`, `perc95`, `p50`…). */
  func: string;
  funcSpan: Span;
  /** Field argument (absent for `count`), or an `eval(...)` expression. */
  arg: { kind: 'field'; field: FieldRef } | { kind: 'eval'; expr: Expr } | undefined;
  as: FieldRef | undefined;
}

export interface StatsCommand extends CommandBase {
  command: 'stats' | 'eventstats' | 'streamstats';
  options: CommandOption[];
  aggregations: Aggregation[];
  by: FieldRef[];
}

export interface ConvertFunction extends Node {
  func: string; // ctime, mktime, dur2sec, …
  funcSpan: Span;
  field: FieldRef;
  as: FieldRef | undefined;
}
export interface ConvertCommand extends CommandBase {
  command: 'convert';
  options: CommandOption[];
  conversions: ConvertFunction[];
}

export interface TableCommand extends CommandBase {
  command: 'table';
  fields: FieldRef[];
}

export interface FieldsCommand extends CommandBase {
  command: 'fields';
  mode: '+' | '-';
  fields: FieldRef[];
}

export interface RenameClause extends Node {
  from: FieldRef;
  to: FieldRef;
}
export interface RenameCommand extends CommandBase {
  command: 'rename';
  renames: RenameClause[];
}

export interface SortKey extends Node {
  field: FieldRef;
  descending: boolean;
  /** `num(x)`, `str(x)`, `ip(x)`, `auto(x)` wrappers. */
  collation: 'auto' | 'num' | 'str' | 'ip';
}
export interface SortCommand extends CommandBase {
  command: 'sort';
  /** Undefined when not given (Splunk's default cap of 10,000 applies); 0 means no limit. */
  limit: number | undefined;
  keys: SortKey[];
  /** A trailing `d` / `desc` reverses the whole order. */
  reverse: boolean;
}

export interface HeadCommand extends CommandBase {
  command: 'head';
  count: number | undefined;
  options: CommandOption[];
}

export interface TailCommand extends CommandBase {
  command: 'tail';
  count: number | undefined;
}

export interface DedupCommand extends CommandBase {
  command: 'dedup';
  count: number | undefined;
  fields: FieldRef[];
  options: CommandOption[];
  sortby: SortKey[];
}

export interface RexCommand extends CommandBase {
  command: 'rex';
  options: CommandOption[];
  regex: string;
  regexSpan: Span;
}

export interface FillnullCommand extends CommandBase {
  command: 'fillnull';
  options: CommandOption[];
  fields: FieldRef[];
}

export interface MvexpandCommand extends CommandBase {
  command: 'mvexpand';
  field: FieldRef;
  options: CommandOption[];
}

export interface LookupField extends Node {
  field: FieldRef;
  as: FieldRef | undefined;
}
export interface LookupCommand extends CommandBase {
  command: 'lookup';
  options: CommandOption[];
  table: string;
  tableSpan: Span;
  inputs: LookupField[];
  outputMode: 'OUTPUT' | 'OUTPUTNEW' | undefined;
  outputs: LookupField[];
}

export interface InputlookupCommand extends CommandBase {
  command: 'inputlookup';
  options: CommandOption[];
  table: string;
  tableSpan: Span;
  where: SearchExpr | undefined;
}

export interface OutputlookupCommand extends CommandBase {
  command: 'outputlookup';
  options: CommandOption[];
  /** A lookup file name (`x.csv`) or a lookup definition's name. */
  table: string;
  tableSpan: Span;
}

export interface AppendCommand extends CommandBase {
  command: 'append';
  options: CommandOption[];
  subsearch: Pipeline;
}

export interface MakeresultsCommand extends CommandBase {
  command: 'makeresults';
  options: CommandOption[];
}

export interface SpathCommand extends CommandBase {
  command: 'spath';
  options: CommandOption[];
  /** A positional path (`spath a.b{}.c`) when no `path=` option is given. */
  path: string | undefined;
}

export interface TstatsCommand extends CommandBase {
  command: 'tstats';
  options: CommandOption[];
  aggregations: Aggregation[];
  /** `FROM datamodel=Model.Dataset` (or another namespace) as an option: `datamodel` and its value. */
  from: CommandOption | undefined;
  where: SearchExpr | undefined;
  by: FieldRef[];
}

/** `from datamodel:Model.Dataset` (also `datamodel:"…"` and `datamodel Model.Dataset`): the kind and the name. */
export interface FromCommand extends CommandBase {
  command: 'from';
  kind: string;
  dataset: string;
  datasetSpan: Span;
}

/** `datamodel [Model [Dataset [mode]]] [option=value…]`: the words as written. */
export interface DatamodelCommand extends CommandBase {
  command: 'datamodel';
  words: SearchValue[];
  options: CommandOption[];
}

export interface TimechartCommand extends CommandBase {
  command: 'timechart';
  options: CommandOption[];
  aggregations: Aggregation[];
  by: FieldRef[];
}

export interface TopCommand extends CommandBase {
  command: 'top' | 'rare';
  /** `top 5 user`: the number of values (as limit=). */
  count: number | undefined;
  options: CommandOption[];
  fields: FieldRef[];
  by: FieldRef[];
}

// ───────────────────────────── reporting commands and subsearch results ─────────────────────────────

/** `format [mvsep=…] [maxresults=N] ["row prefix" "column prefix" "column separator" "column end" "row separator" "row end"] [emptystr=…]` */
export interface FormatCommand extends CommandBase {
  command: 'format';
  options: CommandOption[];
  /** The six positional strings, when given (all six or none). */
  strings: SearchValue[];
}

/** One item of `return`: `user` (field=value), `alias=user` (alias=value) or `$user` (the value alone). */
export interface ReturnItem extends Node {
  kind: 'field' | 'alias' | 'value';
  field: FieldRef;
  alias: string | undefined;
}
export interface ReturnCommand extends CommandBase {
  command: 'return';
  /** Rows to use (default 1). */
  count: number | undefined;
  items: ReturnItem[];
}

/** `chart [options] agg… [over field] [by field [field]]`: `by a b` without `over` is `over a by b`. */
export interface ChartCommand extends CommandBase {
  command: 'chart';
  options: CommandOption[];
  aggregations: Aggregation[];
  over: FieldRef | undefined;
  by: FieldRef[];
}

/** `xyseries [grouped=…] x y-name y-data… [sep=…] [format=…]` */
export interface XyseriesCommand extends CommandBase {
  command: 'xyseries';
  options: CommandOption[];
  fields: FieldRef[];
}

/** `untable x-field name-field value-field` */
export interface UntableCommand extends CommandBase {
  command: 'untable';
  fields: FieldRef[];
}

export interface ReverseCommand extends CommandBase {
  command: 'reverse';
}

/** `fieldsummary [maxvals=N] [field…]` (wildcards allowed). */
export interface FieldsummaryCommand extends CommandBase {
  command: 'fieldsummary';
  options: CommandOption[];
  fields: FieldRef[];
}

/**
 * A transaction `startswith=`/`endswith=` filter: `(search expression)`, `eval(expression)`, or a word or quoted
 * string whose text is a search expression (`startswith="action=login"`), parsed by the compiler.
 */
export type TransactionFilter =
  | { kind: 'search'; expr: SearchExpr; span: Span }
  | { kind: 'eval'; expr: Expr; span: Span }
  | { kind: 'text'; value: SearchValue; span: Span };
export interface TransactionCommand extends CommandBase {
  command: 'transaction';
  fields: FieldRef[];
  options: CommandOption[];
  startswith: TransactionFilter | undefined;
  endswith: TransactionFilter | undefined;
}

/** `addtotals [row=…] [col=…] [labelfield=…] [label=…] [fieldname=…] [field…]` */
export interface AddtotalsCommand extends CommandBase {
  command: 'addtotals';
  options: CommandOption[];
  fields: FieldRef[];
}

/** `appendpipe [subpipeline]`: the subpipeline runs over the current results; its rows are appended. */
export interface AppendpipeCommand extends CommandBase {
  command: 'appendpipe';
  options: CommandOption[];
  subsearch: Pipeline;
}
// ── multivalue, JSON, filtering and enrichment commands ──

/** `regex [field=|field!=]"re"`: keeps the rows whose field (`_raw` by default) matches, or does not match. */
export interface RegexCommand extends CommandBase {
  command: 'regex';
  field: FieldRef | undefined;
  negated: boolean;
  regex: string;
  regexSpan: Span;
}

/** Commands that take options and field names in any order (`makemv delim="," f`, `iplocation prefix=x ip`). */
interface OptionsAndFields extends CommandBase {
  options: CommandOption[];
  fields: FieldRef[];
}
export interface MakemvCommand extends OptionsAndFields {
  command: 'makemv';
}
export interface MvcombineCommand extends OptionsAndFields {
  command: 'mvcombine';
}
export interface NomvCommand extends OptionsAndFields {
  command: 'nomv';
}
export interface FromjsonCommand extends OptionsAndFields {
  command: 'fromjson';
}
export interface IplocationCommand extends OptionsAndFields {
  command: 'iplocation';
}
/** `map search="…" [maxsearches=N]`: the search run once per input row, `$field$` replaced by the row's value. */
export interface MapCommand extends OptionsAndFields {
  command: 'map';
}
/** `xmlkv [field] [maxinputs=N]`: the XML's `<key>value</key>` pairs as fields. */
export interface XmlkvCommand extends OptionsAndFields {
  command: 'xmlkv';
}
export type OptionsAndFieldsCommand = MakemvCommand | MvcombineCommand | NomvCommand | FromjsonCommand | IplocationCommand | MapCommand | XmlkvCommand;

/**
 * `foreach [options] fields… [template]`: the template is text with placeholders (`<<FIELD>>`, `<<MATCHSTR>>`…)
 * that is filled in and parsed for each field. `probe` is the template parsed once with every placeholder
 * replaced by a name containing FOREACH_PLACEHOLDER: it checks the syntax early and tells which other fields the
 * template reads.
 */
export interface ForeachCommand extends OptionsAndFields {
  command: 'foreach';
  /** The text between the brackets. */
  template: string;
  /** Where that text starts and ends in the query (inside the brackets). */
  templateSpan: Span;
  probe: Pipeline;
}

/** `replace "old" WITH "new", … IN field, …`: values (with `*` wildcards) replaced in the fields. */
export interface ReplaceCommand extends CommandBase {
  command: 'replace';
  pairs: Array<{ from: SearchValue; to: SearchValue }>;
  fields: FieldRef[];
}

/** Marks the names that stand for a foreach placeholder in a ForeachCommand's probe (never a real field). */
export const FOREACH_PLACEHOLDER = 'dh_foreach_placeholder_';

/** Any command without a typed node: parsed only so that it can be reported as unsupported. */
export interface GenericCommand extends CommandBase {
  command: 'generic';
  name: string;
  /** The argument text as written (after macro expansion), subsearch brackets included. */
  args: string;
  argsSpan: Span;
}

export type CommandName = Command['command'];
