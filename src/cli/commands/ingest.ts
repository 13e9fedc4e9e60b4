// `duckhunt ingest`: NDJSON logs → Parquet partitioned by day, with a report of what was added and skipped.

import { DuckhuntError } from '../../errors.ts';
import { ingest } from '../../ingest/ingest.ts';
import { catalogFromFlags } from '../../sources/catalog.ts';
import { wasInterrupted } from '../exit.ts';
import { withEngine } from '../long-run.ts';

export interface IngestFlags {
  sourcetype: string;
  out: string;
  timeField?: string;
  overwrite?: boolean;
  tempDir?: string;
}

const n = (x: number) => x.toLocaleString('en-US');

export async function ingestCommand(inputs: string[], opts: IngestFlags): Promise<void> {
  const given = catalogFromFlags(inputs.map((i) => `${opts.sourcetype}=${i}`)).bindings[0];
  if (given.format === 'parquet') throw new DuckhuntError('source_error', 'ingest reads NDJSON files; these inputs are already Parquet');
  // Ingest reads NDJSON whatever the files are called (lines that are not JSON objects are reported).
  const binding = { ...given, format: 'ndjson' as const };
  if (opts.timeField) binding.timeField = opts.timeField;
  await withEngine({ timezone: 'UTC', tempDir: opts.tempDir, progress: process.stderr.isTTY }, async (engine, longRun) => {
    let report;
    try {
      // Ctrl-C interrupts DuckDB; the ingest then removes what it built aside and the dataset stays as it was.
      report = await longRun.watch(() => ingest(engine, binding, opts.out, { overwrite: opts.overwrite ?? false, stopped: wasInterrupted }));
    } catch (e) {
      // DuckDB's and the file system's errors (a corrupt .gz, an unwritable --out) as one line naming the cause.
      if (e instanceof DuckhuntError) throw e;
      throw new DuckhuntError('source_error', `ingest of ${opts.sourcetype} failed: ${(e as Error).message.split('\n')[0]}`);
    }
    const warn = (s: string) => process.stderr.write(`warning: ${s}\n`);
    for (const notice of report.notices) warn(notice);
    const appended = report.added.filter((a) => a.from > 0).length;
    const whole = report.added.length - appended;
    const files = [`${whole} new file(s)`, appended ? `new lines of ${appended} file(s) ingested before` : '', report.skipped.length ? `${report.skipped.length} file(s) with nothing new skipped` : '']
      .filter(Boolean)
      .join(', ');
    process.stdout.write(
      `added ${n(report.events)} events of ${opts.sourcetype} to ${report.out} (${report.days} day partition(s)) from ${files}; ` +
        `the dataset holds ${n(report.datasetEvents)} events over ${report.datasetDays} day(s)\n`,
    );
    for (const s of report.skipped.filter((x) => x.of)) process.stdout.write(`skipped ${s.path}: its content was ingested as ${s.of}\n`);
    if (report.badLines > 0) {
      const kinds = report.unreadableLines > 0 ? `that are not JSON objects (${report.unreadableLines} not UTF-8 text or holding a NUL byte)` : 'that are not JSON objects';
      warn(`skipped ${report.badLines} line(s) ${kinds}: ${report.badExamples.join(', ')}${report.badLines > report.badExamples.length ? ', …' : ''}`);
    }
    if (report.untimed > 0) warn(`${report.untimed} event(s) have no readable ${binding.timeField}; they are kept under day=NULL with no _time`);
    for (const h of report.heldBack) warn(`the last ${n(h.bytes)} bytes of ${h.path} are not a complete line yet; the next ingest adds them once they are`);
  });
}
