// What the NDJSON scan stepped over, per file, for the run's report and for `duckhunt ingest`: lines that are not
// JSON objects, lines the reader cannot take (not UTF-8, a raw NUL: decision X39), and events whose time field
// cannot be read. A line longer than MAX_LINE_BYTES and a truncated or corrupt .gz are errors naming the file.

import { statSync } from 'node:fs';
import type { DuckDBConnection } from '@duckdb/node-api';
import { DuckhuntError } from '../errors.ts';
import { globEscape } from './catalog.ts';
import { sqlIdent, sqlString, sqlStringList } from '../sql/quote.ts';
import { isGzip, verifyGzip } from './gzip.ts';
import { JsonValueBatch, lineEndsError, MAX_LINE_BYTES, ndjsonLines, timeExpression, VALID_LINE } from './scan.ts';

export interface FileProblems {
  file: string;
  /** Lines that are not JSON objects (blank lines are not problems). */
  bad: number;
  firstBad?: number;
  /** Lines the reader could not take: not UTF-8 text, or holding a raw NUL. */
  unreadable: number;
  firstUnreadable?: number;
  /** JSON objects whose time field gives no time. */
  untimed: number;
  firstUntimed?: number;
}

let tables = 0;

type Rejects = { table: string; scans: string };

/**
 * Runs `read` with the line reader recording the lines it refuses (ndjsonLines' store_rejects: not UTF-8, a NUL,
 * over MAX_LINE_BYTES) in tables of its own, and gives its result with those lines (file, line, DuckDB's reason;
 * in file and line order). The tables are dropped after, whatever happens.
 */
async function withRefusals<T>(conn: DuckDBConnection, read: (rejects: Rejects) => Promise<T>): Promise<{ result: T; refused: { file: string; line: number; type: string }[] }> {
  const rejects = { table: `dh_rejects_${++tables}`, scans: `dh_reject_scans_${tables}` };
  try {
    const result = await read(rejects);
    const rows = await conn.runAndReadAll(
      `SELECT s.file_path, e.line, e.error_type FROM ${sqlIdent(rejects.table)} e JOIN ${sqlIdent(rejects.scans)} s USING (scan_id, file_id) ORDER BY s.file_path, e.line`,
    );
    return { result, refused: rows.getRowsJS().map(([file, line, type]) => ({ file: String(file), line: Number(line), type: String(type) })) };
  } finally {
    await conn.run(`DROP TABLE IF EXISTS ${sqlIdent(rejects.table)}; DROP TABLE IF EXISTS ${sqlIdent(rejects.scans)}`);
  }
}

/**
 * A tab, vertical tab or form feed at either end of a line (or a line of nothing else): read_json skips them as
 * space around the object, where the line check reports the line (VALID_LINE trims spaces only, and JSON allows
 * no \v or \f), so the screen leaves such a file to the line check.
 */
const EDGE_SPACE = '^[ \t\x0b\x0c]*[\t\x0b\x0c]|[\t\x0b\x0c][ \t\x0b\x0c]*$';

/**
 * The files the screen cannot clear. It reads each file twice, on every core, and never parses a line twice:
 * DuckDB's read_json gives each line's time field as one JSON column, making every line it cannot take (not
 * JSON, not an object, text after the object, not UTF-8, a NUL byte) a row without one; and the line reader, with
 * no JSON work, records the lines it refuses (including those over MAX_LINE_BYTES, which read_json reads whatever
 * its maximum_object_size) and finds the lines with EDGE_SPACE. A file is cleared when every read_json row has a
 * time and the line reader found nothing. A clean file, the common case, then costs 0.95 + 0.24 s per million
 * lines where the line check costs 1.8–1.9 s. Only for a plain top-level time key and no props TIME_FORMAT;
 * anything else, and any error of the screen itself, leaves every file to the line check. Each kind of line it
 * must not clear is pinned in test/sources.test.ts.
 */
