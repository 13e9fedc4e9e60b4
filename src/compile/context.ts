// What every stage of compilation shares: positioned errors and warnings, column naming, options.

import type { Span } from '../errors.ts';
import { DuckhuntError, type ErrorKind } from '../errors.ts';
import { builtInKnowledge, type Knowledge } from '../knowledge/bundle.ts';
import { errorAt, expandMacros, MacroLibrary, type Expansion } from '../macros/index.ts';
import type { RegexSite } from './regex.ts';
import { ColumnNames } from './schema.ts';

export interface CompileOptions {
  /** `now()` and relative time modifiers are evaluated against this instant (epoch seconds). */
  now: number;
  /** IANA time zone for strftime, convert ctime and day-sized bins (decision D4: UTC by default). */
  timezone: string;
  /** Splunk's `[join] subsearch_maxout`: rows of a join subsearch that are used (decision D8). */
  subsearchMaxOut: number;
  /** Splunk's `[subsearch] maxout`: rows of a subsearch used as a search filter. */
  filterMaxOut: number;
  /** Splunk's `[subsearch] maxtime`: seconds a subsearch used as a search filter may run (0: no limit). */
  filterMaxTime: number;
  /** The search's time range (the time picker: --earliest/--latest), epoch seconds; `earliest=`/`latest=` in a search override it. */
  timeRange: TimeRange;
  /** Knowledge bundles (props, eventtypes, tags, lookups); duckhunt's own bundle by default. */
  knowledge: Knowledge;
  /** Splunk's `[stats] perc_method` (limits.conf): how perc, median and their kin pick a value (decision X8). */
  percMethod: PercMethod;
  /** The MaxMind database (.mmdb) iplocation reads (--geoip); iplocation is an error without one. */
  geoip?: string;
}

export type PercMethod = 'nearest-rank' | 'interpolated';

export interface TimeRange {
  earliest?: number;
  latest?: number;
}

export const defaultCompileOptions = (): CompileOptions => ({
  now: Math.floor(Date.now() / 1000),
  timezone: 'UTC',
  subsearchMaxOut: 50_000,
  filterMaxOut: 10_000,
  filterMaxTime: 60,
  timeRange: {},
  knowledge: builtInKnowledge(),
  percMethod: 'nearest-rank',
});

export interface CompileWarning {
  message: string;
  line: number | undefined;
  column: number | undefined;
}

/** Columns every relation may carry besides the user's fields. */
export const HIDDEN = {
  // Splunk's current row order: a sortable key (a number, or a struct of keys), smallest first. Not a row
  // identity: raw events of the same second in one file share it when lines are not numbered (collect.ts,
  // eventOrderMatters), so no command may group or partition rows by it.
  seq: '_dh_seq',
  line: '_dh_line', // line number in the source file (tie-break for the initial order)
} as const;

/** What every context of one compilation shares, whichever text its errors point into. */
interface SharedState {
  columns: ColumnNames;
  warnings: CompileWarning[];
  warned: Set<string>;
  counter: { next: number };
  /** Where DuckDB compiles a regular expression, to tell a run-time failure at its call (regex.ts). */
  regexSites: RegexSite[];
  lookupFiles: Set<string>;
}

export class CompileContext {
  readonly columns: ColumnNames;
  readonly warnings: CompileWarning[];
  readonly regexSites: RegexSite[];
  /** Lookup files the query reads (the engine confines DuckDB to them). */
  readonly lookupFiles: Set<string>;
  private readonly shared: SharedState;

  constructor(
    readonly expansion: Expansion,
    readonly options: CompileOptions,
    shared?: SharedState,
    /** Where `expansion` comes from when it is not the query: a knowledge object's `file:line`. */
    private readonly origin?: string,
  ) {
    this.shared = shared ?? { columns: new ColumnNames(Object.values(HIDDEN)), warnings: [], warned: new Set(), counter: { next: 0 }, regexSites: [], lookupFiles: new Set() };
    this.columns = this.shared.columns;
    this.warnings = this.shared.warnings;
    this.regexSites = this.shared.regexSites;
    this.lookupFiles = this.shared.lookupFiles;
  }

  /**
   * A context for text that is not the query (a props.conf EVAL, an eventtype's search): its errors point into
   * that text and name where it was written; names, columns and warnings stay shared with the query's.
   */
  within(text: string, origin: string, expansion: Expansion = expandMacros(text, new MacroLibrary())): CompileContext {
    return new CompileContext(expansion, this.options, this.shared, origin);
  }

  error(kind: ErrorKind, message: string, span: Span, hint?: string): DuckhuntError {
    const e = errorAt(this.expansion, kind, message, span, hint);
    return this.origin ? e.withFile(this.origin) : e;
  }

  unsupported(what: string, span: Span, hint?: string): DuckhuntError {
    return this.error('unsupported', `${what} is not supported`, span, hint);
  }

  /** "line:column" of a place in the query text (after macro expansion, in the user's own text), or undefined. */
  where(span: Span): string | undefined {
    const pos = this.origin ? undefined : errorAt(this.expansion, 'compile_error', '', span).position;
    return pos ? `${pos.line}:${pos.column}` : undefined;
  }

  /** A warning shown once per distinct message and place. */
  warn(message: string, span: Span): void {
    const pos = errorAt(this.expansion, 'compile_error', message, span).position;
    const key = `${this.origin ?? ''}${message}@${pos?.offset}`;
    if (this.shared.warned.has(key)) return;
    this.shared.warned.add(key);
    if (this.origin) this.warnings.push({ message: `${this.origin}: ${message}`, line: undefined, column: undefined });
    else this.warnings.push({ message, line: pos?.line, column: pos?.column });
  }

  /** Records a regular expression DuckDB compiles: `what` names the caller, the span is the pattern's. */
  regexSite(what: string, span: Span, literal: boolean): void {
    this.regexSites.push({ what, literal, at: this.error('runtime_error', what, span) });
  }

  /** A fresh CTE or table name. */
  name(prefix: string): string {
    return `${prefix}_${++this.shared.counter.next}`;
  }
}
