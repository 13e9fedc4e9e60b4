// `duckhunt ingest`: NDJSON logs → a Parquet dataset partitioned by day (layout and column map:
// sources/dataset.ts), built aside and renamed into place, one writer at a time, adding only what is new.
//
// Every record keeps its line (`_raw`), gets `_time` computed once (the sourcetype's time field), and has every
// leaf in its own column, its text as written, so each key comes back as the NDJSON scan reads it. Lines that
// are not JSON objects are counted and reported with file and line; records whose time cannot be read are kept
// (day=NULL) and reported.
//
// Steps, under the dataset's lock: the inputs' new bytes are copied into a staging directory beside the dataset
// (inputs.ts); their problems are checked (a truncated .gz or an over-long line stops the ingest); their leaves
// are found (leaves.ts) and given columns; one COPY writes the batch; its record (`_batch.json`) goes with it;
// then one rename commits it: the batch directory into the dataset, or, for a new dataset or --overwrite, the
// whole dataset directory (the old one moved aside first, then deleted). A failed or interrupted ingest leaves
// the dataset as it was; its staging directory (and a lock of a killed process) is cleared by the next ingest.

import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ColumnNames } from '../compile/schema.ts';
import type { Engine } from '../engine/engine.ts';
import { DuckhuntError } from '../errors.ts';
import { sqlIdent, sqlString, sqlStringList } from '../sql/quote.ts';
import type { SourceBinding } from '../sources/catalog.ts';
import { DATASET_KEY, encodeColumns, READER_COLUMNS, SYSTEM_COLUMNS, type DatasetColumn } from '../sources/dataset.ts';
import { ndjsonProblems, type FileProblems } from '../sources/input-check.ts';
import { isMultivalue, isPlainPath, jsonAt, leafGuard, leafName, pathKey, type LeafPath } from '../sources/json-path.ts';
import { JsonValueBatch, lineEndsError, ndjsonLines, timeExpression, VALID_LINE } from '../sources/scan.ts';
import { planInputs, type IngestedInput, type StagedInput } from './inputs.ts';
import { discoverLeaves } from './leaves.ts';
import { lockDataset } from './lock.ts';

export interface IngestReport {
  /** The dataset directory. */
  out: string;
  /** Events this ingest added, and the day partitions it added them to. */
  events: number;
  days: number;
  /** The dataset after it: events and day partitions. */
  datasetEvents: number;
  datasetDays: number;
  /** Inputs with new bytes (`from` > 0: appended to, or continuing known content), and how many bytes. */
  added: { path: string; from: number; bytes: number }[];
  /** Inputs with nothing new; `of` when the content was ingested under another name. */
  skipped: { path: string; of?: string }[];
  heldBack: { path: string; bytes: number }[];
  badLines: number;
  /** The first few bad lines as `file:line`. */
  badExamples: string[];
  unreadableLines: number;
  untimed: number;
  /** What the user should know about the dataset's state (a stale lock taken over, a dataset restored). */
  notices: string[];
}

/** What `_batch.json` holds. */
interface BatchRecord {
  format: 1;
  id: string;
  created: string;
  sourcetype: string;
  timeField: string;
  inputs: IngestedInput[];
  events: number;
  days: string[];
  columns: [string, [string, number][]][];
}

const BATCH_FILE = '_batch.json';

/** A directory name for a sourcetype (`o365:management:activity` → `o365_management_activity`). */
export const datasetDirName = (sourcetype: string): string => sourcetype.replace(/[^A-Za-z0-9_.-]+/g, '_');

/** A line holding a number DuckDB's JSON functions may respell (see json-path.ts): such a line is read quoted. */
const MAY_RESPELL = `regexp_matches(line, '[:,\\[]\\s*(?:-?[0-9]+[.eE]|-0)')`;

export interface IngestOptions {
  overwrite: boolean;
  /** Asked between steps (Ctrl-C): when it says stop, the ingest ends with nothing written. */
  stopped?: () => boolean;
}

