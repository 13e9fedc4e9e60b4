// How a command that runs DuckDB shows progress and stops. On a terminal, a query running longer than a second
// shows DuckDB's progress on stderr (never on a pipe, and gone once results are printed). Ctrl-C interrupts the
// running query and the command exits with 130; if DuckDB does not stop within a grace period (a read blocked
// in the kernel never sees the interrupt), or on a second Ctrl-C, the process ends at once (exit.ts). Either
// way the spill directory and any partial output file are removed (cleanup.ts).

import { Engine, type EngineOptions } from '../engine/engine.ts';
import { debug, exitInterrupted, markInterrupted, wasInterrupted } from './exit.ts';

/** Time DuckDB gets to stop after Ctrl-C before the process exits anyway. */
const GRACE_MS = 3000;
const PROGRESS_AFTER_MS = 1000;

export class LongRun {
  private engine: Engine | undefined;
  private timer: NodeJS.Timeout | undefined;
  private shown = false;
  /** The shell's mode: Ctrl-C cancels the watched work only (see cancellable). */
  private cancelling: NodeJS.Timeout | undefined;
  private watching = false;
  /** Whether Ctrl-C cancelled the last watched work (the shell's mode). */
  cancelled = false;

  /**
   * `cancellable` (the shell): Ctrl-C while watched work runs interrupts that work and the process goes on; a
   * second Ctrl-C before it stops ends the process. Ctrl-C at other times is left to the caller.
   */
  constructor(
    private readonly progress: boolean,
    private readonly cancellable = false,
  ) {
    process.on('SIGINT', this.onSigint);
  }

  attach(engine: Engine): void {
    this.engine = engine;
  }

  private readonly onSigint = () => {
    this.stopProgress();
    const engine = this.engine;
    if (this.cancellable) {
      if (!this.watching || !engine) return;
      if (this.cancelled) return exitInterrupted();
      this.cancelled = true;
      engine.connection.interrupt();
      this.cancelling = setInterval(() => engine.connection.interrupt(), 100);
      return;
    }
    if (wasInterrupted() || !engine) return exitInterrupted();
    markInterrupted();
    // An interrupt reaches only a query that is running: repeated, it also stops one about to start.
    engine.connection.interrupt();
    setInterval(() => engine.connection.interrupt(), 100).unref();
    setTimeout(exitInterrupted, GRACE_MS).unref();
  };

  /** Runs `work` (the query) showing its progress on a terminal. */
  async watch<T>(work: () => Promise<T>): Promise<T> {
    const started = Date.now();
    const engine = this.engine!;
    if (this.progress) {
      this.timer = setInterval(() => {
        if (Date.now() - started < PROGRESS_AFTER_MS) return;
        const pct = engine.connection.progress.percentage;
        if (pct < 0) return;
        this.shown = true;
        process.stderr.write(`\rrunning… ${pct.toFixed(0)}%  `);
      }, 250);
    }
    debug('query started');
    this.watching = true;
    this.cancelled = false;
    try {
      return await work();
    } finally {
      this.watching = false;
      clearInterval(this.cancelling);
      this.stopProgress();
    }
  }

  /** Results are about to be printed: the progress line goes, so it never lands among them. */
  stopProgress(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.shown) process.stderr.write('\r\x1b[K');
    this.shown = false;
  }

  dispose(): void {
    this.stopProgress();
    process.removeListener('SIGINT', this.onSigint);
  }
}

/**
 * Runs `work` with a DuckDB engine, Ctrl-C handled from the start (so an interrupt during set-up still cleans
 * up), and the engine closed afterwards. `cancellable`: Ctrl-C cancels the watched work only (the shell).
 * `meanwhile` runs while DuckDB opens (in its own thread): start-up work of the main thread, such as loading the
 * compiler and building the parser, then costs no time of its own.
 */
export async function withEngine<T>(
  opts: EngineOptions & { cancellable?: boolean },
  work: (engine: Engine, run: LongRun) => Promise<T>,
  meanwhile?: () => void | Promise<void>,
): Promise<T> {
  const run = new LongRun(opts.progress ?? false, opts.cancellable);
  try {
    const creating = Engine.create(opts);
    try {
      await meanwhile?.();
    } catch (e) {
      // The engine being made is closed, not left open with its rejection unheard.
      await creating.then((engine) => engine.close(), () => {});
      throw e;
    }
    const engine = await creating;
    run.attach(engine);
    try {
      return await work(engine, run);
    } finally {
      engine.close();
    }
  } finally {
    run.dispose();
  }
}
