// Which files hold which sourcetype (the sources contract in the README): a config file, or --source flags.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { DuckhuntError } from '../errors.ts';
import { PACKAGE_ROOT } from '../paths.ts';
import type { DatasetColumn } from './dataset.ts';
import type { ParquetSchema } from './parquet.ts';

/**
 * How a source's files hold events: NDJSON lines, Parquet columns, Windows event XML (`<Event>` records, as
 * Windows event collection writes them, possibly over several lines), or plain text lines (syslog, key=value).
 */
export type SourceFormat = 'ndjson' | 'parquet' | 'xml' | 'text';
export const SOURCE_FORMATS: readonly SourceFormat[] = ['ndjson', 'parquet', 'xml', 'text'];

export interface SourceBinding {
  sourcetype: string;
  /** Absolute paths as DuckDB globs (a path that exists as written is escaped to read literally: boundPattern). */
  paths: string[];
  /**
   * The files' format: given by the user (config or --source), or by the extension (.json/.ndjson/.jsonl,
   * .parquet); `auto` until props.conf or the content decide it (Engine.describeSources, decision X80).
   */
  format: SourceFormat | 'auto';
  /** The JSON field `_time` is read from (epoch number or ISO-8601 text); `_time` when not built in or set. */
  timeField: string;
  /** Whether the user set timeField (config or ingest): then props.conf's time settings do not replace it. */
  timeFieldSet?: boolean;
  /**
   * How the time field's text is read, from props.conf TIME_FORMAT: SQL giving epoch seconds from the text, which
   * it names TIME_TEXT (see timeExpression); ISO-8601 or epoch numbers when absent.
   */
  timeParser?: string;
  /** Text sources: how the time is found in `_raw` (props.conf TIME_PREFIX, TIME_FORMAT, MAX_TIMESTAMP_LOOKAHEAD). */
  textTime?: TextTime;
  index: string;
  /** Splunk's `source` of every event, when set (config or --source); else each event's file path. */
  source?: string;
  /** Splunk's `host` of every event, when set (config or --source); else the events' own `host` field (X82). */
  host?: string;
  /** Parquet only: the files' column types, read by the engine before compiling (Engine.describeSources). */
  schema?: ParquetSchema;
  /** XML only: the field names some event holds more than once (multivalue), found by Engine.describeSources. */
  repeated?: string[];
  /** A dataset written by `duckhunt ingest`: Parquet under `day=YYYY-MM-DD/` directories, pruned by time range. */
  partitioned: boolean;
  /** Files written by `duckhunt ingest`: the leaf each data column holds (sources/dataset.ts), read by describeSources. */
  dataset?: DatasetColumn[];
}

