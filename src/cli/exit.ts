// How duckhunt ends: its exit codes, whether Ctrl-C stopped it, and the DUCKHUNT_DEBUG hook. Kept apart from
// the engine so that main (and `duckhunt --help`) loads no DuckDB.

import { cleanUpNow } from '../cleanup.ts';

export const EXIT = {
  ok: 0,
  /** `check`: some query failed. */
  failed: 1,
  /** Any error duckhunt reports (a positioned query error, a bad option, a missing file…). */
  error: 2,
  /** A defect: an error duckhunt did not expect (EX_SOFTWARE). */
  internal: 70,
  /** Ctrl-C (128 + SIGINT). */
  interrupted: 130,
  /** The reader of standard output went away (`| head`): 128 + SIGPIPE, as a Unix tool killed by it. */
  readerGone: 141,
} as const;

let interrupted = false;

/** Whether Ctrl-C stopped a query (main turns the resulting error into exit code 130). */
export const wasInterrupted = (): boolean => interrupted;

export function markInterrupted(): void {
  interrupted = true;
}

/**
 * Ends the process at once after Ctrl-C, by the signal itself (a shell sees 130, as for any program Ctrl-C
 * ends): process.exit would wait for a DuckDB query that did not stop. The spill directory and partial output
 * files are removed first.
 */
export function exitInterrupted(): void {
  process.stderr.write('interrupted\n');
  cleanUpNow();
  process.removeAllListeners('SIGINT');
  process.kill(process.pid, 'SIGINT');
  // Started with SIGINT ignored (a background job of a script), the signal does nothing.
  setTimeout(() => process.kill(process.pid, 'SIGKILL'), 1000).unref();
}

/** `DUCKHUNT_DEBUG=1`: internal errors with their stack, and when the main query starts (tests wait for it). */
export const debugging = (): boolean => Boolean(process.env.DUCKHUNT_DEBUG);

export function debug(what: string): void {
  if (debugging()) process.stderr.write(`duckhunt debug: ${what}\n`);
}
