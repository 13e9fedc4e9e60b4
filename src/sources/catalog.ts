// Which files hold which sourcetype (the sources contract in the README): a config file, or --source flags.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { DuckhuntError } from '../errors.ts';
import { PACKAGE_ROOT } from '../paths.ts';
import type { DatasetColumn } from './dataset.ts';
import type { ParquetSchema } from './parquet.ts';

export type SourceFormat = 'ndjson' | 'parquet';

export interface SourceBinding {
  sourcetype: string;
  /** Absolute paths as DuckDB globs (a path that exists as written is escaped to read literally: boundPattern). */
  paths: string[];
  format: SourceFormat;
  /** The JSON field `_time` is read from (epoch number or ISO-8601 text); `_time` when not built in or set. */
  timeField: string;
  /** Whether the user set timeField (config or ingest): then props.conf's time settings do not replace it. */
  timeFieldSet?: boolean;
  /**
   * How the time field's text is read, from props.conf TIME_FORMAT: SQL giving epoch seconds from the text, which
   * it names TIME_TEXT (see timeExpression); ISO-8601 or epoch numbers when absent.
   */
  timeParser?: string;
  index: string;
  /** Parquet only: the files' column types, read by the engine before compiling (Engine.describeSources). */
  schema?: ParquetSchema;
  /** A dataset written by `duckhunt ingest`: Parquet under `day=YYYY-MM-DD/` directories, pruned by time range. */
  partitioned: boolean;
  /** Files written by `duckhunt ingest`: the leaf each data column holds (sources/dataset.ts), read by describeSources. */
  dataset?: DatasetColumn[];
}

export interface SourceCatalog {
  bindings: SourceBinding[];
  /** Where the bindings came from, for messages. */
  origin: string;
}

/** `_time` of the Splunk Add-on for Microsoft Office 365 sourcetypes. */
const BUILT_IN_TIME_FIELDS: Record<string, string> = {
  'o365:management:activity': 'CreationTime',
  'o365:reporting:messagetrace': 'Received',
  'ms:o365:reporting:messagetrace': 'Received',
};

export const PROJECT_ROOT = PACKAGE_ROOT;
export const DEFAULT_CONFIG = resolve(PROJECT_ROOT, 'duckhunt.config.json');
export const CONFIG_NAME = 'duckhunt.config.json';

export function formatOf(path: string): SourceFormat {
  return /\.parquet$/i.test(path) || /\/\*\*?$/.test(path) ? 'parquet' : 'ndjson';
}

