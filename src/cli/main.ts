// The `duckhunt` command line (contract in the README). Only the option definitions live here; each command's
// work is in cli/commands/ and is imported when that command runs, so `duckhunt --help` loads neither the
// parser nor DuckDB.

import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { DuckhuntError, systemReason } from '../errors.ts';
import { OUTPUT_FORMATS } from '../output/choose.ts';
import { OutputClosed } from '../output/sink.ts';
import type { CheckFlags } from './commands/check.ts';
import type { TestFlags } from './commands/test.ts';
import type { IngestFlags } from './commands/ingest.ts';
import type { RunFlags } from './commands/run.ts';
import type { ShellFlags } from './commands/shell.ts';
import { debugging, EXIT, wasInterrupted } from './exit.ts';
import type { QueryFlags } from './query.ts';

const collect = (value: string, previous: string[]) => [...previous, value];

// The build writes the package's version in (scripts/build.mjs); from the TypeScript sources it is read.
declare const __DUCKHUNT_VERSION__: string | undefined;
const version = (): string =>
  typeof __DUCKHUNT_VERSION__ === 'string' ? __DUCKHUNT_VERSION__ : (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** `--memory-limit`: a size in DuckDB's units (KB, MB, GB, TB powers of 1000; KiB, MiB, GiB, TiB of 1024). */
function memorySize(value: string): string {
  if (!/^\s*\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$/i.test(value)) throw new InvalidArgumentError('expected a size such as 4GB, 512MB or 2GiB.');
  return value.trim();
}

function positiveInteger(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('expected a whole number, at least 1.');
  return Number(value);
}

const MEMORY_HELP =
  "DuckDB's memory limit, e.g. 4GB (default: half the machine's memory). It bounds DuckDB's buffer pool " +
  '(intermediate results, hash tables, sorts), which spills to --temp-dir beyond it; the process as a whole ' +
  'uses more (Node, DuckDB outside its pool): see README "Memory"';

export async function main(argv: string[]): Promise<number> {
  let exitCode: number = EXIT.ok;
  // Writing to a closed pipe or a full disk is an error event on the stream; without a listener it would crash.
  let stdoutFailure: NodeJS.ErrnoException | undefined;
  const onStdoutError = (e: NodeJS.ErrnoException) => (stdoutFailure ??= e);
  const onStderrError = () => {};
  process.stdout.on('error', onStdoutError);
  process.stderr.on('error', onStderrError);
  const lastResort = (e: unknown) => {
    process.stderr.write(internalError(e) + '\n');
    process.exit(EXIT.internal);
  };
  process.on('uncaughtException', lastResort);
  process.on('unhandledRejection', lastResort);
  const program = new Command()
    .name('duckhunt')
    .description('Run Splunk SPL detections over local JSON and Parquet logs, compiled to DuckDB SQL.')
    .version(version(), '-V, --version', 'print the version')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();

  const queryOptions = (cmd: Command) =>
    sessionOptions(cmd.argument('[file]', 'a .spl query file or a security_content detection .yml (- reads the query from standard input)').option('-e, --execute <spl>', 'the query text itself instead of a file'));
  // What queries run against (sources, knowledge, macros, time, limits): `run`, `compile` and `shell` share them.
  const sessionOptions = (cmd: Command) =>
    cmd
      .option('--source <sourcetype=path>', 'bind a sourcetype to NDJSON/Parquet files or a glob (repeatable; replaces the config)', collect, [])
      .option('--config <file>', 'sources config file (default: ./duckhunt.config.json, else the embedded sample data)')
      .option('--macros <path>', 'a macros.conf file or a directory of security_content macro .yml files (repeatable)', collect, [])
      .option('--knowledge <dir>', 'a knowledge bundle: a Splunk app directory or a security_content checkout (repeatable; later ones win)', collect, [])
      .option('--lookup-dir <dir>', 'the directory outputlookup writes lookup files to (and where lookups are also found)')
      .option('--earliest <time>', 'start of the time range: a Splunk time modifier (-70m@m, -24h, @d, -7d@w0), epoch, ISO-8601 or MM/DD/YYYY:HH:MM:SS')
      .option('--latest <time>', 'end of the time range (exclusive), same forms as --earliest')
      .option('--now <time>', "the search's now, epoch seconds, ISO-8601 or MM/DD/YYYY:HH:MM:SS (default: the current time)")
      .option('--timezone <tz>', 'IANA time zone for day bins, @d/@w snapping, strftime, strptime, relative_time, convert ctime and absolute times without an offset', 'UTC')
      .option('--subsearch-maxout <rows>', "rows of a join/append subsearch that are used (Splunk's default)", '50000')
      .option('--subsearch-filter-maxout <rows>', "rows of a subsearch used as a search filter that are used (Splunk's default)", '10000')
      .option('--subsearch-filter-maxtime <seconds>', 'seconds a subsearch used as a search filter may run (0: no limit)', '60')
      .addOption(new Option('--perc-method <method>', "how perc/median pick a value (limits.conf [stats] perc_method)").choices(['nearest-rank', 'interpolated']).default('nearest-rank'))
      .option('--geoip <file>', 'the MaxMind database (.mmdb, e.g. GeoLite2-City) that iplocation reads');

  // How DuckDB runs the query and treats bad input lines: `run` and `shell`.
  const engineOptions = (cmd: Command) =>
    cmd
      .option('--memory-limit <size>', MEMORY_HELP, memorySize)
      .option('--threads <n>', 'DuckDB worker threads (default: all cores)', positiveInteger)
      .option('--temp-dir <dir>', 'where DuckDB spills beyond the memory limit, in a private directory removed at exit (default: the OS temporary directory)')
      .option('--strict', 'fail on input lines that are not JSON or events without a readable time, instead of skipping and reporting them');

  engineOptions(queryOptions(program.command('run').description('run a query over the bound log files and print the results')))
    .addOption(new Option('-f, --format <format>', 'output format (default: from the -o extension, else table)').choices([...OUTPUT_FORMATS]))
    .option('-o, --output <file>', 'write the results to a file instead of standard output (renamed into place when complete; never a file the query reads); .csv, .json, .ndjson, .parquet, .arrow choose the format')
    .option('--csv-safe', "csv: quote every cell and start one a spreadsheet would run as a formula (=, +, -, @, tab, CR) with '")
    .option('--wide', 'table on a terminal: show cells whole instead of cutting them to the terminal width')
    .addHelpText(
      'after',
      `
Examples:
  duckhunt run queries/o365_email_send_and_hard_delete_exfiltration_behavior.spl
  duckhunt run -e 'sourcetype=o365:management:activity Operation=HardDelete | stats count by UserId'
  duckhunt run detection.yml --source o365:management:activity=logs/*.json --format json -o out.json`,
    )
    .action(async (file: string | undefined, opts: RunFlags) => (await import('./commands/run.ts')).runCommand(file, opts));

  engineOptions(sessionOptions(program.command('shell').description('an interactive shell: type queries, see results (also `duckhunt` alone on a terminal)')))
    .addOption(new Option('-f, --format <format>', 'how results are shown (.format changes it)').choices(['table', 'json', 'ndjson', 'csv']).default('table'))
    .addHelpText(
      'after',
      `
Multi-line SPL (a line ending in | goes on), Tab completion, history in ~/.duckhunt_history ($DUCKHUNT_HISTORY),
Ctrl-C cancels a running query, Ctrl-D leaves. Dot-commands: .sources .fields .sql .format .time .save .help
(see README "Shell").`,
    )
    .action(async (opts: ShellFlags) => {
      exitCode = await (await import('./commands/shell.ts')).shellCommand(opts);
    });

  queryOptions(program.command('compile').description('print the DuckDB SQL a query compiles to (runs nothing)'))
    .option('--prelude', 'also print the helper macros the SQL uses, so it can be run in a DuckDB shell')
    .action(async (file: string | undefined, opts: QueryFlags & { prelude?: boolean }) => (await import('./commands/compile.ts')).compileCommand(file, opts));

  program
    .command('ingest')
    .description('convert NDJSON logs to Parquet partitioned by sourcetype and day, for fast time-ranged queries')
    .argument('<inputs...>', 'NDJSON files or globs (.json, .jsonl, .ndjson, optionally .gz)')
    .requiredOption('--sourcetype <sourcetype>', 'the sourcetype of the inputs (decides the _time field)')
    .requiredOption('--out <dir>', 'dataset root; the data goes to DIR/<sourcetype>/day=YYYY-MM-DD/')
    .option('--time-field <field>', 'the JSON field _time is read from (default: built in for O365, else _time)')
    .option('--overwrite', 'replace an existing dataset of this sourcetype')
    .option('--temp-dir <dir>', 'where DuckDB spills beyond its memory limit, in a private directory removed at exit (default: the OS temporary directory)')
    .addHelpText(
      'after',
      `
Then bind the dataset directory as the sourcetype's source:
  duckhunt ingest --sourcetype o365:management:activity 'logs/audit/*.json.gz' --out datasets
  duckhunt run detection.spl --source o365:management:activity=datasets/o365_management_activity --earliest -24h`,
    )
    .action(async (inputs: string[], opts: IngestFlags) => (await import('./commands/ingest.ts')).ingestCommand(inputs, opts));

  program
    .command('check')
    .description('parse (and compile) each query; one line per file, non-zero exit if any fails')
    .argument('<paths...>', '.spl query files, security_content detection .yml files, or directories of them (- reads one query from standard input)')
    .option('--macros <path>', 'a macros.conf file or a directory of security_content macro .yml files (repeatable)', collect, [])
    .option('--knowledge <dir>', 'a knowledge bundle: a Splunk app directory or a security_content checkout (repeatable; later ones win)', collect, [])
    .option('--config <file>', 'config file whose "knowledge" list is loaded (default: ./duckhunt.config.json)')
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
    .action(async (paths: string[], opts: CheckFlags) => {
      exitCode = await (await import('./commands/check.ts')).checkCommand(paths, opts);
    });

  program
    .command('test')
    .description("run security_content detections' tests: blocks over a local attack_data checkout; non-zero exit if any fails")
    .argument('<paths...>', 'security_content detection .yml files, or directories of them')
    .requiredOption('--attack-data <dir>', 'a splunk/attack_data checkout: each test URL is read from its repository path under DIR')
    .option('--macros <path>', 'a macros.conf file or a directory of security_content macro .yml files (repeatable)', collect, [])
    .option('--knowledge <dir>', 'a knowledge bundle: a Splunk app directory or a security_content checkout (repeatable; later ones win)', collect, [])
    .option('--config <file>', 'config file whose "knowledge" list is loaded (default: ./duckhunt.config.json)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .addHelpText(
      'after',
      `
Each test binds its attack data files with the test's sourcetype and source and runs the detection over all
time; it passes when the search returns at least one result. A missing data file is skipped, never a pass.

Example:
  duckhunt test security_content/detections/endpoint --attack-data attack_data --macros security_content/macros

Statuses: pass, fail, error, skipped.`,
    )
    .action(async (paths: string[], opts: TestFlags) => {
      exitCode = await (await import('./commands/test.ts')).testCommand(paths, opts);
    });

  // `duckhunt` alone on a terminal opens the shell; elsewhere (a pipe, a script) it prints the help as before.
  if (argv.length === 2 && process.stdin.isTTY && process.stdout.isTTY) argv = [...argv, 'shell'];
  // Whatever was written must reach standard output; a failure there is the run's failure.
  const flushed = () => new Promise((resolve) => process.stdout.write('', resolve));
  try {
    await program.parseAsync(argv);
    await flushed();
    if (stdoutFailure) {
      throw stdoutFailure.code === 'EPIPE' ? new OutputClosed() : new DuckhuntError('output_error', `cannot write to standard output: ${systemReason(stdoutFailure)}`);
    }
  } catch (e) {
    const code = exitCodeFor(e);
    // The help was written (commander ends with an exception then): to a reader that went away, as for a run.
    if (code === EXIT.ok) await flushed();
    return code === EXIT.ok && stdoutFailure?.code === 'EPIPE' ? EXIT.readerGone : code;
  } finally {
    process.removeListener('uncaughtException', lastResort);
    process.removeListener('unhandledRejection', lastResort);
    process.stdout.removeListener('error', onStdoutError);
    process.stderr.removeListener('error', onStderrError);
    // A write error reported after this (the pipe's reader left as the last text went out) must not end the
    // process with Node's unhandled 'error' trace.
    for (const stream of [process.stdout, process.stderr]) if (!stream.listeners('error').includes(ignoreLate)) stream.on('error', ignoreLate);
  }
  return exitCode;
}

const ignoreLate = () => {};

function exitCodeFor(e: unknown): number {
  if (wasInterrupted()) {
    process.stderr.write('interrupted\n');
    return EXIT.interrupted;
  }
  // The reader went away (`duckhunt run … | head -1`): stop quietly, as Unix tools do.
  if (e instanceof OutputClosed) return EXIT.readerGone;
  if (e instanceof DuckhuntError) {
    process.stderr.write(e.render() + '\n');
    return EXIT.error;
  }
  const errno = (e as { code?: string } | undefined)?.code;
  if (errno === 'commander.helpDisplayed' || errno === 'commander.version' || errno === 'commander.help') return EXIT.ok;
  if (errno?.startsWith('commander.')) return EXIT.error;
  process.stderr.write(internalError(e) + '\n');
  return EXIT.internal;
}

/** A defect: one line saying so (the stack only under DUCKHUNT_DEBUG), never a raw trace. */
export function internalError(e: unknown): string {
  const message = e instanceof Error ? e.message.split('\n')[0] : String(e);
  if (debugging()) return `internal error: ${e instanceof Error ? e.stack : message}`;
  return `internal error: ${message} (this is a duckhunt bug: please report it; DUCKHUNT_DEBUG=1 shows where it happened)`;
}
