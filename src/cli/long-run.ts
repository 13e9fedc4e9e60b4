// What a long query shows and how it stops: on a terminal, a query running longer than a second shows DuckDB's
// progress on stderr (never on a pipe); Ctrl-C interrupts the running query and the command exits with 130.

import type { Engine } from '../engine/engine.ts';

let interrupted = false;

/** Whether Ctrl-C stopped a query (main turns the resulting error into exit code 130). */
export const wasInterrupted = (): boolean => interrupted;

export function watchLongRun(engine: Engine): () => void {
  const onSigint = () => {
    interrupted = true;
    engine.connection.interrupt();
  };
  process.once('SIGINT', onSigint);
  let shown = false;
  const started = Date.now();
  const timer = process.stderr.isTTY
    ? setInterval(() => {
        if (Date.now() - started < 1000) return;
        const pct = engine.connection.progress.percentage;
        if (pct < 0) return;
        shown = true;
        process.stderr.write(`\rrunning… ${pct.toFixed(0)}%  `);
      }, 250)
    : undefined;
  return () => {
    if (timer) clearInterval(timer);
    if (shown) process.stderr.write('\r\x1b[K');
    process.removeListener('SIGINT', onSigint);
  };
}
