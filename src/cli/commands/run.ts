// `duckhunt run`: compile a query, confine DuckDB to its sources, stream the rows to the chosen writer.

import { createWriteStream } from 'node:fs';
import { resolve } from 'node:path';
import { Engine } from '../../engine/engine.ts';
import { DuckhuntError } from '../../errors.ts';
import { createWriter, type OutputFormat } from '../../output/format.ts';
import { prepare, printWarnings, type QueryFlags } from '../query.ts';
import { watchLongRun } from '../long-run.ts';

export interface RunFlags extends QueryFlags {
  format: OutputFormat;
  output?: string;
  memoryLimit?: string;
  threads?: string;
  strict?: boolean;
}

export async function runCommand(file: string | undefined, opts: RunFlags): Promise<void> {
  const engine = await Engine.create({ memoryLimit: opts.memoryLimit, threads: opts.threads ? Number(opts.threads) : undefined });
  try {
    const q = await prepare(file, opts, engine, opts.output ? [resolve(opts.output)] : []);
    printWarnings(q.warnings);
    let notices;
    const stop = watchLongRun(engine);
    try {
      if (opts.format === 'parquet') {
        if (!opts.output) throw new DuckhuntError('compile_error', '--format parquet needs an output file: add -o results.parquet');
        ({ notices } = await engine.copyToParquet(q, opts.output, { strict: opts.strict }));
      } else {
        const stream = opts.output ? createWriteStream(opts.output) : process.stdout;
        const writer = createWriter(opts.format, q.fields, (text) => stream.write(text));
        ({ notices } = await engine.run(q, (rows) => writer.write(rows), { strict: opts.strict }));
        writer.end();
        if (opts.output) await new Promise<void>((resolve, reject) => (stream as ReturnType<typeof createWriteStream>).end((err?: Error | null) => (err ? reject(err) : resolve())));
      }
    } finally {
      stop();
    }
    for (const n of notices) process.stderr.write(`warning: ${n.message}\n`);
  } finally {
    engine.close();
  }
}
