// What the benchmark scripts share: the contenders, the sources of a data set, the hand-written SQL, and the
// canonical form of result rows used to check that the contenders agree.

import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { catalogFromFlags, type SourceBinding } from '../src/sources/catalog.ts';

export const ROOT = join(import.meta.dirname, '..');
export const BENCH = import.meta.dirname;
export const OUT = join(BENCH, 'out');
export const HEADLINE = join(ROOT, 'queries', 'o365_email_send_and_hard_delete_exfiltration_behavior.spl');
export const HAND_SQL_FILE = join(BENCH, 'headline.hand.sql');

export type Format = 'ndjson' | 'parquet';
export type Contender = 'compiled' | 'hand';
export const FORMATS: Format[] = ['ndjson', 'parquet'];

export const MA = 'o365:management:activity';
export const MT = 'o365:reporting:messagetrace';

/** The two sourcetypes bound to a data set's files of one format, as `--source` flags would bind them. */
export function bindingsFor(dir: string, format: Format): SourceBinding[] {
  return catalogFromFlags([`${MA}=${join(dir, `ma.${format}`)}`, `${MT}=${join(dir, `mt.${format}`)}`]).bindings;
}

const q = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * The relations the hand-written SQL reads (`ma`, `mt`), as an expert would declare them: read_json with the
 * columns the detection needs, typed and nested as the JSON is (no schema sampling), or read_parquet.
 */
export function handViews(dir: string, format: Format): string[] {
  const ma = join(dir, `ma.${format}`);
  const mt = join(dir, `mt.${format}`);
  if (format === 'parquet') {
    return [`CREATE OR REPLACE TEMP VIEW ma AS SELECT * FROM read_parquet(${q(ma)})`, `CREATE OR REPLACE TEMP VIEW mt AS SELECT * FROM read_parquet(${q(mt)})`];
  }
  const maColumns = `{
    CreationTime: 'TIMESTAMP', Operation: 'VARCHAR', Workload: 'VARCHAR', UserId: 'VARCHAR', MailboxOwnerUPN: 'VARCHAR',
    ClientInfoString: 'VARCHAR', SendAsUserSmtp: 'VARCHAR', SendOnBehalfOfUserSmtp: 'VARCHAR',
    Item: 'STRUCT(Subject VARCHAR, InternetMessageId VARCHAR, SizeInBytes DOUBLE, Attachments VARCHAR)',
    Folder: 'STRUCT(Path VARCHAR)',
    AffectedItems: 'STRUCT(Subject VARCHAR, Attachments VARCHAR)[]'}`;
  const mtColumns = `{Organization: 'VARCHAR', MessageId: 'VARCHAR', SenderAddress: 'VARCHAR', RecipientAddress: 'VARCHAR', Status: 'VARCHAR'}`;
  return [
    `CREATE OR REPLACE TEMP VIEW ma AS SELECT epoch(CreationTime) AS _time, * EXCLUDE (CreationTime) FROM read_json(${q(ma)}, format = 'newline_delimited', columns = ${maColumns})`,
    `CREATE OR REPLACE TEMP VIEW mt AS SELECT * FROM read_json(${q(mt)}, format = 'newline_delimited', columns = ${mtColumns})`,
  ];
}

export const handSql = (): string => readFileSync(HAND_SQL_FILE, 'utf8');

/** The detection's output fields, in order. */
export const HEADLINE_FIELDS = ['subject', 'user', 'recipient', 'Organization', 'sender', 'http_user_agent', 'signature', 'file_name', 'file_size', 'firstTime', 'lastTime', 'count', 'externalRecipient'];

/**
 * A row in the form duckhunt prints it, so that a row agrees only when its values do: a number is a number
 * (rounded to 9 places: sums may add in another order; DuckDB's integer and double are both numbers), text stays
 * text ("2" is not 2), a multivalue field keeps its order (values() sorts by bytes, list() keeps input order —
 * Splunk defines both), a one-value multivalue is that value (decision X9), no values is null.
 */
export function canonicalRow(values: unknown[]): string {
  const norm = (v: unknown): unknown => {
    if (v === null || v === undefined) return null;
    if (typeof v === 'bigint') return Number(v);
    if (typeof v === 'number') return Math.round(v * 1e9) / 1e9;
    if (Array.isArray(v)) {
      const xs = v.filter((x) => x !== null && x !== undefined).map(norm);
      return xs.length === 0 ? null : xs.length === 1 ? xs[0] : xs;
    }
    return v;
  };
  return JSON.stringify(values.map(norm));
}

export const digest = (rows: string[]): string => createHash('sha256').update(rows.join('\n')).digest('hex').slice(0, 16);

export interface Machine {
  cpu: string;
  cores: number;
  ramGiB: number;
  node: string;
  duckdb: string;
  os: string;
}

/** The DuckDB library's version, as `SELECT version()` names it. */
export async function duckdbVersion(): Promise<string> {
  const { DuckDBInstance } = await import('@duckdb/node-api'); // loaded only by the scripts that report it
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  const version = String((await c.runAndReadAll('SELECT version()')).getRows()[0][0] ?? 'unknown');
  c.closeSync();
  db.closeSync();
  return version;
}

export function machine(duckdbVersion: string): Machine {
  let cpu = cpus()[0]?.model ?? 'unknown';
  try {
    const m = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpu = m[1].trim();
  } catch {
    // not Linux: os.cpus() it is
  }
  let os: string = process.platform;
  try {
    os = readFileSync('/proc/version', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    // keep the platform name
  }
  return { cpu, cores: cpus().length, ramGiB: Math.round(totalmem() / 2 ** 30), node: process.version, duckdb: duckdbVersion, os };
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length === 0 ? NaN : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export const quantile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const k = (s.length - 1) * p;
  const lo = Math.floor(k);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (k - lo);
};

// ───────────────────────────── RESULTS.md sections ─────────────────────────────

const markers = (name: string) => [`<!-- ${name}:start -->`, `<!-- ${name}:end -->`] as const;

/**
 * Puts `body` between `<!-- NAME:start -->` and `<!-- NAME:end -->` in a Markdown file and leaves the rest of the
 * file as it is: each script owns its section of bench/RESULTS.md, and the hand-written sections between them
 * survive every run. A file without the markers gets the section at its end; a missing file is created with
 * `title` (a `# …` line) first.
 */
export function writeSection(file: string, name: string, body: string, title?: string): void {
  const [start, end] = markers(name);
  const section = `${start}\n${body.trim()}\n${end}`;
  const before = existsSync(file) ? readFileSync(file, 'utf8') : title ? `${title}\n` : '';
  const from = before.indexOf(start);
  const to = before.indexOf(end);
  if ((from < 0) !== (to < 0) || to < from) throw new Error(`${file}: the markers of section '${name}' are unpaired or out of order; fix them by hand`);
  const text = from >= 0 ? before.slice(0, from) + section + before.slice(to + end.length) : `${before.trimEnd()}\n\n${section}\n`;
  writeFileSync(`${file}.tmp`, text.replace(/^\n+/, ''));
  renameSync(`${file}.tmp`, file);
}
