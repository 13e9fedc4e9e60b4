// The shell's read-run-print loop over node:readline. At the prompt the terminal is in raw mode (readline edits
// the line, completes, recalls history; Ctrl-C is a key). While a query runs it is back in cooked mode, so Ctrl-C
// is the terminal's SIGINT, which LongRun turns into an interrupt of that query only; the shell goes on.

import { createInterface, type Interface } from 'node:readline';
import { performance } from 'node:perf_hooks';
import { renderSql, type CompiledQuery } from '../../compile/index.ts';
import { COMMANDS } from '../../compile/commands/index.ts';
import { STATS_FUNCTIONS } from '../../compile/commands/stats.ts';
import { FUNCTIONS } from '../../compile/functions.ts';
import type { Engine, Row } from '../../engine/engine.ts';
import { DuckhuntError } from '../../errors.ts';
import { refreshLookups } from '../../knowledge/bundle.ts';
import { createWriter, type Sink } from '../../output/format.ts';
import type { ShellFlags } from '../commands/shell.ts';
import { exitInterrupted } from '../exit.ts';
import type { LongRun } from '../long-run.ts';
import { internalError } from '../main.ts';
import { prepare, printWarnings, type QuerySession } from '../query.ts';
import type { SourceBinding } from '../../sources/catalog.ts';
import { completions, type Vocabulary } from './complete.ts';
import { runDotCommand } from './dot.ts';
import { historyEntry, historyFile, HISTORY_SIZE, loadHistory, needsMore, saveHistory } from './input.ts';

const PROMPT = 'duckhunt> ';
const MORE = '     ...> ';
/** A result shows this many rows (every format); `.save FILE` writes them all. */
export const SHOWN_ROWS = 100;
/** … and this many values of a multivalue cell in the table. */
const SHOWN_VALUES = 50;

/** The last query run: `.sql` prints it, `.save` runs it again into a file. */
export interface LastQuery {
  text: string;
  query: CompiledQuery;
}

export class Shell {
  readonly flags: ShellFlags;
  last: LastQuery | undefined;
  private rl!: Interface;
  private pending: string[] = [];
  private readonly terminal = Boolean(process.stdin.isTTY && process.stdout.isTTY);
  private historyPath = historyFile();
  private readonly fieldCache = new Map<string, Promise<string[]>>();
  private closing = false;
  /** Queries and dot-commands that failed: a script fed to the shell (not a terminal) then exits non-zero. */
  failures = 0;

  constructor(
    readonly engine: Engine,
    private readonly longRun: LongRun,
    readonly session: QuerySession,
    /** Every bound source, as configured. */
    readonly bound: SourceBinding[],
    flags: ShellFlags,
  ) {
    // A copy: `.time` and `.format` change it for the rest of the session.
    this.flags = { ...flags };
  }

  async run(): Promise<void> {
    const vocabulary = this.vocabulary();
    this.rl = createInterface({
      input: process.stdin,
      output: process.stdout,
      terminal: this.terminal,
      // readline would add each line of a query typed over several; the shell adds whole queries (remember()).
      history: loadHistory(this.historyPath),
      historySize: 0,
      completer: (line: string, done: (e: Error | null, r?: [string[], string]) => void) => {
        completions([...this.pending, line].join('\n'), vocabulary).then((r) => done(null, r), () => done(null, [[], line]));
      },
    });
    this.rl.on('SIGINT', () => this.onCtrlC());
    // A SIGINT not from the keyboard (kill -INT, or Ctrl-C with input from a pipe) while no query runs ends the shell.
    const idleInterrupt = () => {
      if (!this.busy) exitInterrupted();
    };
    process.on('SIGINT', idleInterrupt);
    this.rl.on('close', () => (this.closing = true));
    if (this.terminal) {
      const n = new Set(this.bound.map((b) => b.sourcetype)).size;
      process.stdout.write(`duckhunt shell: ${n} sourcetype${n === 1 ? '' : 's'} bound (.sources); .help for help, Ctrl-D to leave\n`);
    }
    try {
      this.prompt();
      for await (const line of this.rl) {
        if (await this.onLine(line)) break;
        this.prompt();
      }
    } finally {
      process.removeListener('SIGINT', idleInterrupt);
      this.rl.close();
      if (this.terminal) process.stdout.write('\n');
    }
  }

  private busy = false;

  private prompt(): void {
    if (this.closing) return;
    this.rl.setPrompt(this.pending.length > 0 ? MORE : PROMPT);
    if (this.terminal) this.rl.prompt();
    else this.rl.resume();
  }

  /** Ctrl-C at the prompt: drops what was typed, or says how to leave. */
  private onCtrlC(): void {
    const typed = this.pending.length > 0 || this.rl.line.length > 0;
    Object.assign(this.rl, { line: '', cursor: 0 });
    this.pending = [];
    process.stdout.write(typed ? '^C\n' : '\n(to leave the shell: Ctrl-D, or .quit)\n');
    this.prompt();
  }

  /** One line typed; true when the shell should end (.quit). */
  private async onLine(line: string): Promise<boolean> {
    if (this.pending.length === 0) {
      const trimmed = line.trim();
      if (trimmed === '') return false;
      if (trimmed.startsWith('.')) {
        this.remember(trimmed);
        return this.report(() => runDotCommand(this, trimmed));
      }
    }
    this.pending.push(line);
    const text = this.pending.join('\n');
    if (needsMore(text)) return false;
    this.remember(historyEntry(this.pending));
    this.pending = [];
    await this.report(() => this.query(text));
    return false;
  }