export async function ingest(engine: Engine, binding: SourceBinding, outRoot: string, opts: IngestOptions): Promise<IngestReport> {
  const name = datasetDirName(binding.sourcetype);
  const out = join(outRoot, name);
  try {
    mkdirSync(outRoot, { recursive: true });
  } catch (e) {
    throw new DuckhuntError('source_error', `cannot create --out ${outRoot}: ${(e as Error).message}`);
  }
  const lock = lockDataset(join(outRoot, `.${name}.lock`), out);
  const notices = lock.notice ? [lock.notice] : [];
  let staging: string | undefined;
  const step = () => {
    if (opts.stopped?.()) throw new DuckhuntError('runtime_error', `ingest of ${binding.sourcetype} stopped; ${out} is as it was`);
  };
  try {
    notices.push(...recover(outRoot, name));
    await engine.checkSources([binding]);
    const filesResult = await engine.connection.runAndReadAll(`SELECT file FROM glob(${sqlStringList(binding.paths)}) ORDER BY file`);
    // Several patterns may match one file: it is one input.
    const files = [...new Set(filesResult.getRowsJS().map((r) => String(r[0])))];
    const batches = opts.overwrite ? [] : readBatches(out, binding);
    staging = mkdtempSync(join(outRoot, `.${name}.staging-${process.pid}-`));
    mkdirSync(join(staging, 'inputs'));
    const latest = new Map<string, IngestedInput>();
    for (const b of batches) for (const i of b.inputs) latest.set(i.path, i);
    const plan = await planInputs(files, [...latest.values()], join(staging, 'inputs'));
    step();

    const report: IngestReport = {
      out,
      events: 0,
      days: 0,
      datasetEvents: batches.reduce((n, b) => n + b.events, 0),
      datasetDays: new Set(batches.flatMap((b) => b.days)).size,
      added: plan.staged.map((s) => ({ path: s.path, from: s.start, bytes: s.record.bytes - s.start })),
      skipped: plan.skipped,
      heldBack: plan.heldBack,
      badLines: 0,
      badExamples: [],
      unreadableLines: 0,
      untimed: 0,
      notices,
    };
    if (plan.staged.length === 0 && !(opts.overwrite && existsSync(out))) return report;

    const id = `batch-${new Date().toISOString().replace(/[-:.]/g, '')}-${process.pid}`;
    const dataset = join(staging, 'dataset');
    const batchDir = join(dataset, id);
    mkdirSync(dataset);
    const written = plan.staged.length > 0 ? await writeBatch(engine, binding, plan.staged, batches, batchDir, report, step) : { events: 0, days: [] as string[], columns: [] as DatasetColumn[] };
    if (plan.staged.length > 0) {
      const record: BatchRecord = {
        format: 1,
        id,
        created: new Date().toISOString(),
        sourcetype: binding.sourcetype,
        timeField: binding.timeField,
        inputs: plan.staged.map((s) => s.record),
        events: written.events,
        days: written.days,
        columns: JSON.parse(encodeColumns(written.columns)).columns,
      };
      writeFileSync(join(batchDir, BATCH_FILE), JSON.stringify(record, null, 1));
    }
    report.events = written.events;
    report.days = written.days.length;
    report.datasetEvents = (opts.overwrite ? 0 : report.datasetEvents) + written.events;
    report.datasetDays = new Set([...(opts.overwrite ? [] : batches.flatMap((b) => b.days)), ...written.days]).size;
    step();
    commit(out, dataset, batchDir, opts.overwrite || !existsSync(out));
    return report;
  } finally {
    if (staging) rmSync(staging, { recursive: true, force: true });
    lock.release();
  }
}

/** Leftovers of ingests that did not finish (we hold the lock, so no other is running): staging is deleted; a dataset an interrupted --overwrite moved aside is put back when its replacement never arrived. */
function recover(outRoot: string, name: string): string[] {
  const notices: string[] = [];
  for (const entry of readdirSync(outRoot)) {
    if (!entry.startsWith(`.${name}.`)) continue;
    const path = join(outRoot, entry);
    if (entry.startsWith(`.${name}.staging-`)) rmSync(path, { recursive: true, force: true });
    else if (entry.startsWith(`.${name}.old-`)) {
      if (existsSync(join(outRoot, name))) rmSync(path, { recursive: true, force: true });
      else {
        renameSync(path, join(outRoot, name));
        notices.push(`restored ${join(outRoot, name)}, which an interrupted --overwrite had moved aside`);
      }
    }
  }
  return notices;
}

