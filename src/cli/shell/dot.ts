// The shell's dot-commands: `.sources`, `.fields`, `.sql`, `.format`, `.time`, `.save`, `.help`, `.quit`.

import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DuckhuntError } from '../../errors.ts';
import { formatNamedBy } from '../../output/choose.ts';
import { OutputFile } from '../../output/destination.ts';
import { createWriter, type OutputFormat } from '../../output/format.ts';
import { sqlString } from '../../sql/quote.ts';
import { compileOptions, describeBindings } from '../query.ts';
import type { Shell } from './repl.ts';

const SHOWN_FORMATS = ['table', 'csv', 'json', 'ndjson'] as const;
type ShownFormat = (typeof SHOWN_FORMATS)[number];

/** `.save FILE`: the format its extension names as for `run -o` (and `.txt` the table), else the one `.format` chose. */
const saveFormat = (path: string, shown: OutputFormat): OutputFormat => formatNamedBy(path) ?? (/\.txt$/i.test(path) ? 'table' : shown);

export const DOT_HELP = `Type SPL and press Enter; a line ending in | (or inside an open [ or ") goes on on the next line.
Tab completes commands, functions, \`macros\`, sourcetypes and field names; the arrow keys recall earlier queries.
Ctrl-C cancels a running query (or clears the line); Ctrl-D leaves.

  .sources                the bound sourcetypes and their files
  .fields [SOURCETYPE]    the field names of the events (of one sourcetype)
  .sql                    the DuckDB SQL of the last query
  .format [table|csv|json|ndjson]   how results are shown (now: FORMAT)
  .time [EARLIEST [LATEST]]         the time range of later queries, e.g. .time -24h now; .time all clears it
  .save FILE              write every row of the last result to FILE (.csv .json .ndjson .parquet .arrow .txt, else the .format)
  .help                   this help
  .quit                   leave (also Ctrl-D)`;

/** Runs a dot-command line; true when the shell should end. */
export async function runDotCommand(shell: Shell, line: string): Promise<boolean> {
  const [name, ...args] = line.split(/\s+/);
  const out = (text: string) => process.stdout.write(text + '\n');
  switch (name) {
    case '.quit':
    case '.exit':
      return true;
    case '.help':
      out(DOT_HELP.replace('FORMAT', shell.flags.format));
      return false;
    case '.sources':
      for (const b of (await shell.busyWith(() => describeBindings(shell.flags, shell.session.knowledge, shell.engine))).bindings) out(`${b.sourcetype}  index=${b.index}  format=${b.format}  ${b.paths.join(' ')}`);
      return false;
    case '.fields': {
      const sourcetype = args.join(' ') || undefined;
      if (sourcetype !== undefined && !shell.bound.some((b) => b.sourcetype === sourcetype)) {
        throw usage(`no bound sourcetype is named ${sourcetype}`, '.sources lists them');
      }
      const names = await shell.busyWith(() => shell.fields(sourcetype));
      out(columns(names, process.stdout.columns || 80));
      out(`(${names.length} fields)`);
      return false;
    }
    case '.sql': {
      const sql = shell.lastSql();
      if (sql === undefined) throw usage('no query has run yet');
      process.stdout.write(sql);
      return false;
    }
    case '.format':
      if (args.length > 0) {
        if (args.length > 1 || !(SHOWN_FORMATS as readonly string[]).includes(args[0])) throw usage(`.format takes one of ${SHOWN_FORMATS.join(', ')}`, 'parquet is for .save FILE.parquet');
        shell.flags.format = args[0] as ShownFormat;
      }
      out(`format: ${shell.flags.format}`);
      return false;
    case '.time':
      setTime(shell, args);
      return false;
    case '.save':
      if (args.length !== 1) throw usage('.save takes one file name', 'e.g. .save findings.csv');
      await save(shell, args[0]);
      return false;
    default:
      throw usage(`unknown dot-command ${name}`, '.help lists them');
  }
}

const usage = (message: string, hint?: string) => new DuckhuntError('usage_error', message, { hint });

