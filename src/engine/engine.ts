// Running compiled SQL in an in-process DuckDB: sources checked, subsearches materialized (cap reported), the
// main query streamed chunk by chunk (never the whole result in JS memory), malformed input lines counted.

import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir, totalmem } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { DuckDBInstance, JSDuckDBValueConverter, type DuckDBConnection } from '@duckdb/node-api';
import type { CompiledQuery } from '../compile/index.ts';
import type { LookupWrite, PassesPlan, SubsearchStatement } from '../compile/pipeline.ts';
import type { PrerunRequest, PrerunResult } from '../compile/prerun.ts';
import type { Knowledge } from '../knowledge/bundle.ts';
import { lookupReader, LookupProblem, resolveLookup } from '../knowledge/lookups.ts';
import { DAY_FLOOR } from '../compile/newest.ts';
import { PRELUDE_MACROS } from '../compile/prelude.ts';
import { regexRuntimeError } from '../compile/regex.ts';
import { removeAtExit } from '../cleanup.ts';
import { DuckhuntError, systemReason } from '../errors.ts';
import { sqlIdent, sqlString, sqlStringList } from '../sql/quote.ts';
import { describePath, globEscape, literalPath, type SourceBinding, type SourceFormat } from '../sources/catalog.ts';
import { discover, type DiscoveryRequest } from '../sources/discover.ts';
import { NOT_BLANK, recordsSql, textLines } from '../sources/records.ts';
import { repeatedNamesSql } from '../sources/xml.ts';
import { columnType, parquetReader, shapeClash, type ParquetSchema } from '../sources/parquet.ts';
import { lineEndsError, recordTimeSql } from '../sources/scan.ts';
import { DATASET_KEY, decodeColumns, unionColumns, type DatasetColumn } from '../sources/dataset.ts';
import { CheckedFiles, problemMessages } from '../sources/input-check.ts';
import { TYPED_FALLBACK, TYPED_SCAN_VARIABLE } from '../sources/ndjson-typed.ts';
import { fillGeoTable } from './geoip.ts';
import { TransactionMachine } from './transaction.ts';

export interface EngineOptions {
  /**
   * DuckDB's session TimeZone (default UTC): it decides only how event times without an offset are read (UTC,
   * as the README documents). The search's --timezone is not this: the compiled SQL names that zone itself.
   */
  timezone?: string;
  /** DuckDB memory_limit, e.g. "4GB": bounds DuckDB's buffer pool; beyond it, DuckDB spills to disk. */
  memoryLimit?: string;
  threads?: number;
  /** Where the private spill directory is made (default: the OS temporary directory). */
  tempDir?: string;
  /** Show the running query's progress on a terminal (cli/long-run.ts reads `connection.progress`, always tracked). */
  progress?: boolean;
  /**
   * Run each statement's last stats in this many passes from the start (PassesPlan) instead of first trying one
   * pass and, when it runs out of memory, the passes passCounts() suggests.
   */
  statsPasses?: number;
}

export interface RunNotice {
  kind: 'subsearch_cap' | 'malformed_lines' | 'untimed_events' | 'stats_passes';
  message: string;
}

export type Row = unknown[];

export interface ScanReport {
  filesRead: number;
  filesMatched: number;
  /** Size of the files read (DuckDB reads only the columns and row groups it needs of them). */
  bytesRead: number;
  files: string[];
}

export class Engine {
  private constructor(
    private readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
    /** Where DuckDB spills when a query needs more than the memory limit. */
    readonly spillDirectory: string,
    /** The memory limit DuckDB was given, for messages. */
    private readonly memoryLimit: string,
    private readonly statsPasses: number | undefined,
  ) {
    // Also when the process ends without closing the engine (Ctrl-C while DuckDB does not stop).
    this.forgetSpillDirectory = removeAtExit(() => rmSync(spillDirectory, { recursive: true, force: true }));
  }

  private readonly forgetSpillDirectory: () => void;

