// `duckhunt run`: compile a query, confine DuckDB to its sources, stream the rows to the chosen writer: standard
// output, or a file written aside and renamed into place when complete (output/destination.ts).

import { fstatSync } from 'node:fs';
import type { CompiledQuery } from '../../compile/index.ts';
import type { Engine, RunNotice } from '../../engine/engine.ts';
import { DuckhuntError } from '../../errors.ts';
import { OutputFile } from '../../output/destination.ts';
import { chooseFormat, type OutputFormat } from '../../output/choose.ts';
import { createWriter, type ByteSink, type RowWriter, type WriterOptions } from '../../output/format.ts';
import { streamSink } from '../../output/sink.ts';
import { withEngine, type LongRun } from '../long-run.ts';
import type { QueryFlags } from '../query.ts';

export interface RunFlags extends QueryFlags {
  /** -f; when not given, the -o file's extension decides (else the table). */
  format?: OutputFormat;
  output?: string;
  memoryLimit?: string;
  threads?: number;
  tempDir?: string;
  strict?: boolean;
  wide?: boolean;
  csvSafe?: boolean;
}

/** On a terminal the table shows this many rows, then says how many there were. */
const TERMINAL_ROWS = 100;
/** … and this many values of a multivalue cell. */
const TERMINAL_VALUES = 50;

export async function runCommand(file: string | undefined, flags: RunFlags): Promise<void> {
  const { format, note } = chooseFormat(flags.format, flags.output);
  const opts = { ...flags, format };
  if (format === 'parquet' && !opts.output) throw new DuckhuntError('usage_error', '--format parquet needs an output file: add -o results.parquet');
  if (format === 'arrow' && !opts.output && process.stdout.isTTY) {
    throw new DuckhuntError('usage_error', '--format arrow is binary and standard output is a terminal', { hint: 'write it to a file (-o results.arrow) or a pipe' });
  }
  const engineOptions = { memoryLimit: opts.memoryLimit, threads: opts.threads, tempDir: opts.tempDir, progress: process.stderr.isTTY };
  // The compiler and the parser are loaded and built while DuckDB opens (withEngine's `meanwhile`).
  let compiler: typeof import('../query.ts') | undefined;
  const loadCompiler = async () => {
    compiler = await import('../query.ts');
    (await import('../../../grammar/index.ts')).splParser();
  };
  await withEngine(engineOptions, async (engine, longRun) => {
    const { prepare, printWarnings } = compiler!;
    let output: OutputFile | undefined;
    try {
      // The output is checked before anything runs (before a field discovery reads the events, too): a bad path
      // fails at once, and what the query reads (a bound source, a lookup file) is never touched.
      const { query } = await prepare(file, opts, engine, async (q, bound) => {
        const inputs = await engine.boundInputs(bound);
        output = opts.output ? OutputFile.plan(opts.output, { ...inputs, files: [...inputs.files, ...q.lookupFiles] }) : undefined;
        return opts.format === 'parquet' ? [parquetPath(output!)] : [];
      });
      printWarnings(query.warnings);
      // Said once the output is known to be writable (a directory or a missing one is an error instead).
      if (note) process.stderr.write(`note: ${note}\n`);
      const parquet = opts.format === 'parquet' ? parquetPath(output!) : undefined;
      const { notices } = await longRun.watch(() => (parquet ? engine.copyToParquet(query, parquet, { strict: opts.strict }) : writeRows(engine, query, opts, output, longRun)));
      await output?.commit();
      for (const n of notices) process.stderr.write(`warning: ${n.message}\n`);
    } catch (e) {
      await output?.abort();
      throw e;
    }
  }, loadCompiler);
}

/** Parquet is written by DuckDB itself, into the partial file beside the target. */
function parquetPath(output: OutputFile): string {
  if (!output.partial) throw new DuckhuntError('output_error', `-o ${output.shown}: Parquet is written to a regular file, not to a pipe or device`);
  return output.partial;
}

async function writeRows(engine: Engine, query: CompiledQuery, opts: RunFlags & { format: OutputFormat }, output: OutputFile | undefined, longRun: LongRun): Promise<{ notices: RunNotice[] }> {
  let out: ByteSink;
  let end: () => Promise<void>;
  const writerOptions: WriterOptions = { csvSafe: opts.csvSafe };
  if (output) {
    out = await output.open();
    end = async () => {};
  } else {
    const stdout = streamSink(process.stdout, 'standard output');
    out = async (text) => {
      longRun.stopProgress();
      await stdout.write(text);
    };
    end = stdout.end;
    if (process.stdout.isTTY) {
      writerOptions.table = opts.wide ? { maxRows: TERMINAL_ROWS } : { width: process.stdout.columns, maxRows: TERMINAL_ROWS, maxValues: TERMINAL_VALUES };
    }
  }
  let writer: RowWriter;
  if (opts.format === 'arrow') {
    // The IPC file format needs a regular file (its footer comes last); a pipe gets the stream format.
    const file = output ? output.partial !== undefined : fstatSync(1).isFile();
    // Imported only here: apache-arrow is sizeable, and every other run starts without it.
    writer = (await import('../../output/arrow.ts')).arrowWriter(query.fields, out, { file });
  } else {
    writer = createWriter(opts.format as Exclude<OutputFormat, 'parquet' | 'arrow'>, query.fields, out, writerOptions);
  }
  const { notices } = await engine.run(query, (rows) => writer.write(rows), { strict: opts.strict });
  await writer.end();
  await end();
  return { notices };
}