/** How a text source's time is read (sources/text.ts compiles it from props.conf's time settings). */
export interface TextTime {
  /** SQL over `_raw` giving the time's text, or null. */
  extract: string;
  /** SQL giving epoch seconds from that text, which it names TIME_TEXT (and the search's now: textTimeSql). */
  parse: string;
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

/** The format a file's name gives away: JSON and Parquet extensions (a dataset glob is Parquet); else `auto`. */
export function formatOf(path: string): SourceFormat | 'auto' {
  if (/\.parquet$/i.test(path) || /\/\*\*?$/.test(path)) return 'parquet';
  if (/\.(json|jsonl|ndjson)(\.gz)?$/i.test(path)) return 'ndjson';
  return 'auto';
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

/** What a source may set besides its files (config keys; --source's keyed form). */
export interface SourceValues {
  timeField?: string;
  index?: string;
  source?: string;
  host?: string;
  format?: string;
}

/** A binding of `paths` (relative to `baseDir`) to a sourcetype, with the source's values. */
export function bindSource(sourcetype: string, paths: string[], baseDir: string, values: SourceValues = {}): SourceBinding {
  const { timeField, index = 'main' } = values;
  if (!/^[^\s=]+$/.test(sourcetype)) throw new DuckhuntError('source_error', `invalid sourcetype name '${sourcetype}'`);
  // Splunk's index names: letters, digits, underscores and hyphens, not starting with a hyphen.
  if (!/^[A-Za-z0-9_][A-Za-z0-9_-]*$/.test(index)) throw new DuckhuntError('source_error', `invalid index name '${index}' for sourcetype ${sourcetype}`, { hint: 'letters, digits, _ and -' });
  if (values.format !== undefined && !(SOURCE_FORMATS as readonly string[]).includes(values.format)) {
    throw new DuckhuntError('source_error', `unknown format '${values.format}' for sourcetype ${sourcetype}`, { hint: `one of ${SOURCE_FORMATS.join(', ')}` });
  }
  for (const key of ['source', 'host'] as const) {
    if (values[key] === '') throw new DuckhuntError('source_error', `an empty ${key} value for sourcetype ${sourcetype}`);
  }
  const common = {
    sourcetype,
    timeField: timeField ?? BUILT_IN_TIME_FIELDS[sourcetype.toLowerCase()] ?? '_time',
    timeFieldSet: timeField !== undefined,
    index,
    ...(values.source !== undefined ? { source: values.source } : {}),
    ...(values.host !== undefined ? { host: values.host } : {}),
  };
  const abs = paths.map((p) => (isAbsolute(p) ? p : resolve(baseDir, p)));
  // A directory is an ingested dataset: Parquet files partitioned by day.
  const dirs = abs.filter((p) => existsSync(p) && statSync(p).isDirectory());
  if (dirs.length > 0) {
    if (dirs.length !== abs.length) throw new DuckhuntError('source_error', `sourcetype ${sourcetype} mixes a dataset directory with files; bind them separately`);
    return { ...common, paths: dirs.map((d) => join(boundPattern(d), '**', '*.parquet')), format: 'parquet', partitioned: true };
  }
  const given = values.format as SourceFormat | undefined;
  const formats = new Set(abs.map(formatOf));
  if (!given && formats.size > 1) throw new DuckhuntError('source_error', `sourcetype ${sourcetype} mixes files of different formats (${[...formats].join(', ')}); bind them separately`);
  return { ...common, paths: abs.map(boundPattern), format: given ?? [...formats][0] ?? 'auto', partitioned: false };
}

/** The keys of --source's keyed form (and of a config entry besides sourcetype and path). */
const FLAG_KEYS = ['sourcetype', 'index', 'source', 'host', 'format', 'path'] as const;

/**
 * `--source` flags (repeatable; when given, only these are bound), in two forms:
 * - `ST=PATH` or `ST@INDEX=PATH`: a sourcetype name has no `=`, so the first `=` ends it, and `@` before that
 *   starts the index (`main` unless given);
 * - keyed, `sourcetype=ST,source=S,host=H,index=I,format=F,path=PATH`: `path=` comes last and takes the rest of
 *   the flag, so a path may hold commas (decision X81). It is recognised by its first key and a `path=` key.
 */
export function catalogFromFlags(flags: string[], cwd = process.cwd()): SourceCatalog {
  const bySource = new Map<string, { sourcetype: string; values: SourceValues; paths: string[] }>();
  for (const flag of flags) {
    const { sourcetype, values, path } = parseSourceFlag(flag);
    const key = JSON.stringify([sourcetype, values]);
    const entry = bySource.get(key) ?? { sourcetype, values, paths: [] };
    entry.paths.push(path);
    bySource.set(key, entry);
  }
  return { bindings: [...bySource.values()].map((e) => bindSource(e.sourcetype, e.paths, cwd, e.values)), origin: '--source' };
}

export function parseSourceFlag(flag: string): { sourcetype: string; values: SourceValues; path: string } {
  const keyed = /^(sourcetype|index|source|host|format)=/.exec(flag) && /(^|,)path=/.test(flag);
  if (keyed) {
    const at = flag.search(/(^|,)path=/);
    const path = flag.slice(flag.indexOf('path=', at) + 'path='.length);
    const values: Record<string, string> = {};
    for (const part of flag.slice(0, at).split(',')) {
      const eq = part.indexOf('=');
      const key = part.slice(0, eq);
      if (eq <= 0 || !(FLAG_KEYS as readonly string[]).includes(key) || key === 'path') {
        throw new DuckhuntError('source_error', `--source: '${part}' is not one of ${FLAG_KEYS.map((k) => `${k}=`).join(', ')}`, { hint: SOURCE_FLAG_HINT });
      }
      if (key in values) throw new DuckhuntError('source_error', `--source: ${key}= is given twice in '${flag}'`);
      values[key] = part.slice(eq + 1);
    }
    if (!values.sourcetype || !path) throw new DuckhuntError('source_error', `--source: '${flag}' needs sourcetype= and path=`, { hint: SOURCE_FLAG_HINT });
    const { sourcetype, ...rest } = values;
    return { sourcetype, values: rest, path };
  }
  const eq = flag.indexOf('=');
  if (eq <= 0 || eq === flag.length - 1) {
    throw new DuckhuntError('source_error', `--source expects SOURCETYPE=PATH, SOURCETYPE@INDEX=PATH or sourcetype=ST,…,path=PATH, got '${flag}'`, { hint: SOURCE_FLAG_HINT });
  }
  const name = flag.slice(0, eq);
  const at = name.lastIndexOf('@');
  const [sourcetype, index] = at > 0 ? [name.slice(0, at), name.slice(at + 1)] : [name, undefined];
  return { sourcetype, values: index === undefined ? {} : { index }, path: flag.slice(eq + 1) };
}

const SOURCE_FLAG_HINT =
  'e.g. --source o365:management:activity=logs/audit/*.json, --source o365:management:activity@o365=logs/audit/*.json, ' +
  'or --source sourcetype=XmlWinEventLog,source=XmlWinEventLog:Security,host=dc01,path=logs/security.log';

interface ConfigFile {
  sources?: Array<{ sourcetype?: unknown; path?: unknown; paths?: unknown; timeField?: unknown; index?: unknown; source?: unknown; host?: unknown; format?: unknown }>;
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
    const values: SourceValues = {};
    for (const key of ['timeField', 'index', 'source', 'host', 'format'] as const) {
      const v = s[key];
      if (v === undefined) continue;
      if (typeof v !== 'string') throw new DuckhuntError('source_error', `config ${file}: sources[${i}].${key} must be text`);
      values[key] = v;
    }
    return bindSource(s.sourcetype, paths, dir, values);
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