  static async create(opts: EngineOptions): Promise<Engine> {
    // Spilled data is log data: it goes to a directory only this user can read (mkdtemp: mode 0700, a name
    // nobody can guess or create first), removed when the engine closes or the process exits.
    let spill: string;
    try {
      spill = mkdtempSync(join(opts.tempDir ?? tmpdir(), 'duckhunt-spill-'));
    } catch (e) {
      throw new DuckhuntError('usage_error', `cannot make a spill directory in ${opts.tempDir ?? tmpdir()}: ${systemReason(e)}`, {
        hint: 'give a writable directory with --temp-dir',
      });
    }
    // Default memory limit: half of the machine's memory, leaving the rest to Node and the OS; beyond it DuckDB
    // spills to disk (large joins and sorts still finish).
    // Row order is always explicit (ORDER BY _dh_seq), so DuckDB need not preserve insertion order, which saves memory.
    const config: Record<string, string> = {
      memory_limit: opts.memoryLimit ?? `${Math.floor(totalmem() / 2 / 1024 / 1024)}MB`,
      preserve_insertion_order: 'false',
      temp_directory: spill,
    };
    if (opts.threads) config.threads = String(opts.threads);
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(':memory:', config);
    } catch (e) {
      rmSync(spill, { recursive: true, force: true });
      throw new DuckhuntError('usage_error', `DuckDB does not accept these settings (memory limit ${config.memory_limit}${opts.threads ? `, ${opts.threads} threads` : ''}): ${(e as Error).message}`);
    }
    const connection = await instance.connect();
    // One batch: each statement run on its own waits for DuckDB's thread (the macros one by one were ~20 ms of
    // every start, about half of it the round trips).
    const setup = [
      `SET TimeZone = ${sqlString(opts.timezone ?? 'UTC')}`,
      // Progress is tracked for every query (the CLI shows it on a terminal; withPasses sizes its passes by it),
      // never printed by DuckDB itself.
      'SET enable_progress_bar = true',
      'SET enable_progress_bar_print = false',
      ...PRELUDE_MACROS.map((m) => m.sql),
    ];
    await connection.run(setup.join(';\n'));
    return new Engine(instance, connection, spill, config.memory_limit, opts.statsPasses);
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
    rmSync(this.spillDirectory, { recursive: true, force: true });
    this.forgetSpillDirectory();
  }

  /** Every bound path must match at least one file: a typo is an error, never an empty result. */
  async checkSources(bindings: SourceBinding[]): Promise<void> {
    for (const b of bindings) for (const p of b.paths) await this.filesOf(p, b.sourcetype);
  }

  /** The files a path or glob matches (kept: once confined, the engine may no longer list directories). */
  private async filesOf(pattern: string, sourcetype: string): Promise<string[]> {
    let files = this.matched.get(pattern);
    if (!files) {
      files = await this.glob(pattern);
      if (files.length === 0) throw noFiles(pattern, sourcetype);
      for (const f of files) {
        // A pipe or a device cannot be read twice (the query, then the check for malformed lines), and a read
        // from one can block where Ctrl-C cannot reach it.
        const kind = describePath(f);
        if (kind) {
          throw new DuckhuntError('source_error', `${f} is ${kind}, not a regular file (bound to sourcetype ${sourcetype})`, {
            hint: 'duckhunt reads each source more than once: save the stream to a file (or .gz) and bind that',
          });
        }
      }
      this.matched.set(pattern, files);
    }
    return files;
  }

  private async glob(pattern: string): Promise<string[]> {
    const r = await this.connection.runAndReadAll(`SELECT file FROM glob(${sqlString(pattern)}) ORDER BY file`);
    return r.getRowsJS().map((row) => String(row[0]));
  }

  /** What the bindings read now, and their patterns, for the output check (a missing file is no conflict). */
  async boundInputs(bindings: SourceBinding[]): Promise<{ files: string[]; patterns: string[] }> {
    const patterns = bindings.flatMap((b) => b.paths);
    const files: string[] = [];
    for (const p of patterns) files.push(...(this.matched.get(p) ?? (await this.glob(p))));
    return { files, patterns };
  }

  private readonly matched = new Map<string, string[]>();

  /**
   * Lists the bound globs' files again when next asked (the shell, before each query: files may have come or
   * gone since, and the checks for skipped lines must see every file the query reads).
   */
  relist(): void {
    this.matched.clear();
  }

  /**
   * Confines this DuckDB to the query's sources: only the bound files (and dataset directories, the output file,
   * the spill directory, and `directories`: the shell's lookup directory) can be touched; every other file, ATTACH, INSTALL/LOAD and COPY elsewhere fail,
   * and the configuration is locked so SQL cannot undo it. DuckDB enforces this itself. Once is enough: a later
   * call (the same query's sources, after a discovery or a prerun) does nothing.
   */
  async confine(bindings: SourceBinding[], writable: string[] = [], directories: string[] = []): Promise<void> {
    if (this.confined) return;
    await this.checkSources(bindings);
    const files: string[] = [];
    const dirs: string[] = [this.spillDirectory, ...directories];
    for (const b of bindings) {
      for (const p of b.paths) {
        // A glob is expanded by DuckDB when the query runs, so its fixed directory is granted; a file only itself
        // (a file read literally is still globbed, as its escaped pattern, so both names are granted).
        const file = literalPath(p);
        if (file !== undefined) files.push(...new Set([p, file]));
        else dirs.push(p.slice(0, p.lastIndexOf('/', p.search(/[*?[]/)) + 1));
      }
    }
    files.push(...writable);
    await this.connection.run(`SET allowed_paths = ${sqlStringList(files)}`);
    await this.connection.run(`SET allowed_directories = ${sqlStringList(dirs.map((d) => (d.endsWith('/') ? d : d + '/')))}`);
    await this.connection.run('SET enable_external_access = false');
    await this.connection.run('SET lock_configuration = true');
    this.confined = true;
  }

  /** Once confined, sources were checked and globbing is no longer allowed. */
  private confined = false;

  /**
   * The bindings as the compiler needs them: a format the files' names and props did not decide is sniffed from
   * their content (sniffFormat); Parquet bindings get their files' column types, which resolve names; XML
   * bindings the field names some event repeats (multivalue fields).
   */
  async describeSources(bindings: SourceBinding[]): Promise<SourceBinding[]> {
    const out: SourceBinding[] = [];
    for (const given of bindings) {
      const b = given.format === 'auto' ? { ...given, format: await this.sniffFormat(given) } : given;
      if (b.format === 'xml') {
        await this.checkSources([b]);
        const r = await this.read(repeatedNamesSql(`(SELECT * FROM (${recordsSql(b.paths, 'xml')}) WHERE valid)`), b.paths.join(', '));
        out.push({ ...b, repeated: r.getRowsJS().map((row) => String(row[0])).sort() });
        continue;
      }
      if (b.format !== 'parquet') {
        out.push(b);
        continue;
      }
      await this.checkSources([b]);
      const dataset = await this.datasetColumns(b);
      if (dataset) {
        out.push({ ...b, dataset, schema: {} });
        continue;
      }
      const drop = `filename, file_row_number${b.partitioned ? ', day' : ''}`;
      const schemaOf = async (paths: string[]) => {
        try {
          const r = await this.connection.run(`SELECT * EXCLUDE (${drop}) FROM ${parquetReader(paths, b.partitioned)} LIMIT 0`);
          const types = r.columnTypes();
          return Object.fromEntries(r.columnNames().map((n, i) => [n, columnType(types[i])])) as ParquetSchema;
        } catch (e) {
          throw new DuckhuntError('source_error', `cannot read the Parquet files of sourcetype ${b.sourcetype} (${paths.join(', ')}): ${(e as Error).message.split('\n')[0]}`);
        }
      };
      // Files whose columns differ in shape (an object in one, a list or a value in another) cannot be read as
      // one sourcetype: DuckDB would read one shape and the other files' values would silently be lost.
      let first: { file: string; schema: ParquetSchema } | undefined;
      for (const p of b.paths) {
        for (const file of await this.filesOf(p, b.sourcetype)) {
          const schema = await schemaOf([globEscape(file)]);
          if (!first) first = { file, schema };
          const clash = shapeClash(first.schema, schema);
          if (clash) {
            throw new DuckhuntError('source_error', `column ${clash} has a different shape in ${first.file} and ${file}; they cannot be read as one sourcetype (${b.sourcetype})`, {
              hint: 'bind them as different sourcetypes, or re-ingest both from their NDJSON with duckhunt ingest',
            });
          }
        }
      }
      const unioned = await schemaOf(b.paths);
      const names = Object.keys(unioned);
      out.push({ ...b, schema: Object.fromEntries(names.map((n) => [n, unioned[n]])) });
    }
    return out;
  }

  /** Field discovery for wildcards over raw events (sources/discover.ts): each pipeline's field names. */
  async discoverFields(requests: DiscoveryRequest[]): Promise<Map<string, string[]>> {
    this.discoveryPasses += requests.length;
    try {
      return await discover(this.connection, requests);
    } catch (e) {
      throw new DuckhuntError('runtime_error', `DuckDB could not list the fields of the events: ${(e as Error).message}`);
    }
  }

  /** How many discovery passes this engine ran (a query that names its fields runs none). */
  discoveryPasses = 0;

  /**
   * Input problems of an XML or text binding, per file: lines that belong to no `<Event>…</Event>` record
   * (skipped), and events whose time cannot be read (kept, without _time).
   */
  private async recordProblems(b: SourceBinding): Promise<RunNotice[]> {
    const format = b.format as 'xml' | 'text';
    const files: string[] = [];
    for (const p of b.paths) files.push(...(await this.filesOf(p, b.sourcetype)));
    if (files.length === 0) return [];
    // Only "now" decides a year-less time's year, not whether there is one.
    const time = recordTimeSql(b, Date.now() / 1000);
    const rows = (
      await this.connection.runAndReadAll(
        `SELECT filename, count(*) FILTER (WHERE NOT valid), min(_dh_line) FILTER (WHERE NOT valid), count(*) FILTER (WHERE valid AND t IS NULL), min(_dh_line) FILTER (WHERE valid AND t IS NULL) ` +
          `FROM (SELECT filename, _dh_line, valid, CASE WHEN valid THEN ${time} END AS t FROM (${recordsSql(files, format)})) ` +
          `GROUP BY filename HAVING count(*) FILTER (WHERE NOT valid OR t IS NULL) > 0 ORDER BY filename`,
      )
    ).getRowsJS();
    const notices: RunNotice[] = [];
    for (const row of rows) {
      const [bad, firstBad, untimed, firstUntimed] = row.slice(1).map((v) => Number(v ?? 0));
      if (bad > 0) {
        notices.push({ kind: 'malformed_lines', message: `skipped ${bad} ${format === 'xml' ? 'run(s) of lines' : 'line(s)'} in ${row[0]} that ${format === 'xml' ? 'are not <Event>…</Event> records or ' : ''}hold a NUL byte (first at line ${firstBad}); sourcetype ${b.sourcetype}` });
      }
      if (untimed > 0) {
        const what = format === 'xml' ? `TimeCreated SystemTime` : 'time (props.conf TIME_PREFIX/TIME_FORMAT, or ISO-8601 or syslog time in the first characters)';
        notices.push({
          kind: 'untimed_events',
          message: `${untimed} event(s) of ${row[0]} have no readable ${what} (first at line ${firstUntimed}); they have no _time and are outside any time range; sourcetype ${b.sourcetype}`,
        });
      }
    }
    return notices;
  }

  /** Runs a query that reads `files`; DuckDB's failure is a source error naming them. */
  private async read(sql: string, files: string) {
    try {
      return await this.connection.runAndReadAll(sql);
    } catch (e) {
      throw new DuckhuntError('source_error', `cannot read ${files}: ${(e as Error).message.split('\n')[0]}`);
    }
  }

  /**
   * The format of a binding's files from their first line that is not blank (decision X80): `{` is NDJSON,
   * `<Event` Windows event XML, anything else text lines. Files that disagree are an error: each binding has one
   * format.
   */
  private async sniffFormat(b: SourceBinding): Promise<SourceFormat> {
    const formats = new Map<SourceFormat, string>();
    for (const p of b.paths) {
      for (const file of await this.filesOf(p, b.sourcetype)) {
        const r = await this.read(`SELECT line FROM ${textLines([file], false)} WHERE ${NOT_BLANK('line')} LIMIT 1`, file);
        const first = String(r.getRowsJS()[0]?.[0] ?? '').replace(/^[\s\uFEFF]+/, '');
        const format: SourceFormat = first.startsWith('{') ? 'ndjson' : first.startsWith('<Event') ? 'xml' : 'text';
        if (!formats.has(format)) formats.set(format, file);
      }
    }
    if (formats.size > 1) {
      throw new DuckhuntError('source_error', `the files of sourcetype ${b.sourcetype} hold different formats (${[...formats].map(([f, file]) => `${f}: ${file}`).join('; ')}); bind them separately`, {
        hint: 'or say the format: "format" in the config, or --source sourcetype=ST,format=xml|text|ndjson,path=PATH',
      });
    }
    return [...formats.keys()][0] ?? 'text';
  }

  /**
   * The column map of files `duckhunt ingest` wrote (sources/dataset.ts), read from every file's metadata in one
   * query; undefined for other Parquet files. A binding mixing both is an error.
   */
  private async datasetColumns(b: SourceBinding): Promise<DatasetColumn[] | undefined> {
    const files: string[] = [];
    for (const p of b.paths) files.push(...(await this.filesOf(p, b.sourcetype)));
    let rows: unknown[][];
    try {
      const r = await this.connection.runAndReadAll(
        `SELECT file_name, decode(value) FROM parquet_kv_metadata(${sqlStringList(files)}) WHERE decode(key) = ${sqlString(DATASET_KEY)}`,
      );
      rows = r.getRowsJS();
    } catch (e) {
      throw new DuckhuntError('source_error', `cannot read the Parquet files of sourcetype ${b.sourcetype} (${b.paths.join(', ')}): ${(e as Error).message.split('\n')[0]}`);
    }
    if (rows.length === 0) return undefined;
    if (rows.length < files.length) {
      const written = new Set(rows.map((r) => String(r[0])));
      const other = files.find((f) => !written.has(f));
      throw new DuckhuntError('source_error', `sourcetype ${b.sourcetype} mixes files duckhunt ingest wrote with other Parquet files (${other})`, {
        hint: 'bind them as different sourcetypes',
      });
    }
    // Files of one batch share one map: decode each distinct map once.
    const maps = new Map<string, string>();
    for (const [file, text] of rows) if (!maps.has(String(text))) maps.set(String(text), String(file));
    return unionColumns([...maps].map(([text, file]) => ({ file, columns: decodeColumns(text, file) })));
  }

  /**
   * Reads the header of every lookup table in `names` that the knowledge defines (once per file), so that the
   * compiler knows their fields. Names that are not lookups, and files DuckDB cannot read, are left for the
   * compiler to report at the query's use of them.
   */
  async describeLookups(k: Knowledge, names: Iterable<string>): Promise<void> {
    for (const name of names) {
      let file: string;
      try {
        file = resolveLookup(k, name).file;
      } catch (e) {
        if (e instanceof LookupProblem) continue;
        throw e;
      }
      if (k.lookupColumns.has(file) || k.lookupProblems.has(file)) continue;
      try {
        const r = await this.connection.run(`SELECT * FROM ${lookupReader(file)} LIMIT 0`);
        k.lookupColumns.set(file, r.columnNames());
      } catch (e) {
        k.lookupProblems.set(file, `cannot read the lookup table ${file}: ${(e as Error).message.split('\n')[0]}`);
      }
    }
  }

  /**
   * Runs preruns (compile/prerun.ts) and returns their rows: the statements each reads are created first (an
   * outputlookup's table is filled but nothing is written yet), then its query runs, stopped after maxSeconds.
   */
  async prerun(requests: PrerunRequest[]): Promise<Map<string, PrerunResult>> {
    const out = new Map<string, PrerunResult>();
    for (const r of requests) {
      let timedOut = false;
      const timer = r.maxSeconds !== undefined ? setTimeout(() => ((timedOut = true), this.connection.interrupt()), r.maxSeconds * 1000) : undefined;
      try {
        for (const s of r.statements) await this.createStatement(s);
        const rows = (await this.connection.runAndReadAll(r.sql)).getRowsJS() as unknown[][];
        out.set(r.key, { rows: rows.slice(0, r.maxRows), truncated: rows.length > r.maxRows });
      } catch (e) {
        if (timedOut) {
          throw new DuckhuntError('runtime_error', `${r.label} ran longer than ${r.maxSeconds} seconds, the subsearch time limit; Splunk would go on with the rows found by then, which would be a silently partial filter`, {
            hint: `raise the limit with ${r.timeSetting ?? 'a larger limit'} (0: none), or narrow the subsearch`,
          });
        }
        if (e instanceof DuckhuntError) throw e;
        throw new DuckhuntError('runtime_error', `DuckDB could not run ${r.label}: ${(e as Error).message}`);
      } finally {
        if (timer) clearTimeout(timer);
      }
    }
    return out;
  }

  /** A temporary table holding the rows of a query (a subsearch's, or what running a stats in passes keeps). */
  private async createTable(table: string, sql: string): Promise<void> {
    await this.connection.run(`CREATE OR REPLACE TEMP TABLE ${sqlIdent(table)} AS\n${sql}`);
  }

  /**
   * Fills a statement's temporary table: with its query's rows, or (a transaction's grouping) with the
   * transactions the state machine makes of the rows its query gives (engine/transaction.ts).
   */
  private async createStatement(s: SubsearchStatement): Promise<void> {
    if (!s.transaction) {
      await this.createTable(s.table, s.sql);
      return;
    }
    await this.connection.run(`CREATE OR REPLACE TEMP TABLE ${sqlIdent(s.table)} (dh_first DOUBLE, dh_last DOUBLE, dh_txn DOUBLE, dh_closed BOOLEAN)`);
    const appender = await this.connection.createAppender(s.table);
    let txn = 0;
    const machine = new TransactionMachine(s.transaction, (t) => {
      appender.appendDouble(t.first);
      appender.appendDouble(t.last);
      appender.appendDouble(++txn);
      appender.appendBoolean(t.closed);
      appender.endRow();
    });
    try {
      // Rows: event number, key, time, startswith, endswith — in event-number order.
      const result = await this.connection.stream(s.sql);
      for (;;) {
        const chunk = await result.fetchChunk();
        if (!chunk || chunk.rowCount === 0) break;
        for (const [id, key, time, start, end] of chunk.convertRows(JSDuckDBValueConverter)) {
          machine.push(Number(id), String(key), time === null ? null : Number(time), start === true, end === true);
        }
      }
      machine.finish();
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
  }

  /** Files a query's outputlookup writes (its temporary file is what DuckDB writes; see writeLookup). */
  static lookupWrites(q: CompiledQuery): LookupWrite[] {
    return q.subsearches.map((s) => s.write).filter((w): w is LookupWrite => w !== undefined);
  }

  /**
   * Runs the query: subsearches first, then the main query, calling `onRows` for each chunk of rows
   * (values in the order of `q.fields`). Returns notices the user should see (caps hit, lines skipped).
   */
  /** How many runs read NDJSON lines after the typed scan stopped (for tests and benchmarks). */
  typedScanFallbacks = 0;

  async run(q: CompiledQuery, onRows: (rows: Row[]) => void | Promise<void>, opts: { strict?: boolean } = {}): Promise<{ rowCount: number; notices: RunNotice[] }> {
    if (q.discoveries.length > 0 || q.preruns.length > 0) throw new Error('internal: the query needs field discovery or preruns before it runs (compilePrepared)');
    const notices: RunNotice[] = [];
    const used = q.bindings;
    const unwritable = Engine.lookupWrites(q).find((w) => w.file === undefined);
    if (unwritable) {
      throw new DuckhuntError('knowledge_error', `outputlookup ${unwritable.name}: there is no lookup directory to write it to`, {
        hint: 'give one with --lookup-dir DIR (or "lookupDir" in duckhunt.config.json)',
      });
    }
    if (!this.confined) await this.checkSources(used);
    if (opts.strict) {
      // --strict: bad input fails the run before any result is written.
      const problems = await this.inputProblems(used);
      if (problems.length > 0) {
        throw new DuckhuntError('source_error', problems.map((p) => p.message).join('\n'), { hint: 'fix the input, or run without --strict to skip and report such lines' });
      }
    }
    // NDJSON is read by the typed scan first (sources/ndjson-typed.ts); when it meets an event it cannot read
    // exactly, it stops before any row is out, and the query runs again reading lines.
    let delivered = 0;
    const deliver = async (rows: Row[]) => {
      delivered += rows.length;
      await onRows(rows);
    };
    try {
      let result: { rowCount: number; notices: RunNotice[] };
      try {
        await this.connection.run(`SET VARIABLE ${TYPED_SCAN_VARIABLE} = true`);
        result = await this.runStatements(q, deliver);
      } catch (e) {
        // read_json also stops by itself, ignore_errors or not, on an object split over lines ("Malformed JSON in
        // file …: unexpected end of data"), which the line scan skips and reports.
        if (!(e instanceof Error) || !(e.message.includes(TYPED_FALLBACK) || /Malformed JSON in file /.test(e.message))) throw e;
        if (delivered > 0) throw new Error(`internal: the typed NDJSON scan stopped after ${delivered} rows were written`);
        this.typedScanFallbacks++;
        await this.connection.run(`SET VARIABLE ${TYPED_SCAN_VARIABLE} = false`);
        result = await this.runStatements(q, deliver);
      } finally {
        await this.connection.run(`RESET VARIABLE ${TYPED_SCAN_VARIABLE}`);
      }
      notices.push(...result.notices);
      if (!opts.strict) notices.push(...(await this.inputProblems(used)));
      return { rowCount: result.rowCount, notices };
    } catch (e) {
      if (e instanceof DuckhuntError) throw e;
      throw this.runtimeError(e, q);
    }
  }

  /** The subsearch statements, then the main query streamed to `onRows`; the notices of subsearch caps. */
  private async runStatements(q: CompiledQuery, onRows: (rows: Row[]) => void | Promise<void>): Promise<{ rowCount: number; notices: RunNotice[] }> {
    const notices: RunNotice[] = [];
    for (const s of q.subsearches) {
      await this.withPasses(s.passes, () => this.createStatement(s), (sql) => this.createTable(s.table, sql), notices);
      if (!s.write && !s.geo && s.cap === undefined) continue;
      const r = await this.connection.runAndReadAll(`SELECT count(*) FROM ${sqlIdent(s.table)}`);
      const rows = Number(r.getRowsJS()[0][0]);
      if (s.write) await this.writeLookup(s, s.write, rows);
      if (s.geo) await fillGeoTable(this.connection, s.table, s.geo);
      if (s.cap !== undefined && rows > s.cap) {
        notices.push({
          kind: 'subsearch_cap',
          message: `${s.label} returned more than ${s.cap.toLocaleString('en-US')} rows; only the first ${s.cap.toLocaleString('en-US')} were used, as Splunk does (raise the cap with --subsearch-maxout)`,
        });
      }
    }
    if (q.newestFirst !== undefined) return { rowCount: await this.runNewestFirst(q, q.newestFirst, onRows), notices };
    let rowCount = 0;
    const counted = async (rows: Row[]) => {
      rowCount += rows.length;
      await onRows(rows);
    };
    await this.withPasses(q.passes, () => this.stream(q.sql, counted), (sql) => this.stream(sql, counted), notices, () => rowCount === 0);
    return { rowCount, notices };
  }

  /**
   * Runs a statement (`whole`), and when it runs out of memory and its last stats can run in passes (PassesPlan),
   * runs it again in passes (passCounts: as many as the part of its input the one pass read before it ran out
   * suggests, then 4 times as many; or the engine's statsPasses from the start): the rows reaching the stats are
   * written to a table once, each pass appends its groups to the plan's stage table, then `end` runs the
   * statement's ending over it. `retryable` says whether nothing of the failed attempt has left the engine yet.
   */
  private async withPasses(plan: PassesPlan | undefined, whole: () => Promise<unknown>, end: (sql: string) => Promise<unknown>, notices: RunNotice[], retryable = () => true): Promise<void> {
    let failure: unknown;
    let reached = 0;
    if (!plan || this.statsPasses === undefined) {
      const watch = plan ? setInterval(() => (reached = Math.max(reached, this.progress())), 200) : undefined;
      try {
        await whole();
        return;
      } catch (e) {
        if (!plan || !isOutOfMemory(e) || !retryable()) throw e;
        failure = e;
      } finally {
        clearInterval(watch);
      }
    }
    // The rows reaching the stats, once (a table DuckDB spills as it needs): every pass reads them from there.
    try {
      await this.createTable(plan.input, plan.inputSql());
      await this.eachPassCount(plan, reached, failure, end, notices, retryable);
    } finally {
      await this.connection.run(`DROP TABLE IF EXISTS ${sqlIdent(plan.input)}`);
    }
  }

  /** The passes of withPasses, over the plan's input table: passCounts(reached) in turn until one fits. */
  private async eachPassCount(plan: PassesPlan, reached: number, failure: unknown, end: (sql: string) => Promise<unknown>, notices: RunNotice[], retryable: () => boolean): Promise<void> {
    // Names the compiler made (dh_passes_N), so they need no quoting.
    const variable = plan.variable;
    const part = `${plan.variable}_part`;
    const body = plan.body();
    for (const n of this.statsPasses !== undefined ? [this.statsPasses] : passCounts(reached)) {
      try {
        for (let p = 0; p < n; p++) {
          await this.connection.run(`SET VARIABLE ${variable} = ${n}::UBIGINT; SET VARIABLE ${part} = ${p}::UBIGINT`);
          if (p === 0) await this.createTable(plan.stage, body);
          else await this.connection.run(`INSERT INTO ${sqlIdent(plan.stage)}\nSELECT * FROM (\n${body}\n)`);
        }
        await this.connection.run(`RESET VARIABLE ${variable}; RESET VARIABLE ${part}`);
        await end(plan.finish());
        if (failure !== undefined) {
          notices.push({
            kind: 'stats_passes',
            message: `${plan.label} ran out of memory in one pass (memory limit ${this.memoryLimit}), so its groups were computed in ${n} passes, each over the rows whose BY values hash to it (kept in a temporary table): the same result, in more time`,
          });
        }
        return;
      } catch (e) {
        // Rows already written by the ending cannot be taken back: more passes would write them again.
        if (!isOutOfMemory(e) || !retryable()) throw e;
        failure = e;
      } finally {
        await this.connection.run(`RESET VARIABLE ${variable}; RESET VARIABLE ${part}; DROP TABLE IF EXISTS ${sqlIdent(plan.stage)}`);
      }
    }
    throw failure;
  }

  /** How far the running query is (0–100), 0 while DuckDB cannot tell. */
  private progress(): number {
    try {
      return Math.max(0, this.connection.progress.percentage);
    } catch {
      return 0;
    }
  }

  private async stream(sql: string, onRows: (rows: Row[]) => void | Promise<void>): Promise<number> {
    const result = await this.connection.stream(sql);
    let rowCount = 0;
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const rows = chunk.convertRows(JSDuckDBValueConverter) as Row[];
      rowCount += rows.length;
      await onRows(rows);
    }
    return rowCount;
  }

  /**
   * `search … | head N` over datasets (compile/newest.ts): the newest day first, then 2, 4, 8… days, until the
   * head has its N rows; then every day (and the events without a time). Rows are passed on only from the read
   * that answers.
   */
  private async runNewestFirst(q: CompiledQuery, limit: number, onRows: (rows: Row[]) => void | Promise<void>): Promise<number> {
    const days = new Set<string>();
    for (const b of q.bindings) {
      for (const p of b.paths) for (const f of await this.filesOf(p, b.sourcetype)) days.add(/\/day=(\d{4}-\d{2}-\d{2})\//.exec(f)?.[1] ?? '');
    }
    days.delete('');
    const newestFirst = [...days].sort().reverse();
    this.dayFloors = [];
    for (let n = 1; n < newestFirst.length; n *= 2) {
      const floor = newestFirst[n - 1];
      this.dayFloors.push(floor);
      const rows: Row[] = [];
      await this.stream(q.sql.replaceAll(DAY_FLOOR, `DATE ${sqlString(floor)}`), (chunk) => void rows.push(...chunk));
      if (rows.length >= limit) {
        await onRows(rows);
        return rows.length;
      }
    }
    this.dayFloors.push(null);
    return await this.stream(q.sql, onRows);
  }

  /** The day floors the last newest-first run read from (null: every day), for tests and benchmarks. */
  dayFloors: Array<string | null> = [];

  /**
   * DuckDB's error in duckhunt's words: a regular expression from a field that RE2 cannot compile names its call
   * in the query; out-of-memory advice names duckhunt's flags, not SQL settings.
   */
  private runtimeError(e: unknown, q: CompiledQuery): DuckhuntError {
    const message = e instanceof Error ? e.message : String(e);
    const regex = regexRuntimeError(q.regexSites, message);
    if (regex) return regex;
    const lineEnds = lineEndsError(message);
    if (lineEnds) return lineEnds;
    const oom = /^Out of Memory Error: (.*)/.exec(message);
    if (oom) {
      // values()/list() (and what is built on them) keep every group's values in memory: DuckDB 1.5 spills the
      // rest of an aggregate but not those states (bench/NOTES.md, "100 M events"), so no --temp-dir saves them.
      const lists = [q.sql, ...q.subsearches.map((s) => s.sql)].some((sql) => LIST_AGGREGATE.test(sql));
      return new DuckhuntError('runtime_error', `DuckDB ran out of memory: ${oom[1]} (memory limit ${this.memoryLimit})`, {
        hint: lists
          ? "raise --memory-limit, or lower --threads (each thread needs buffers of its own), or narrow the time range (--earliest/--latest): this query's values()/list() keep every group's values in memory, which DuckDB cannot spill to disk"
          : 'raise --memory-limit, or lower --threads (each thread needs buffers of its own); what DuckDB cannot keep within the limit it spills to --temp-dir',
      });
    }
    if (/No space left on device/i.test(message)) {
      return new DuckhuntError('runtime_error', `DuckDB could not run the query: ${message.split('\n')[0]}`, {
        hint: `DuckDB spills what exceeds the memory limit to ${this.spillDirectory}: free space there, or choose another place with --temp-dir`,
      });
    }
    return new DuckhuntError('runtime_error', `DuckDB could not run the query: ${message}`);
  }

  /** The temporary file outputlookup writes before renaming it into place (beside the target, same file system). */
  static temporaryFile(file: string): string {
    return join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  }

  /**
   * outputlookup: the statement's rows (in order, at most `max`) after the file's existing rows when appending,
   * written to a temporary file and renamed over the target. Empty results keep an existing file when
   * override_if_empty=false, and create none when create_empty=false.
   */
  private async writeLookup(s: SubsearchStatement, w: LookupWrite, rows: number): Promise<void> {
    const file = w.file!;
    const exists = existsSync(file);
    if (rows === 0 && ((exists && !w.overrideIfEmpty) || (!exists && !w.createEmpty))) return;
    mkdirSync(dirname(file), { recursive: true });
    const tmp = Engine.temporaryFile(file);
    const fresh = `SELECT ${w.select}, 1 AS _dh_part, _dh_seq AS _dh_ord FROM ${sqlIdent(s.table)}${w.max !== undefined ? ` ORDER BY _dh_seq LIMIT ${w.max}` : ''}`;
    const old = `SELECT * EXCLUDE (ordinality), 0 AS _dh_part, ordinality AS _dh_ord FROM ${lookupReader(file)} WITH ORDINALITY`;
    const data = w.append && exists ? `SELECT * FROM (${old}) UNION ALL BY NAME SELECT * FROM (${fresh})` : fresh;
    try {
      await this.connection.run(
        `COPY (SELECT * EXCLUDE (_dh_part, _dh_ord) FROM (${data}) ORDER BY _dh_part, _dh_ord) TO ${sqlString(tmp)} (FORMAT csv, HEADER true, COMPRESSION ${/\.gz$/i.test(file) ? 'gzip' : 'none'})`,
      );
      renameSync(tmp, file);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw new DuckhuntError('runtime_error', `outputlookup ${w.name}: cannot write ${file}: ${(e as Error).message.split('\n')[0]}`);
    }
  }

  /** Writes the result to a Parquet file with DuckDB's COPY (columns named by their Splunk field names). */
  async copyToParquet(q: CompiledQuery, file: string, opts: { strict?: boolean } = {}): Promise<{ notices: RunNotice[] }> {
    // The file is a partial file the caller renames into place; DuckDB's own temporary file is not needed.
    const copy = (sql: string) => `COPY (${sql}) TO ${sqlString(file)} (FORMAT parquet, USE_TMP_FILE false)`;
    const named = q.passes?.namedFinish;
    const passes = q.passes && named && { ...q.passes, finish: () => copy(named()) };
    const { notices } = await this.run({ ...q, sql: copy(q.namedSql), passes }, () => {}, opts);
    return { notices };
  }

  /**
   * Runs the query with DuckDB's profiler and reports what each Parquet scan read: files read out of the files
   * matched (time-range pruning skips `day=` partitions) and the bytes of the files read.
   */
  async scanReport(q: CompiledQuery): Promise<ScanReport[]> {
    const dir = mkdtempSync(join(tmpdir(), 'duckhunt-profile-'));
    const file = join(dir, 'profile.json');
    await this.connection.run(`PRAGMA enable_profiling = 'json'`);
    await this.connection.run(`PRAGMA profiling_output = ${sqlString(file)}`);
    try {
      await this.run(q, () => {});
    } finally {
      await this.connection.run('PRAGMA disable_profiling');
    }
    const reports: ScanReport[] = [];
    const scans: Array<Record<string, string>> = [];
    const walk = (node: { operator_type?: string; extra_info?: Record<string, string>; children?: unknown[] }) => {
      if (node.operator_type === 'TABLE_SCAN' && node.extra_info?.Function === 'READ_PARQUET') scans.push(node.extra_info);
      for (const c of node.children ?? []) walk(c as typeof node);
    };
    walk(JSON.parse(readFileSync(file, 'utf8')));
    for (const info of scans) {
      // Pruned scans list the files they read; an unpruned scan names its glob and reads every file it matches.
      const listed = (info['Filename(s)'] ?? '').split(/,\s*/).filter((n) => n && n !== '...');
      const files: string[] = [];
      for (const n of listed) files.push(...(/[*?[]/.test(n) ? await this.filesOf(n, 'profile') : [n]));
      const [, matched] = (info['Scanning Files'] ?? '').split('/').map(Number);
      const bytes = files.reduce((sum, n) => sum + (existsSync(n) ? statSync(n).size : 0), 0);
      reports.push({ filesRead: Number(info['Total Files Read'] ?? files.length), filesMatched: matched || files.length, bytesRead: bytes, files });
    }
    rmSync(dir, { recursive: true, force: true });
    return reports;
  }

  /**
   * Input problems the scan stepped over, per NDJSON file (sources/input-check.ts): lines skipped, events without
   * a time. A truncated .gz or an over-long line is an error instead. Line numbers are the file's own.
   */
  /** The input check's findings per unchanged file, for the engine's life (a shell session's queries). */
  private readonly checked = new CheckedFiles();

  async inputProblems(bindings: SourceBinding[]): Promise<RunNotice[]> {
    const notices: RunNotice[] = [];
    for (const b of bindings.filter((x) => x.format === 'xml' || x.format === 'text')) notices.push(...(await this.recordProblems(b)));
    for (const b of bindings.filter((x) => x.format === 'ndjson')) {
      const files: string[] = [];
      for (const p of b.paths) files.push(...(await this.filesOf(p, b.sourcetype)));
      for (const p of await this.checked.problems(this.connection, files, b.timeField, b.timeParser)) notices.push(...problemMessages(p, b.sourcetype, b.timeField));
    }
    return notices;
  }
}

/**
 * How many passes to try, in turn, after one pass ran out of memory having read `reached` percent of its input:
 * about twice as many as that suggests (memory grows with the events read), at least 4, then 4 times as many
 * each time, up to 256.
 */
export function passCounts(reached: number): number[] {
  let n = 4;
  while (reached > 0 && n < 256 && n * reached < 200) n *= 2;
  const counts: number[] = [];
  for (; n <= 256; n *= 4) counts.push(n);
  return counts;
}

/** DuckDB's out-of-memory error (a query that needed more than the memory limit, after spilling what it could). */
const isOutOfMemory = (e: unknown): boolean => e instanceof Error && /^Out of Memory Error/.test(e.message);

/** SQL aggregates whose per-group state DuckDB 1.5 cannot spill (values(), list(), mvcombine…). */
const LIST_AGGREGATE = /\b(list|array_agg|histogram|string_agg)\(/i;

/** No file matches a bound path: say what the path is when it exists (a directory, a device…). */
function noFiles(pattern: string, sourcetype: string): DuckhuntError {
  const bound = `(bound to sourcetype ${sourcetype})`;
  const dataset = /^(.*)\/\*\*\/\*\.parquet$/.exec(pattern)?.[1];
  const dir = dataset !== undefined ? literalPath(dataset) : undefined;
  if (dir !== undefined && describePath(dir) === 'a directory') {
    return new DuckhuntError('source_error', `${dir} is a directory with no .parquet files under it ${bound}`, {
      hint: `a directory source is a dataset written by duckhunt ingest; to read the NDJSON files in it, bind a glob such as ${join(dir, '*.json')}`,
    });
  }
  const file = literalPath(pattern);
  const kind = file !== undefined ? describePath(file) : undefined;
  if (kind) return new DuckhuntError('source_error', `${file} is ${kind}, not a regular file ${bound}`, { hint: 'bind a log file, a glob of them, or a dataset directory' });
  return new DuckhuntError('source_error', `no file matches ${pattern} ${bound}`, { hint: 'check the path, or bind the sourcetype with --source SOURCETYPE=PATH' });
}