/** The batch records of an existing dataset (none if it does not exist). Anything else in it is an error. */
function readBatches(out: string, binding: SourceBinding): BatchRecord[] {
  if (!existsSync(out)) return [];
  const batches: BatchRecord[] = [];
  for (const entry of readdirSync(out).sort()) {
    const file = join(out, entry, BATCH_FILE);
    if (!entry.startsWith('batch-') || !existsSync(file)) {
      throw new DuckhuntError('source_error', `${out} holds ${entry}, which is not a batch of a duckhunt ingest dataset (an older duckhunt's dataset, or other files)`, {
        hint: 'pass --overwrite to replace it, or choose another --out',
      });
    }
    const record = JSON.parse(readFileSync(file, 'utf8')) as BatchRecord;
    if (record.timeField !== binding.timeField) {
      throw new DuckhuntError('source_error', `${out} was ingested with ${record.timeField} as its time field, not ${binding.timeField}`, {
        hint: 'pass --overwrite to rebuild it with the new time field',
      });
    }
    batches.push(record);
  }
  return batches;
}

/** Moves the built batch into place: the whole dataset directory when new or replaced, else the batch into it. */
function commit(out: string, dataset: string, batchDir: string, whole: boolean): void {
  if (!whole) {
    renameSync(batchDir, join(out, batchDir.slice(batchDir.lastIndexOf('/') + 1)));
    return;
  }
  if (!existsSync(out)) {
    renameSync(dataset, out);
    return;
  }
  const aside = `${out.slice(0, out.lastIndexOf('/') + 1)}.${out.slice(out.lastIndexOf('/') + 1)}.old-${process.pid}`;
  renameSync(out, aside);
  renameSync(dataset, out);
  rmSync(aside, { recursive: true, force: true });
}

/** Problems of the staged copies, named by their inputs (line numbers after the lines ingested before). */
async function checkInputs(engine: Engine, staged: StagedInput[], timeField: string, timeParser: string | undefined, report: IngestReport): Promise<void> {
  const byStaged = new Map(staged.map((s) => [s.staged, s]));
  const named = stagedNames(staged);
  let problems: FileProblems[];
  try {
    problems = await ndjsonProblems(engine.connection, staged.map((s) => s.staged), timeField, timeParser);
  } catch (e) {
    if (e instanceof DuckhuntError) throw new DuckhuntError(e.kind, named(e.message), { hint: e.hint });
    throw e;
  }
  for (const p of problems) {
    const s = byStaged.get(p.file)!;
    report.badLines += p.bad + p.unreadable;
    report.unreadableLines += p.unreadable;
    report.untimed += p.untimed;
    for (const line of [p.firstBad, p.firstUnreadable].filter((l): l is number => l !== undefined)) {
      if (report.badExamples.length < 5) report.badExamples.push(`${s.path}:${s.lineBase + line}`);
    }
  }
}

/** A message with the staged copies' paths replaced by their inputs'. */
const stagedNames = (staged: StagedInput[]) => (text: string) => {
  for (const s of staged) text = text.split(s.staged).join(s.start > 0 ? `${s.path} (its bytes from ${s.start})` : s.path);
  return text;
};

/** Checks the staged inputs, finds their leaves and writes them as one batch under `batchDir`. */
async function writeBatch(...args: Parameters<typeof writeStaged>): ReturnType<typeof writeStaged> {
  try {
    return await writeStaged(...args);
  } catch (e) {
    // The line reader's stop on mixed line ends, named by the input rather than its staged copy.
    const lineEnds = lineEndsError(e instanceof Error ? e.message : String(e));
    if (!lineEnds) throw e;
    const named = stagedNames(args[2]);
    throw new DuckhuntError(lineEnds.kind, named(lineEnds.message), { hint: lineEnds.hint && named(lineEnds.hint) });
  }
}