  private remember(entry: string): void {
    const history = (this.rl as unknown as { history: string[] }).history;
    if (history[0] === entry) return;
    history.unshift(entry);
    history.length = Math.min(history.length, HISTORY_SIZE);
    const problem = saveHistory(this.historyPath, entry);
    if (problem) {
      // Said once: the session goes on with the history in memory only.
      process.stderr.write(`warning: ${problem}; the history of this session is not kept\n`);
      this.historyPath = undefined;
    }
  }

  /** Runs a query or a dot-command; its error is shown as `run` shows it, and the shell goes on. */
  private async report(work: () => Promise<boolean | void>): Promise<boolean> {
    try {
      return (await work()) === true;
    } catch (e) {
      this.failures++;
      if (e instanceof Cancelled) process.stderr.write('cancelled\n');
      else process.stderr.write((e instanceof DuckhuntError ? e.render() : internalError(e)) + '\n');
      return false;
    }
  }

  /**
   * Runs `work` as a query runs: Ctrl-C cancels it (the terminal in cooked mode sends SIGINT), DuckDB's
   * progress shows after a second.
   */
  async busyWith<T>(work: () => Promise<T>): Promise<T> {
    this.rl.pause();
    if (this.terminal) process.stdin.setRawMode(false);
    this.busy = true;
    // Files may have come or gone since the last query: the bound globs' files and the lookup directory's.
    this.engine.relist();
    refreshLookups(this.session.knowledge);
    try {
      return await this.longRun.watch(work);
    } catch (e) {
      // Whatever failed once Ctrl-C interrupted DuckDB (a query, a discovery, a subsearch) failed because of it.
      throw this.longRun.cancelled ? new Cancelled() : e;
    } finally {
      this.busy = false;
      if (this.terminal) process.stdin.setRawMode(true);
    }
  }

  /** Compiles the text against the session and prints its first rows, then its row count and time. */
  private async query(text: string): Promise<void> {
    const started = performance.now();
    const { rowCount, shown } = await this.busyWith(async () => {
      const { query } = await prepare(undefined, { ...this.flags, execute: text }, this.engine, undefined, this.session);
      printWarnings(query.warnings);
      this.last = { text, query };
      const out: Sink = (t) => {
        this.longRun.stopProgress();
        return new Promise<void>((resolve) => process.stdout.write(t, () => resolve()));
      };
      const table = { width: this.terminal ? process.stdout.columns : undefined, maxValues: SHOWN_VALUES, footer: false };
      const writer = createWriter(this.flags.format, query.fields, out, { table });
      let shown = 0;
      const { rowCount, notices } = await this.engine.run(
        query,
        async (rows: Row[]) => {
          if (shown >= SHOWN_ROWS) return;
          const part = rows.slice(0, SHOWN_ROWS - shown);
          shown += part.length;
          await writer.write(part);
        },
        { strict: this.flags.strict },
      );
      await writer.end();
      for (const n of notices) process.stderr.write(`warning: ${n.message}\n`);
      return { rowCount, shown };
    });
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    const count = `${rowCount.toLocaleString('en-US')} ${rowCount === 1 ? 'row' : 'rows'} in ${seconds} s`;
    process.stdout.write(shown < rowCount ? `(${count}; the first ${shown} shown, .save FILE writes them all)\n` : `(${count})\n`);
  }

  /** The SQL of the last query (`.sql`). */
  lastSql(): string | undefined {
    return this.last && renderSql(this.last.query, false);
  }

  /** The field names of a sourcetype's events (all bound events without one), over all time; cached. */
  fields(sourcetype?: string): Promise<string[]> {
    const key = sourcetype ?? '';
    let names = this.fieldCache.get(key);
    if (!names) {
      const spl = `${sourcetype === undefined ? '*' : `sourcetype=${splString(sourcetype)}`} | table *`;
      names = prepare(undefined, { ...this.flags, execute: spl, earliest: undefined, latest: undefined }, this.engine, undefined, this.session).then(({ query }) => [
        ...new Set(['_time', '_raw', ...query.fields.map((f) => f.name)]),
      ]);
      // A failure is not kept: the next ask tries again.
      names.catch(() => this.fieldCache.delete(key));
      this.fieldCache.set(key, names);
    }
    return names;
  }

  private vocabulary(): Vocabulary {
    return {
      commands: [...Object.keys(COMMANDS)].sort(),
      functions: [...new Set([...FUNCTIONS.keys(), ...STATS_FUNCTIONS])],
      macros: this.session.macros.definitions().map((d) => (d.args.length > 0 ? `${d.name}(` : d.name)),
      sourcetypes: [...new Set(this.bound.map((b) => b.sourcetype))],
      indexes: [...new Set(this.bound.map((b) => b.index))],
      fields: (sourcetype) => this.fields(sourcetype),
    };
  }
}

/** Work that Ctrl-C cancelled. */
class Cancelled extends Error {}

/** A value as an SPL double-quoted string. */
const splString = (s: string): string => `"${s.replace(/[\\"]/g, (c) => '\\' + c)}"`;
