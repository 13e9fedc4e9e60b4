// `duckhunt ingest`: NDJSON logs → Parquet partitioned by day (`OUT/<sourcetype>/day=YYYY-MM-DD/*.parquet`).
//
// Every record keeps its original line (`_raw`), gets `_time` computed once (the sourcetype's time field), and
// keeps its nesting: the column types come from the merged structure of *all* records (json_group_structure),
// never from a sample, so no field is dropped wherever it first appears. Lines that are not JSON objects are
// counted and reported with file and line; records whose time cannot be read are kept (day=NULL) and reported.

import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Engine } from '../engine/engine.ts';
import { DuckhuntError } from '../errors.ts';
import { sqlString, sqlStringList } from '../sql/quote.ts';
import { globEscape, type SourceBinding } from '../sources/catalog.ts';
import { jsonPath, ndjsonLines, timeExpression, VALID_LINE } from '../sources/scan.ts';

export interface IngestReport {
  events: number;
  days: number;
  out: string;
  badLines: number;
  /** The first few bad lines as `file:line`. */
  badExamples: string[];
  untimed: number;
}

const RESERVED = ['_raw', '_time', 'day'];
/** Nesting kept as Parquet columns (the structure is walked recursively; deeper records are an error). */
const MAX_NESTING = 100;

/** A directory name for a sourcetype (`o365:management:activity` → `o365_management_activity`). */
export const datasetDirName = (sourcetype: string): string => sourcetype.replace(/[^A-Za-z0-9_.-]+/g, '_');

/**
 * The merged structure with every scalar leaf stored as text — the value exactly as written in the JSON, as
 * Splunk extracts it ("1.50" stays "1.50") — and the columns ingest computes itself removed.
 */
function columnStructure(structure: unknown): Record<string, unknown> {
  const fix = (t: unknown, depth: number): unknown => {
    if (depth > MAX_NESTING) {
      throw new DuckhuntError('source_error', `records nest objects and arrays more than ${MAX_NESTING} levels deep, deeper than ingest stores as Parquet columns`, {
        hint: 'query these NDJSON files directly (--source SOURCETYPE=FILE): fields are read by JSON path at any depth',
      });
    }
    if (typeof t === 'string') return t === 'JSON' ? 'JSON' : 'VARCHAR';
    if (Array.isArray(t)) return t.map((v) => fix(v, depth + 1));
    if (t && typeof t === 'object') return Object.fromEntries(Object.entries(t).map(([k, v]) => [k, fix(v, depth + 1)]));
    return t;
  };
  const top = (fix(structure, 0) ?? {}) as Record<string, unknown>;
  for (const k of RESERVED) delete top[k];
  return top;
}

export async function ingest(
  engine: Engine,
  binding: SourceBinding,
  outRoot: string,
  opts: { overwrite: boolean; onProgress?: (fraction: number) => void },
): Promise<IngestReport> {
  const conn = engine.connection;
  await engine.checkSources([binding]);
  const filesResult = await conn.runAndReadAll(`SELECT file FROM glob(${sqlStringList(binding.paths)}) ORDER BY file`);
  const files = filesResult.getRowsJS().map((r) => String(r[0]));
  const out = join(outRoot, datasetDirName(binding.sourcetype));
  mkdirSync(out, { recursive: true });
  if (!opts.overwrite && readdirSync(out).length > 0) {
    throw new DuckhuntError('source_error', `${out} already holds a dataset`, { hint: 'pass --overwrite to replace it, or choose another --out' });
  }

  // Bad lines, per file so that line numbers are the file's own.
  let badLines = 0;
  const badExamples: string[] = [];
  for (const f of files) {
    const r = await conn.runAndReadAll(
      `SELECT ordinality FROM ${ndjsonLines([globEscape(f)])} WHERE NOT (${VALID_LINE}) AND trim(line) <> '' ORDER BY ordinality`,
    );
    const lines = r.getRowsJS().map((x) => Number(x[0]));
    badLines += lines.length;
    for (const l of lines.slice(0, Math.max(0, 5 - badExamples.length))) badExamples.push(`${f}:${l}`);
  }

  const structureResult = await conn.runAndReadAll(`SELECT CAST(json_group_structure(json(line)) AS VARCHAR), count(*) FROM ${ndjsonLines(files.map(globEscape))} WHERE ${VALID_LINE}`);
  const [structureText, records] = structureResult.getRowsJS()[0] ?? [];
  if (!Number(records)) throw new DuckhuntError('source_error', `nothing to ingest: ${files.join(', ')} hold${files.length === 1 ? 's' : ''} no JSON object lines`);
  const structure = columnStructure(structureText ? JSON.parse(String(structureText)) : {});
  const timeValue = `dh_leaf(json_extract(line, ${sqlString(jsonPath(binding.timeField).path)}))`;
  const fields = Object.keys(structure).length > 0 ? `, unnest(json_transform(line, ${sqlString(JSON.stringify(structure))}))` : '';
  const select =
    `SELECT line AS _raw, ${timeExpression(timeValue)} AS _time, CAST(to_timestamp(${timeExpression(timeValue)}) AS DATE) AS day${fields} ` +
    `FROM ${ndjsonLines(files.map(globEscape))} WHERE ${VALID_LINE}`;
  const copy = `COPY (${select}) TO ${sqlString(out)} (FORMAT parquet, PARTITION_BY (day), OVERWRITE_OR_IGNORE true)`;

  const timer = opts.onProgress ? setInterval(() => opts.onProgress!(Math.max(0, conn.progress.percentage) / 100), 500) : undefined;
  try {
    await conn.run(copy);
  } catch (e) {
    throw new DuckhuntError('source_error', `ingest of ${binding.sourcetype} failed: ${(e as Error).message}`);
  } finally {
    if (timer) clearInterval(timer);
  }

  const stats = await conn.runAndReadAll(
    `SELECT count(*), count(DISTINCT day), count(*) FILTER (WHERE day IS NULL) FROM read_parquet(${sqlString(join(out, '**', '*.parquet'))}, hive_partitioning = true, hive_types = {'day': DATE})`,
  );
  const [events, days, untimed] = stats.getRowsJS()[0].map(Number);
  return { events, days, out, badLines, badExamples, untimed };
}