export async function screenNdjson(conn: DuckDBConnection, files: string[], timeField: string, timeParser?: string): Promise<string[]> {
  if (timeParser !== undefined || !/^[^.{}[\]"\\\0]+$/.test(timeField) || timeField.startsWith('_dh_')) return files;
  const paths = files.map(globEscape);
  const read =
    `read_json(${sqlStringList(paths)}, format = 'newline_delimited', records = true, columns = {${sqlString(timeField)}: 'JSON'}, ` +
    `ignore_errors = true, filename = '_dh_file')`;
  try {
    const timed = await conn.runAndReadAll(
      `SELECT _dh_file FROM (SELECT _dh_file, ${timeExpression(`dh_scalar(${sqlIdent(timeField)})`)} AS t FROM ${read}) GROUP BY _dh_file HAVING count(*) FILTER (WHERE t IS NULL) = 0`,
    );
    const { result: edged, refused } = await withRefusals(conn, (rejects) =>
      conn.runAndReadAll(
        `SELECT DISTINCT filename FROM ${ndjsonLines(paths, false, rejects)} ` +
          `WHERE (contains(line, chr(9)) OR contains(line, chr(11)) OR contains(line, chr(12))) AND regexp_matches(line, ${sqlString(EDGE_SPACE)})`,
      ),
    );
    const clear = new Set(timed.getRowsJS().map((r) => String(r[0])));
    for (const [file] of edged.getRowsJS()) clear.delete(String(file));
    for (const r of refused) clear.delete(r.file);
    return files.filter((f) => !clear.has(f));
  } catch {
    return files;
  }
}

/** The problems of each file that has any (files in the order given); throws for the errors above. */
export async function ndjsonProblems(conn: DuckDBConnection, files: string[], timeField: string, timeParser?: string, opts: { screen?: boolean } = {}): Promise<FileProblems[]> {
  if (files.length === 0) return [];
  await Promise.all(files.filter(isGzip).map(verifyGzip));
  if (opts.screen !== false) {
    const suspects = new Set(await screenNdjson(conn, files, timeField, timeParser));
    files = files.filter((f) => suspects.has(f));
    if (files.length === 0) return [];
  }
  const batch = new JsonValueBatch('s', 'list');
  const tv = batch.scalar(timeField, 'line');
  // Blank lines are not problems; CASE keeps trim (a copy of the line) to the few lines that are not JSON, and
  // the time expression to those that are.
  const classify = (numbered: boolean, scanned: string[], rejects?: Rejects) =>
    `SELECT filename, ${numbered ? 'ordinality' : '0'} AS n, valid, bad, CASE WHEN valid THEN ${timeExpression('tv', timeParser)} END AS t FROM ` +
    `(SELECT filename, ${numbered ? 'ordinality, ' : ''}valid, CASE WHEN valid THEN false ELSE trim(line) <> '' END AS bad, CASE WHEN valid THEN ${tv} END AS tv FROM ` +
    `(SELECT line, filename, ${numbered ? 'ordinality, ' : ''}${VALID_LINE} AS valid, CASE WHEN ${VALID_LINE} THEN ${batch.select('line')} END AS s FROM ${ndjsonLines(scanned.map(globEscape), numbered, rejects)}))`;
  const summary = (numbered: boolean, scanned: string[], rejects?: Rejects) =>
    `SELECT filename, count(*) FILTER (WHERE bad), min(n) FILTER (WHERE bad), count(*) FILTER (WHERE valid AND t IS NULL), ` +
    `min(n) FILTER (WHERE valid AND t IS NULL) FROM (${classify(numbered, scanned, rejects)}) GROUP BY filename`;

  // Counting runs on every core and records the lines the reader refused; only a file with problems is read
  // again, numbering its lines (one thread), to name the first bad line.
  const { result: summed, refused: lines } = await withRefusals(conn, (rejects) =>
    conn.runAndReadAll(summary(false, files, rejects)).catch((e: unknown) => {
      throw lineEndsError(String(e instanceof Error ? e.message : e)) ?? e;
    }),
  );
  const counts = new Map<string, number[]>();
  for (const r of summed.getRowsJS()) counts.set(String(r[0]), r.slice(1).map((v) => Number(v ?? 0)));
  const refused = new Map<string, { line: number; type: string }[]>();
  for (const { file, line, type } of lines) {
    const list = refused.get(file) ?? [];
    if (list.at(-1)?.line !== line) list.push({ line, type });
    refused.set(file, list);
  }

  const out: FileProblems[] = [];
  for (const file of files) {
    const lost = refused.get(file) ?? [];
    const long = lost.find((l) => l.type === 'LINE SIZE OVER MAXIMUM');
    if (long) {
      throw new DuckhuntError('source_error', `line ${long.line} of ${file} is longer than ${MAX_LINE_BYTES / 1024 / 1024} MB, the longest line duckhunt reads`, {
        hint: 'split or drop that line (is the file NDJSON, one event per line?)',
      });
    }
    const [bad = 0, , untimed = 0] = counts.get(file) ?? [];
    if (bad === 0 && untimed === 0 && lost.length === 0) continue;
    const p: FileProblems = { file, bad, unreadable: lost.length, firstUnreadable: lost[0]?.line, untimed };
    if (bad > 0 || untimed > 0) {
      // Ordinals skip the refused lines: map them back to the file's own line numbers.
      const lineOf = (ordinal: number) => lost.reduce((n, l) => (l.line <= n ? n + 1 : n), ordinal);
      const [, , firstBad, , firstUntimed] = (await conn.runAndReadAll(summary(true, [file]))).getRowsJS()[0].map((v) => Number(v ?? 0));
      if (bad > 0) p.firstBad = lineOf(firstBad);
      if (untimed > 0) p.firstUntimed = lineOf(firstUntimed);
    }
    out.push(p);
  }
  return out;
}

/** The lines of a report, one per problem kind and file. */
export function problemMessages(p: FileProblems, sourcetype: string, timeField: string): { kind: 'malformed_lines' | 'untimed_events'; message: string }[] {
  const out: { kind: 'malformed_lines' | 'untimed_events'; message: string }[] = [];
  if (p.bad > 0) out.push({ kind: 'malformed_lines', message: `skipped ${p.bad} line(s) of ${p.file} that are not JSON objects (first at line ${p.firstBad}); sourcetype ${sourcetype}` });
  if (p.unreadable > 0) {
    out.push({
      kind: 'malformed_lines',
      message: `skipped ${p.unreadable} line(s) of ${p.file} that are not UTF-8 text or hold a NUL byte (first at line ${p.firstUnreadable}); sourcetype ${sourcetype}`,
    });
  }
  if (p.untimed > 0) {
    out.push({
      kind: 'untimed_events',
      message: `${p.untimed} event(s) of ${p.file} have no readable ${timeField} (first at line ${p.firstUntimed}); they have no _time and are outside any time range; sourcetype ${sourcetype}`,
    });
  }
  return out;
}

/** A file is remembered only when it was last changed this long before the check read it (a write within the same
 * timestamp tick as the check could otherwise go unseen). */
const SETTLED_MS = 2000;

/**
 * What the check found in each file, remembered for files unchanged since (same device, inode, size, modification
 * and change times, and the same time field): the shell runs the check after every query, and a hunter's queries
 * read the same exports again and again. A file written to since, or too recently to tell, is checked again.
 */
export class CheckedFiles {
  private readonly known = new Map<string, FileProblems | null>();

  constructor(private readonly settledMs = SETTLED_MS) {}

  async problems(conn: DuckDBConnection, files: string[], timeField: string, timeParser?: string): Promise<FileProblems[]> {
    const now = Date.now();
    const keys = new Map<string, string | undefined>();
    for (const file of files) keys.set(file, this.identity(file, timeField, timeParser, now));
    const unknown = files.filter((f) => {
      const key = keys.get(f);
      return key === undefined || !this.known.has(key);
    });
    const found = new Map((await ndjsonProblems(conn, unknown, timeField, timeParser)).map((p) => [p.file, p]));
    for (const file of unknown) {
      const key = keys.get(file);
      if (key !== undefined) this.known.set(key, found.get(file) ?? null);
    }
    return files.flatMap((f) => {
      const p = found.get(f) ?? this.known.get(keys.get(f) ?? '');
      return p ? [p] : [];
    });
  }

  private identity(file: string, timeField: string, timeParser: string | undefined, now: number): string | undefined {
    try {
      const s = statSync(file, { bigint: true });
      if (Number(s.mtimeMs) > now - this.settledMs || Number(s.ctimeMs) > now - this.settledMs) return undefined;
      return [file, s.dev, s.ino, s.size, s.mtimeNs, s.ctimeNs, timeField, timeParser ?? ''].join('\0');
    } catch {
      return undefined; // the check itself says what is wrong with the file
    }
  }
}

