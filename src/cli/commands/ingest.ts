// `duckhunt ingest`: NDJSON logs → Parquet partitioned by day, with a report of what was skipped.

import { DuckhuntError } from '../../errors.ts';
import { ingest } from '../../ingest/ingest.ts';
import { catalogFromFlags } from '../../sources/catalog.ts';
import { withEngine } from '../long-run.ts';

export interface IngestFlags {
  sourcetype: string;
  out: string;
  timeField?: string;
  overwrite?: boolean;
  tempDir?: string;
}

export async function ingestCommand(inputs: string[], opts: IngestFlags): Promise<void> {
  const binding = catalogFromFlags(inputs.map((i) => `${opts.sourcetype}=${i}`)).bindings[0];
  if (binding.format !== 'ndjson') throw new DuckhuntError('source_error', 'ingest reads NDJSON files; these inputs are already Parquet');
  if (opts.timeField) binding.timeField = opts.timeField;
  const tty = process.stderr.isTTY;
  await withEngine({ timezone: 'UTC', tempDir: opts.tempDir, progress: tty }, async (engine) => {
    let report;
    try {
      report = await ingest(engine, binding, opts.out, {
        overwrite: opts.overwrite ?? false,
        onProgress: tty ? (f) => process.stderr.write(`\ringesting ${opts.sourcetype}: ${(f * 100).toFixed(0)}%   `) : undefined,
      });
    } catch (e) {
      // DuckDB's and the file system's errors (a corrupt .gz, an unwritable --out) as one line naming the cause.
      if (e instanceof DuckhuntError) throw e;
      throw new DuckhuntError('source_error', `ingest of ${opts.sourcetype} failed: ${(e as Error).message.split('\n')[0]}`);
    }
    if (tty) process.stderr.write('\n');
    process.stdout.write(`ingested ${report.events.toLocaleString('en-US')} events of ${opts.sourcetype} into ${report.out} (${report.days} day partitions)\n`);
    if (report.badLines > 0) {
      process.stderr.write(`warning: skipped ${report.badLines} line(s) that are not JSON objects: ${report.badExamples.join(', ')}${report.badLines > report.badExamples.length ? ', …' : ''}\n`);
    }
    if (report.untimed > 0) {
      process.stderr.write(`warning: ${report.untimed} event(s) have no readable ${binding.timeField}; they are kept under day=NULL with no _time\n`);
    }
  });
}
