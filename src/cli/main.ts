// The `duckhunt` command line (contract in the README): check, and — as they land — compile and run.

import { createWriteStream } from 'node:fs';
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { checkFile, collectQueryFiles, summarize, type CheckResult } from '../check.ts';
import { compileQuery, renderSql } from '../compile/index.ts';
import { Engine } from '../engine/engine.ts';
import { DuckhuntError } from '../errors.ts';
import { defaultMacroLibrary } from '../macros/index.ts';
import { ingest } from '../ingest/ingest.ts';
import { createWriter, type OutputFormat } from '../output/format.ts';
import { catalogFromFlags } from '../sources/catalog.ts';
import { compileOptions, prepare, type QueryFlags } from './query.ts';

const collect = (value: string, previous: string[]) => [...previous, value];

export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const program = new Command()
    .name('duckhunt')
    .description('Run Splunk SPL detections over local JSON and Parquet logs, compiled to DuckDB SQL.')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();

  const queryOptions = (cmd: Command) =>
    cmd
      .argument('[file]', 'a .spl query file or a security_content detection .yml')
      .option('-e, --execute <spl>', 'the query text itself instead of a file')
      .option('--source <sourcetype=path>', 'bind a sourcetype to NDJSON/Parquet files or a glob (repeatable; replaces the config)', collect, [])
      .option('--config <file>', 'sources config file (default: ./duckhunt.config.json, else the embedded sample data)')
      .option('--macros <path>', 'a macros.conf file or a directory of security_content macro .yml files (repeatable)', collect, [])
      .option('--earliest <time>', 'start of the time range: a Splunk time modifier (-70m@m, -24h, @d, -7d@w0), epoch or ISO-8601')
      .option('--latest <time>', 'end of the time range (exclusive), same forms as --earliest')
      .option('--now <time>', "the search's now, epoch seconds or ISO-8601 (default: the current time)")
      .option('--timezone <tz>', 'time zone for strftime, convert ctime and day bins', 'UTC')
      .option('--subsearch-maxout <rows>', "rows of a join/append subsearch that are used (Splunk's default)", '50000');

  queryOptions(program.command('run').description('run a query over the bound log files and print the results'))
    .addOption(new Option('-f, --format <format>', 'output format').choices(['table', 'json', 'ndjson', 'csv', 'parquet']).default('table'))
    .option('-o, --output <file>', 'write the results to a file instead of standard output')
    .option('--memory-limit <size>', 'DuckDB memory limit, e.g. 4GB (beyond it, DuckDB spills to disk)')
    .option('--threads <n>', 'DuckDB worker threads (default: all cores)')
    .option('--strict', 'fail on input lines that are not JSON or events without a readable time, instead of skipping and reporting them')
    .addHelpText(
      'after',
      `
Examples:
  duckhunt run queries/o365_email_send_and_hard_delete_exfiltration_behavior.spl
  duckhunt run -e 'sourcetype=o365:management:activity Operation=HardDelete | stats count by UserId'
  duckhunt run detection.yml --source o365:management:activity=logs/*.json --format json -o out.json`,
    )
    .action(async (file: string | undefined, opts: QueryFlags & { format: OutputFormat; output?: string; memoryLimit?: string; threads?: string; strict?: boolean }) => {
      const engine = await Engine.create({ timezone: opts.timezone, memoryLimit: opts.memoryLimit, threads: opts.threads ? Number(opts.threads) : undefined });
      try {
        const q = await prepare(file, opts, engine);
        for (const w of q.warnings) process.stderr.write(`warning: ${w.line !== undefined ? `${w.line}:${w.column}: ` : ''}${w.message}\n`);
        await engine.confine(q.bindings, opts.output ? [resolve(opts.output)] : []);
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
    });

  queryOptions(program.command('compile').description('print the DuckDB SQL a query compiles to (runs nothing)'))
    .option('--prelude', 'also print the helper macros the SQL uses, so it can be run in a DuckDB shell')
    .action(async (file: string | undefined, opts: QueryFlags & { prelude?: boolean }) => {
      const engine = await Engine.create({ timezone: opts.timezone });
      try {
        const q = await prepare(file, opts, engine);
        for (const w of q.warnings) process.stderr.write(`warning: ${w.line !== undefined ? `${w.line}:${w.column}: ` : ''}${w.message}\n`);
        process.stdout.write(renderSql(q, opts.prelude ?? false));
      } finally {
        engine.close();
      }
    });

  program
    .command('ingest')
    .description('convert NDJSON logs to Parquet partitioned by sourcetype and day, for fast time-ranged queries')
    .argument('<inputs...>', 'NDJSON files or globs (.json, .jsonl, .ndjson, optionally .gz)')
    .requiredOption('--sourcetype <sourcetype>', 'the sourcetype of the inputs (decides the _time field)')
    .requiredOption('--out <dir>', 'dataset root; the data goes to DIR/<sourcetype>/day=YYYY-MM-DD/')
    .option('--time-field <field>', 'the JSON field _time is read from (default: built in for O365, else _time)')
    .option('--overwrite', 'replace an existing dataset of this sourcetype')
    .addHelpText(
      'after',
      `
Then bind the dataset directory as the sourcetype's source:
  duckhunt ingest --sourcetype o365:management:activity 'logs/audit/*.json.gz' --out datasets
  duckhunt run detection.spl --source o365:management:activity=datasets/o365_management_activity --earliest -24h`,
    )
    .action(async (inputs: string[], opts: { sourcetype: string; out: string; timeField?: string; overwrite?: boolean }) => {
      const binding = catalogFromFlags(inputs.map((i) => `${opts.sourcetype}=${i}`)).bindings[0];
      if (binding.format !== 'ndjson') throw new DuckhuntError('source_error', 'ingest reads NDJSON files; these inputs are already Parquet');
      if (opts.timeField) binding.timeField = opts.timeField;
      const engine = await Engine.create({ timezone: 'UTC' });
      const tty = process.stderr.isTTY;
      try {
        const report = await ingest(engine, binding, opts.out, {
          overwrite: opts.overwrite ?? false,
          onProgress: tty ? (f) => process.stderr.write(`\ringesting ${opts.sourcetype}: ${(f * 100).toFixed(0)}%   `) : undefined,
        });
        if (tty) process.stderr.write('\n');
        process.stdout.write(`ingested ${report.events.toLocaleString('en-US')} events of ${opts.sourcetype} into ${report.out} (${report.days} day partitions)\n`);
        if (report.badLines > 0) {
          process.stderr.write(`warning: skipped ${report.badLines} line(s) that are not JSON objects: ${report.badExamples.join(', ')}${report.badLines > report.badExamples.length ? ', …' : ''}\n`);
        }
        if (report.untimed > 0) {
          process.stderr.write(`warning: ${report.untimed} event(s) have no readable ${binding.timeField}; they are kept under day=NULL with no _time\n`);
        }
      } finally {
        engine.close();
      }
    });

  program
    .command('check')
    .description('parse (and compile) each query; one line per file, non-zero exit if any fails')
    .argument('<paths...>', '.spl query files, security_content detection .yml files, or directories of them')
    .option('--macros <path>', 'a macros.conf file or a directory of security_content macro .yml files (repeatable)', collect, [])
    .option('--parse-only', 'only expand macros and parse; do not compile')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .addHelpText(
      'after',
      `
Examples:
  duckhunt check queries/
  duckhunt check --macros security_content/macros security_content/detections/cloud --format json

Statuses: ok, syntax_error, macro_error, unsupported, compile_error.`,
    )
    .action((paths: string[], opts: { macros: string[]; parseOnly?: boolean; format: 'text' | 'json' }) => {
      const macros = defaultMacroLibrary(opts.macros);
      // Compiling does not depend on which files are bound, so check binds none.
      const options = compileOptions({ source: [], macros: [], timezone: 'UTC', subsearchMaxout: '50000' });
      const results = collectQueryFiles(paths).map((f) =>
        checkFile(f, { macros, parseOnly: opts.parseOnly ?? false, compile: (parsed) => void compileQuery(parsed, [], options) }),
      );
      if (opts.format === 'json') {
        process.stdout.write(JSON.stringify(results.map(({ rendered: _, ...r }) => r), null, 2) + '\n');
      } else {
        for (const r of results) process.stdout.write(formatCheckLine(r) + '\n');
        process.stdout.write(summarize(results) + '\n');
      }
      if (results.some((r) => r.status !== 'ok')) exitCode = 1;
    });

  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (interrupted) {
      process.stderr.write('interrupted\n');
      return 130;
    }
    if (e instanceof DuckhuntError) {
      process.stderr.write(e.render() + '\n');
      return 2;
    }
    const code = (e as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help') return 0;
    if (code?.startsWith('commander.')) return 2;
    throw e;
  }
  return exitCode;
}

/**
 * On a terminal, a query running longer than a second shows DuckDB's progress on stderr (never on a pipe).
 * Ctrl-C interrupts the running query; the command then fails with exit code 130.
 */
function watchLongRun(engine: Engine): () => void {
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

let interrupted = false;

function formatCheckLine(r: CheckResult): string {
  if (r.status === 'ok') return `ok             ${r.file}`;
  const where = r.line !== null ? `:${r.line}:${r.column}` : '';
  return `${r.status.padEnd(14)} ${r.file}${where}: ${r.message}`;
}