/** `.time`: shows the range; with arguments sets it as --earliest/--latest would (checked now). */
function setTime(shell: Shell, args: string[]): void {
  if (args.length > 2) throw usage('.time takes EARLIEST and optionally LATEST', 'e.g. .time -24h now, or .time all');
  if (args.length > 0) {
    const [earliest, latest] = args[0] === 'all' && args.length === 1 ? [undefined, undefined] : args;
    // A time the picker cannot read is an error now, not at the next query.
    try {
      compileOptions({ ...shell.flags, earliest, latest });
    } catch (e) {
      if (e instanceof DuckhuntError) throw usage(e.message.replace(/^--(earliest|latest): /, '.time $1: '), 'e.g. .time -24h now, .time -7d@d @d, or .time all');
      throw e;
    }
    Object.assign(shell.flags, { earliest, latest });
  }
  const { earliest, latest } = shell.flags;
  if (earliest === undefined && latest === undefined) {
    process.stdout.write('time range: all time\n');
    return;
  }
  const range = compileOptions(shell.flags).timeRange;
  const iso = (t: number | undefined) => (t === undefined ? '…' : new Date(t * 1000).toISOString());
  process.stdout.write(`time range: ${earliest ?? 'all'} to ${latest ?? 'now'} (${iso(range.earliest)} to ${iso(range.latest)})\n`);
}

/**
 * `.save FILE`: runs the last query again (its SQL as compiled, the same "now" and time range) into FILE,
 * written beside it and renamed into place as `run -o` writes (output/destination.ts). Parquet is written by
 * DuckDB, which may write only in its private spill directory: the file is made there and copied.
 */
async function save(shell: Shell, path: string): Promise<void> {
  const last = shell.last;
  if (!last) throw usage('no query has run yet: there is no result to save');
  const format = saveFormat(path, shell.flags.format);
  shell.engine.relist();
  const inputs = await shell.engine.boundInputs(shell.bound);
  let output: OutputFile;
  try {
    output = OutputFile.plan(path, { ...inputs, files: [...inputs.files, ...last.query.lookupFiles] });
  } catch (e) {
    // The checks are `run -o`'s; the shell's user typed `.save`.
    if (!(e instanceof DuckhuntError)) throw e;
    const saying = (text: string | undefined) => text?.replace(/(^|\be\.g\. )-o /, '$1.save ');
    throw new DuckhuntError(e.kind, saying(e.message)!, { hint: saying(e.hint) });
  }
  try {
    const rows = await shell.busyWith(async () => {
      if (format === 'parquet') {
        if (!output.partial) throw new DuckhuntError('output_error', `${path}: Parquet is written to a regular file, not to a pipe or device`);
        const made = join(shell.engine.spillDirectory, 'save.parquet');
        try {
          await shell.engine.copyToParquet(last.query, made, { strict: shell.flags.strict });
          copyFileSync(made, output.partial);
          const r = await shell.engine.connection.runAndReadAll(`SELECT count(*) FROM read_parquet(${sqlString(made)})`);
          return Number(r.getRowsJS()[0][0]);
        } finally {
          rmSync(made, { force: true });
        }
      }
      const out = await output.open();
      // Arrow: the IPC file format in a regular file (its footer comes last), the stream format into a pipe.
      const writer =
        format === 'arrow' ? (await import('../../output/arrow.ts')).arrowWriter(last.query.fields, out, { file: output.partial !== undefined }) : createWriter(format, last.query.fields, out);
      const { rowCount } = await shell.engine.run(last.query, (r) => writer.write(r), { strict: shell.flags.strict });
      await writer.end();
      return rowCount;
    });
    await output.commit();
    process.stdout.write(`(${rows.toLocaleString('en-US')} ${rows === 1 ? 'row' : 'rows'} written to ${path} as ${format})\n`);
  } catch (e) {
    await output.abort();
    throw e;
  }
}

/** Names in columns across the terminal's width. */
function columns(names: string[], width: number): string {
  const w = Math.min(width, Math.max(...names.map((n) => n.length), 1) + 2);
  const perLine = Math.max(1, Math.floor(width / w));
  const lines: string[] = [];
  for (let i = 0; i < names.length; i += perLine) lines.push(names.slice(i, i + perLine).map((n) => n.padEnd(w)).join('').trimEnd());
  return lines.join('\n');
}