const GLOB_CHARS = /[*?[]/;

/**
 * A bound path as DuckDB reads it: a glob, unless a file or directory exists under exactly that name, which is
 * then read literally (`a[1].json` is that file, not `a1.json`): its `*`, `?` and `[` become one-character
 * classes, which match only themselves.
 */
export function boundPattern(path: string): string {
  return GLOB_CHARS.test(path) && existsSync(path) ? globEscape(path) : path;
}

/** A file's name as a DuckDB glob that matches only that file (DuckDB's readers glob every path they get). */
export const globEscape = (file: string): string => file.replace(/[*?[]/g, (c) => `[${c}]`);

/** The one file a bound path names (a plain path, or one read literally), or undefined for a real glob. */
export function literalPath(pattern: string): string | undefined {
  const unescaped = pattern.replace(/\[([*?[])\]/g, '$1');
  return GLOB_CHARS.test(pattern.replace(/\[([*?[])\]/g, '')) ? undefined : unescaped;
}

/** What a path that is not a regular file is, for messages ("a directory", "a FIFO (named pipe)"…). */
export function describePath(path: string): string | undefined {
  let st;
  try {
    st = statSync(path);
  } catch {
    return undefined;
  }
  if (st.isFile()) return undefined;
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

function binding(sourcetype: string, paths: string[], baseDir: string, timeField?: string, index = 'main'): SourceBinding {
  if (!/^[^\s=]+$/.test(sourcetype)) throw new DuckhuntError('source_error', `invalid sourcetype name '${sourcetype}'`);
  // Splunk's index names: letters, digits, underscores and hyphens, not starting with a hyphen.
  if (!/^[A-Za-z0-9_][A-Za-z0-9_-]*$/.test(index)) throw new DuckhuntError('source_error', `invalid index name '${index}' for sourcetype ${sourcetype}`, { hint: 'letters, digits, _ and -' });
  const abs = paths.map((p) => (isAbsolute(p) ? p : resolve(baseDir, p)));
  // A directory is an ingested dataset: Parquet files partitioned by day.
  const dirs = abs.filter((p) => existsSync(p) && statSync(p).isDirectory());
  if (dirs.length > 0) {
    if (dirs.length !== abs.length) throw new DuckhuntError('source_error', `sourcetype ${sourcetype} mixes a dataset directory with files; bind them separately`);
    return {
      sourcetype,
      paths: dirs.map((d) => join(boundPattern(d), '**', '*.parquet')),
      format: 'parquet',
      timeField: timeField ?? BUILT_IN_TIME_FIELDS[sourcetype.toLowerCase()] ?? '_time',
      timeFieldSet: timeField !== undefined,
      index,
      partitioned: true,
    };
  }
  const formats = new Set(abs.map(formatOf));
  if (formats.size > 1) throw new DuckhuntError('source_error', `sourcetype ${sourcetype} mixes NDJSON and Parquet files; bind them separately`);
  return {
    sourcetype,
    paths: abs.map(boundPattern),
    format: [...formats][0] ?? 'ndjson',
    timeField: timeField ?? BUILT_IN_TIME_FIELDS[sourcetype.toLowerCase()] ?? '_time',
    timeFieldSet: timeField !== undefined,
    index,
    partitioned: false,
  };
}

/**
 * `--source ST=PATH` or `--source ST@INDEX=PATH` flags (repeatable; the index is `main` unless given); when
 * given, only these are bound. A sourcetype name has no `=`, so the first `=` ends it, and `@` before that
 * starts the index.
 */
export function catalogFromFlags(flags: string[], cwd = process.cwd()): SourceCatalog {
  const bySource = new Map<string, { sourcetype: string; index: string; paths: string[] }>();
  for (const flag of flags) {
    const eq = flag.indexOf('=');
    if (eq <= 0 || eq === flag.length - 1) {
      throw new DuckhuntError('source_error', `--source expects SOURCETYPE=PATH or SOURCETYPE@INDEX=PATH, got '${flag}'`, {
        hint: 'e.g. --source o365:management:activity=logs/audit/*.json or --source o365:management:activity@o365=logs/audit/*.json',
      });
    }
    const name = flag.slice(0, eq);
    const at = name.lastIndexOf('@');
    const [sourcetype, index] = at > 0 ? [name.slice(0, at), name.slice(at + 1)] : [name, 'main'];
    const key = `${sourcetype}\u0000${index}`;
    const entry = bySource.get(key) ?? { sourcetype, index, paths: [] };
    entry.paths.push(flag.slice(eq + 1));
    bySource.set(key, entry);
  }
  return { bindings: [...bySource.values()].map((e) => binding(e.sourcetype, e.paths, cwd, undefined, e.index)), origin: '--source' };
}

interface ConfigFile {
  sources?: Array<{ sourcetype?: unknown; path?: unknown; paths?: unknown; timeField?: unknown; index?: unknown }>;
}

export function loadConfig(file: string): SourceCatalog {
  let doc: ConfigFile;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8')) as ConfigFile;
  } catch (e) {
    throw new DuckhuntError('source_error', `cannot read config ${file}: ${(e as Error).message}`);
  }
  if (!Array.isArray(doc.sources)) throw new DuckhuntError('source_error', `config ${file} has no "sources" list`);
  const dir = dirname(file);
  const bindings = doc.sources.map((s, i) => {
    const paths = typeof s.path === 'string' ? [s.path] : Array.isArray(s.paths) ? s.paths.filter((p): p is string => typeof p === 'string') : [];
    if (typeof s.sourcetype !== 'string' || paths.length === 0) {
      throw new DuckhuntError('source_error', `config ${file}: sources[${i}] needs "sourcetype" and "path" (or "paths")`);
    }
    return binding(s.sourcetype, paths, dir, typeof s.timeField === 'string' ? s.timeField : undefined, typeof s.index === 'string' ? s.index : 'main');
  });
  return { bindings, origin: file };
}

/** --source flags win; else --config; else ./duckhunt.config.json; else the embedded sample data. */
export function resolveCatalog(opts: { sources?: string[]; config?: string }, cwd = process.cwd()): SourceCatalog {
  if (opts.sources && opts.sources.length > 0) return catalogFromFlags(opts.sources, cwd);
  return loadConfig(configFile(opts, cwd));
}

/** The config file in effect: --config, else ./duckhunt.config.json, else the embedded one. */
export function configFile(opts: { config?: string }, cwd = process.cwd()): string {
  if (opts.config) return resolve(cwd, opts.config);
  const local = resolve(cwd, CONFIG_NAME);
  return existsSync(local) ? local : DEFAULT_CONFIG;
}
