// Which output format a run writes: `-f`, else the one the `-o` file's extension names, else the table. Kept
// apart from the writers so that the command line's option definitions load nothing more (`duckhunt --help`).

import { DuckhuntError } from '../errors.ts';

export const OUTPUT_FORMATS = ['table', 'json', 'ndjson', 'csv', 'parquet', 'arrow'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** The format an `-o` file's extension names (decision X125). */
const BY_EXTENSION: Record<string, OutputFormat> = {
  '.parquet': 'parquet',
  '.csv': 'csv',
  '.json': 'json',
  '.ndjson': 'ndjson',
  '.jsonl': 'ndjson',
  '.arrow': 'arrow',
  '.arrows': 'arrow',
  '.feather': 'arrow',
  '.ipc': 'arrow',
};

const extensionOf = (path: string): string | undefined => /\.[^./\\]+$/.exec(path)?.[0].toLowerCase();

/** The format a file name's extension names (`-o`, and the shell's `.save`), if any. */
export function formatNamedBy(path: string): OutputFormat | undefined {
  const ext = extensionOf(path);
  return ext === undefined ? undefined : BY_EXTENSION[ext];
}

export interface ChosenFormat {
  format: OutputFormat;
  /** Said on standard error: the format was not given and the file's extension names none. */
  note?: string;
}

/**
 * `-f` when given, else the format `-o FILE`'s extension names, else the table. A format that contradicts the
 * extension is an error (a `.csv` file holding JSON would mislead whoever opens it); NDJSON in a `.json` file is
 * allowed, since NDJSON logs are commonly named so (duckhunt reads `.json` inputs as NDJSON).
 */
export function chooseFormat(given: OutputFormat | undefined, output: string | undefined): ChosenFormat {
  const ext = output === undefined ? undefined : extensionOf(output);
  const named = ext === undefined ? undefined : BY_EXTENSION[ext];
  if (given !== undefined) {
    if (named !== undefined && named !== given && !(given === 'ndjson' && named === 'json')) {
      throw new DuckhuntError('usage_error', `--format ${given} conflicts with -o ${output}, whose extension ${ext} means ${named}`, {
        hint: `drop --format to write ${named}, or name the file ${output!.slice(0, -ext!.length)}${EXTENSION_OF[given]}`,
      });
    }
    return { format: given };
  }
  if (named !== undefined) return { format: named };
  if (output === undefined || isDevice(output)) return { format: 'table' };
  return {
    format: 'table',
    note: `-o ${output}: ${ext ? `the extension ${ext} names no format` : 'the file name has no extension'}, so the table is written (choose with --format, or name the file .csv, .json, .ndjson, .parquet or .arrow)`,
  };
}

const EXTENSION_OF: Record<OutputFormat, string> = { table: '.txt', json: '.json', ndjson: '.ndjson', csv: '.csv', parquet: '.parquet', arrow: '.arrow' };

/** `-o /dev/stdout`, `/dev/null`, `/dev/fd/3`: no extension is expected of them. */
function isDevice(path: string): boolean {
  return path.startsWith('/dev/') || path.startsWith('/proc/self/fd/');
}
