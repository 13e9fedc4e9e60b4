// The dataset `duckhunt ingest` writes, and how a reader finds every key of every record (decision X42).
//
//   OUT/<sourcetype>/batch-<id>/day=YYYY-MM-DD/part_<n>.parquet   one batch directory per ingest run that added
//                                                                 events; events without a time are under
//                                                                 day=__HIVE_DEFAULT_PARTITION__ (DuckDB's NULL)
//   OUT/<sourcetype>/batch-<id>/_batch.json                       what the batch holds: its inputs (path, bytes,
//                                                                 content hash, lines), events, days, columns
//
// Every Parquet file carries the key-value metadata `duckhunt`, a JSON object
//   {"format": 1, "columns": [[column, [[key, arrayLevels], …]], …]}
// naming, for each data column, the leaf of the JSON records it holds: its keys from the top, each with the array
// levels after it. `{"Item": {"Subject": "x"}}` is ["Item.Subject", [["Item", 0], ["Subject", 0]]], and
// `AffectedItems[].Subject` is [..., [["AffectedItems", 1], ["Subject", 0]]] in a VARCHAR[] column. Every
// leaf is a column: column names are unique case-insensitively and never a system column's, so `User` and
// `user`, a key `day` or `filename`, an empty key and a key with dots all keep their own column (the name is
// the Splunk name when it is free, else `name~2`, …; the metadata, not the name, says which leaf it is).
// Values are the JSON's text; a leaf with no value in a record is null (a list with no values too).
//
// System columns: `_raw` (the line), `_time` (DOUBLE epoch seconds, null when unreadable), `source` (the input
// file's path) and `_line` (its line number), so both formats give the same `source` and D7 order.

import { DuckhuntError } from '../errors.ts';
import { leafName, pathKey, type LeafPath } from './json-path.ts';

export const DATASET_KEY = 'duckhunt';
export const DATASET_FORMAT = 1;
export const SYSTEM_COLUMNS = ['_raw', '_time', 'source', '_line'] as const;
/** Columns a reader adds (hive partition, read_parquet's virtual columns): data columns never take these names. */
export const READER_COLUMNS = ['day', 'filename', 'file_row_number'] as const;

export interface DatasetColumn {
  column: string;
  path: LeafPath;
}

export const encodeColumns = (columns: DatasetColumn[]): string =>
  JSON.stringify({ format: DATASET_FORMAT, columns: columns.map((c) => [c.column, c.path.map((s) => [s.key, s.arrays])]) });

/** The columns named in one file's metadata; an unknown format or a malformed map is an error naming the file. */
export function decodeColumns(text: string, file: string): DatasetColumn[] {
  const bad = (why: string) => new DuckhuntError('source_error', `${file} was written by duckhunt ingest but its column map ${why}`, { hint: 're-ingest its NDJSON' });
  let doc: { format?: unknown; columns?: unknown };
  try {
    doc = JSON.parse(text) as typeof doc;
  } catch {
    throw bad('is not JSON');
  }
  if (doc.format !== DATASET_FORMAT) throw bad(`has format ${JSON.stringify(doc.format)}; this duckhunt reads format ${DATASET_FORMAT}`);
  if (!Array.isArray(doc.columns)) throw bad('has no columns');
  return doc.columns.map((c: unknown) => {
    if (!Array.isArray(c) || typeof c[0] !== 'string' || !Array.isArray(c[1])) throw bad('is malformed');
    const path = (c[1] as unknown[]).map((s) => {
      if (!Array.isArray(s) || typeof s[0] !== 'string' || !Number.isInteger(s[1])) throw bad('is malformed');
      return { key: s[0], arrays: s[1] as number };
    });
    return { column: c[0], path };
  });
}

/** The columns of several files' maps as one: a column must name the same leaf in every file. */
export function unionColumns(maps: { file: string; columns: DatasetColumn[] }[]): DatasetColumn[] {
  const byColumn = new Map<string, { file: string; c: DatasetColumn }>();
  for (const { file, columns } of maps) {
    for (const c of columns) {
      const seen = byColumn.get(c.column.toLowerCase());
      if (!seen) byColumn.set(c.column.toLowerCase(), { file, c });
      else if (pathKey(seen.c.path) !== pathKey(c.path) || seen.c.column !== c.column) {
        throw new DuckhuntError('source_error', `column ${c.column} holds ${leafName(seen.c.path)} in ${seen.file} but ${leafName(c.path)} in ${file}; they are not one dataset`, {
          hint: 'bind the datasets as different sourcetypes, or re-ingest their NDJSON together',
        });
      }
    }
  }
  return [...byColumn.values()].map((v) => v.c);
}

/** The Splunk field names a dataset holds (for field discovery), sorted. */
export const datasetFieldNames = (columns: DatasetColumn[]): string[] => [...new Set(columns.map((c) => leafName(c.path)))].sort();