async function writeStaged(
  engine: Engine,
  binding: SourceBinding,
  staged: StagedInput[],
  batches: BatchRecord[],
  batchDir: string,
  report: IngestReport,
  step: () => void,
): Promise<{ events: number; days: string[]; columns: DatasetColumn[] }> {
  const conn = engine.connection;
  await checkInputs(engine, staged, binding.timeField, binding.timeParser, report);
  step();
  const files = staged.map((s) => s.staged);
  const lines = `(SELECT line, filename FROM ${ndjsonLines(files, false)} WHERE ${VALID_LINE})`;
  // One pass: the merged structure of every record and each file's line count (line numbers are per file).
  const census = await conn.runAndReadAll(
    `SELECT CAST(json_group_structure(CASE WHEN ${VALID_LINE} THEN json(line) END) AS VARCHAR), histogram(filename) FROM ${ndjsonLines(files, false)}`,
  );
  const [structure, histogram] = census.getRowsJS()[0] as [unknown, { key: string; value: unknown }[] | null];
  const rows = new Map((histogram ?? []).map((e) => [String(e.key), Number(e.value)]));
  const leaves = await discoverLeaves(conn, lines, structure);
  step();
  const columns = allocateColumns(batches, leaves);

  // Line numbers: the reader numbers the lines of all files in one sequence, file after file.
  let offset = 0;
  const mapping = staged.map((s) => {
    const row = `(${sqlString(s.staged)}, ${sqlString(s.path)}, ${s.lineBase}, ${offset})`;
    offset += rows.get(s.staged) ?? 0;
    if (/\.gz$/i.test(s.path)) s.record.lines = s.lineBase + (rows.get(s.staged) ?? 0);
    return row;
  });

  const batch = new JsonValueBatch('_dh_s', 'list');
  const leafSql = (path: LeafPath): string => {
    if (!isMultivalue(path)) return isPlainPath(path) ? batch.exact(path) : `dh_scalar(${jsonAt('q', path).sql})`;
    const guard = leafGuard('q', path);
    const values = `dh_mv(dh_scalars(${jsonAt('q', path).sql}))`;
    return guard ? `CASE WHEN ${guard} THEN ${values} END` : values;
  };
  const leafCols = columns.map((c) => `${leafSql(c.path)} AS ${sqlIdent(c.column)}`);
  const time = timeExpression(batch.scalar(binding.timeField, 'q'), binding.timeParser);
  const select =
    `SELECT _raw, _time, source, _line, ${leafCols.join(', ')}${leafCols.length ? ', ' : ''}CAST(to_timestamp(_time) AS DATE) AS day FROM (` +
    `SELECT *, ${time} AS _time FROM (` +
    `SELECT q, line AS _raw, m.source, m.base + (l.ordinality - m.off) AS _line, ${batch.select('q')} AS _dh_s FROM (` +
    `SELECT line, filename, ordinality, CASE WHEN ${MAY_RESPELL} THEN dh_quote_numbers(line) ELSE line END AS q FROM ${ndjsonLines(files, true)} WHERE ${VALID_LINE}) l ` +
    `JOIN (VALUES ${mapping.join(', ')}) m(file, source, base, off) ON l.filename = m.file))`;
  const kv = `KV_METADATA {${DATASET_KEY}: ${sqlString(encodeColumns(columns))}}`;
  let events: number;
  try {
    const r = await conn.runAndReadAll(`COPY (${select}) TO ${sqlString(batchDir)} (FORMAT parquet, PARTITION_BY (day), ${kv}, FILENAME_PATTERN 'part_{i}')`);
    events = Number(r.getRowsJS()[0]?.[0] ?? 0);
  } catch (e) {
    throw new DuckhuntError('source_error', `ingest of ${binding.sourcetype} failed: ${(e as Error).message.split('\n')[0]}`);
  }
  if (events === 0) {
    // A batch of inputs without events still has a file, so that a dataset with no events reads as empty.
    const empty = join(batchDir, 'day=__HIVE_DEFAULT_PARTITION__');
    mkdirSync(empty, { recursive: true });
    const cols = ['NULL::VARCHAR AS _raw', 'NULL::DOUBLE AS _time', 'NULL::VARCHAR AS source', 'NULL::BIGINT AS _line'];
    await conn.run(`COPY (SELECT ${cols.join(', ')} WHERE false) TO ${sqlString(join(empty, 'part_0.parquet'))} (FORMAT parquet, KV_METADATA {${DATASET_KEY}: ${sqlString(encodeColumns([]))}})`);
  }
  // Events without a time are under DuckDB's NULL partition, which is no day.
  const days = existsSync(batchDir) ? readdirSync(batchDir).filter((d) => d.startsWith('day=') && d !== 'day=__HIVE_DEFAULT_PARTITION__').map((d) => d.slice(4)) : [];
  return { events, days, columns };
}

/** Columns for the batch's leaves: a leaf the dataset already has keeps its column; a new one gets a free name. */
function allocateColumns(batches: BatchRecord[], leaves: LeafPath[]): DatasetColumn[] {
  const names = new ColumnNames([...SYSTEM_COLUMNS, ...READER_COLUMNS]);
  for (const b of batches) for (const [column, path] of b.columns) names.claim(JSON.stringify(path), column);
  return leaves.map((path) => {
    const name = leafName(path);
    // A name DuckDB and Parquet tools show readably; the map, not the name, says which leaf a column is.
    const base = name !== '' && name.length <= 200 && !/[\u0000-\u001f\u007f]/.test(name) ? name : 'field';
    return { column: names.columnFor(pathKey(path), base), path };
  });
}
