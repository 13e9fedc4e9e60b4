// What every stage of compilation shares: positioned errors and warnings, column naming, options.

import type { Span } from '../errors.ts';
import { DuckhuntError, type ErrorKind } from '../errors.ts';
import { errorAt, type Expansion } from '../macros/index.ts';
import type { RegexSite } from './regex.ts';
import { ColumnNames } from './schema.ts';

export interface CompileOptions {
  /** `now()` and relative time modifiers are evaluated against this instant (epoch seconds). */
  now: number;
  /** IANA time zone for strftime, convert ctime and day-sized bins (decision D4: UTC by default). */
  timezone: string;
  /** Splunk's `[join] subsearch_maxout`: rows of a join subsearch that are used (decision D8). */
  subsearchMaxOut: number;
  /** The search's time range (the time picker: --earliest/--latest), epoch seconds; `earliest=`/`latest=` in a search override it. */
  timeRange: TimeRange;
  /** Splunk's `[stats] perc_method` (limits.conf): how perc, median and their kin pick a value (decision X8). */
  percMethod: PercMethod;
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
  timeRange: {},
  percMethod: 'nearest-rank',
});

export interface CompileWarning {
  message: string;
  line: number | undefined;
  column: number | undefined;
}

/** Columns every relation may carry besides the user's fields. */
export const HIDDEN = {
  seq: '_dh_seq', // Splunk's current row order: a sortable key (a number, or a struct of keys), smallest first
  line: '_dh_line', // line number in the source file (tie-break for the initial order)
} as const;

export class CompileContext {
  readonly columns = new ColumnNames(Object.values(HIDDEN));
  readonly warnings: CompileWarning[] = [];
  /** Where DuckDB compiles a regular expression, to tell a run-time failure at its call (regex.ts). */
  readonly regexSites: RegexSite[] = [];
  private readonly warned = new Set<string>();
  private nextName = 0;

  constructor(
    readonly expansion: Expansion,
    readonly options: CompileOptions,
  ) {}

  error(kind: ErrorKind, message: string, span: Span, hint?: string): DuckhuntError {
    return errorAt(this.expansion, kind, message, span, hint);
  }

  unsupported(what: string, span: Span, hint?: string): DuckhuntError {
    return this.error('unsupported', `${what} is not supported`, span, hint);
  }

  /** A warning shown once per distinct message and place. */
  warn(message: string, span: Span): void {
    const pos = errorAt(this.expansion, 'compile_error', message, span).position;
    const key = `${message}@${pos?.offset}`;
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.warnings.push({ message, line: pos?.line, column: pos?.column });
  }

  /** Records a regular expression DuckDB compiles: `what` names the caller, the span is the pattern's. */
  regexSite(what: string, span: Span, literal: boolean): void {
    this.regexSites.push({ what, literal, at: this.error('runtime_error', what, span) });
  }

  /** A fresh CTE or table name. */
  name(prefix: string): string {
    return `${prefix}_${++this.nextName}`;
  }
}
