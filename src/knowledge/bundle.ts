// Knowledge bundles: Splunk app directories (default/ and local/ .conf files, data/models/*.json, lookups/*.csv) and security_content
// checkouts (macros/*.yml, lookups/*.yml + .csv), loaded in order into one Knowledge. Splunk's precedence: within
// a bundle local/ overrides default/ key by key; a later bundle overrides an earlier one the same way. duckhunt's
// own bundle (knowledge/duckhunt in the package) is loaded first, like any other.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { DuckhuntError } from '../errors.ts';
import { macrosFromConf } from '../macros/conf.ts';
import type { MacroDefinition } from '../macros/library.ts';
import { parseMacroYaml } from '../macros/yaml.ts';
import { PACKAGE_ROOT } from '../paths.ts';
import { Conf, parseConf, type ConfFile, type ConfSetting } from './conf.ts';
import { DataModels, parseDataModel } from './datamodels.ts';

/** duckhunt's own bundle, written from public field documentation (see its README). */
export const BUILT_IN_BUNDLE = join(PACKAGE_ROOT, 'knowledge', 'duckhunt');

/** The .conf files a bundle may hold (in default/ and local/). */
const CONF_NAMES = ['macros', 'props', 'transforms', 'eventtypes', 'tags'] as const;
type ConfName = (typeof CONF_NAMES)[number];

/** Lookup table files Splunk reads: CSV, optionally gzipped. */
const LOOKUP_FILE = /\.csv(\.gz)?$/i;

export interface KnowledgeOptions {
  /** Load duckhunt's own bundle first (default true). */
  builtIn?: boolean;
  /** Where outputlookup writes; lookups there are found too, after every bundle's. */
  lookupDir?: string;
}

/** Everything the bundles say, merged in precedence order. */
export class Knowledge {
  readonly macros: MacroDefinition[] = [];
  readonly props = new Conf();
  readonly transforms = new Conf();
  readonly eventtypes = new Conf();
  readonly tags = new Conf();
  /** Data models (default/data/models/*.json), by model name. */
  readonly datamodels = new DataModels();
  /** Lookup table files by file name (a later bundle's file of the same name wins). */
  readonly lookupFiles = new Map<string, string>();
  /** The bundle directories, in load order. */
  readonly bundles: string[] = [];
  readonly lookupDir: string | undefined;
  /** Lookup files' columns as DuckDB reads their header, filled in before compiling (Engine.describeLookups). */
  readonly lookupColumns = new Map<string, string[]>();
  /** Lookup files DuckDB could not read, with why: the query that uses one gets the message, positioned. */
  readonly lookupProblems = new Map<string, string>();

  constructor(lookupDir?: string) {
    this.lookupDir = lookupDir;
  }

  /** A bundle with nothing in it: what a query sees when no knowledge is loaded. */
  static empty(): Knowledge {
    return new Knowledge();
  }

  conf(name: Exclude<ConfName, 'macros'>): Conf {
    return this[name];
  }
}

/** Loads duckhunt's bundle (unless opts.builtIn is false), then `dirs` in order, then the lookup directory. */
export function loadKnowledge(dirs: string[], opts: KnowledgeOptions = {}): Knowledge {
  const k = new Knowledge(opts.lookupDir ? resolve(opts.lookupDir) : undefined);
  const all = opts.builtIn === false ? dirs : [BUILT_IN_BUNDLE, ...dirs];
  for (const dir of all) addBundle(k, resolve(dir));
  if (k.lookupDir && existsSync(k.lookupDir)) indexLookupFiles(k, k.lookupDir);
  return k;
}

/**
 * Indexes the lookup directory again and forgets the lookup headers read so far: the shell, before each query, since
 * outputlookup (or the user) may have written lookup files since the last one.
 */
export function refreshLookups(k: Knowledge): void {
  k.lookupColumns.clear();
  k.lookupProblems.clear();
  if (k.lookupDir && existsSync(k.lookupDir)) indexLookupFiles(k, k.lookupDir);
}

let builtIn: Knowledge | undefined;

/** duckhunt's own bundle alone, loaded once (it does not change while the process runs). */
export function builtInKnowledge(): Knowledge {
  builtIn ??= loadKnowledge([]);
  return builtIn;
}

function addBundle(k: Knowledge, dir: string): void {
  if (!isDirectory(dir)) {
    throw new DuckhuntError('knowledge_error', `knowledge bundle not found: ${dir}`, {
      hint: 'pass a Splunk app directory (default/, local/, lookups/) or a security_content checkout to --knowledge',
    });
  }
  const found = { conf: false, lookups: false, macros: false, models: false };
  const layers: Record<ConfName, ConfFile[]> = { macros: [], props: [], transforms: [], eventtypes: [], tags: [] };
  // Splunk's order within an app: default/ first, local/ over it.
  for (const sub of ['default', 'local']) {
    for (const name of CONF_NAMES) {
      const file = join(dir, sub, `${name}.conf`);
      if (!existsSync(file)) continue;
      layers[name].push(parseConf(readText(file), file, name === 'macros' ? 'macro_error' : 'knowledge_error'));
      found.conf = true;
    }
    // A data model is one JSON file: local/'s file of a model replaces default/'s whole, as a later bundle's does.
    const models = join(dir, sub, 'data', 'models');
    if (isDirectory(models)) {
      for (const file of filesUnder(models).filter((f) => /\.json$/i.test(f))) {
        k.datamodels.add(parseDataModel(readText(file), file));
        found.models = true;
      }
    }
  }
  const lookups = join(dir, 'lookups');
  if (isDirectory(lookups)) {
    found.lookups = indexLookupFiles(k, lookups) > 0;
    const definitions = securityContentLookups(lookups);
    if (definitions.stanzas.size > 0) {
      // security_content's lookup YAML says what a transforms.conf stanza says; it is read as one.
      layers.transforms.unshift(definitions);
      found.lookups = true;
    }
  }
  const macroDir = join(dir, 'macros');
  if (isDirectory(macroDir)) {
    for (const file of filesUnder(macroDir).filter((f) => /\.ya?ml$/.test(f))) {
      k.macros.push(parseMacroYaml(readText(file), file));
      found.macros = true;
    }
  }
  if (!found.conf && !found.lookups && !found.macros && !found.models && !isDirectory(join(dir, 'default'))) {
    throw new DuckhuntError('knowledge_error', `${dir} is not a knowledge bundle: it has no default/ or local/ .conf files, no lookups/ and no macros/`, {
      hint: 'pass a Splunk app directory (default/, local/, lookups/) or a security_content checkout to --knowledge',
    });
  }
  if (layers.macros.length > 0) k.macros.push(...macrosFromConf(new Conf(layers.macros)));
  for (const name of ['props', 'transforms', 'eventtypes', 'tags'] as const) for (const layer of layers[name]) k.conf(name).add(layer);
  k.bundles.push(dir);
}

/** Indexes the lookup table files under `dir` by file name; returns how many it found. */
function indexLookupFiles(k: Knowledge, dir: string): number {
  const files = filesUnder(dir).filter((f) => LOOKUP_FILE.test(f));
  for (const file of files) k.lookupFiles.set(basename(file), file);
  return files.length;
}

/** security_content's `lookups/*.yml` (name, filename, match_type, min/max_matches…) as transforms.conf stanzas. */
function securityContentLookups(dir: string): ConfFile {
  const conf: ConfFile = { file: dir, defaults: new Map(), stanzas: new Map() };
  for (const file of filesUnder(dir).filter((f) => /\.ya?ml$/.test(f))) {
    let doc: unknown;
    try {
      doc = parseYaml(readText(file));
    } catch (e) {
      throw new DuckhuntError('knowledge_error', `${file}: not valid YAML: ${(e as Error).message.split('\n')[0]}`);
    }
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) continue;
    const d = doc as Record<string, unknown>;
    if (typeof d.name !== 'string') continue;
    const origin = `${file}:1`;
    const settings = new Map<string, ConfSetting>();
    for (const key of ['filename', 'match_type', 'min_matches', 'max_matches', 'default_match', 'case_sensitive_match', 'collection', 'fields_list']) {
      const v = d[key];
      if (v === undefined || v === null) continue;
      // A filename is relative to the YAML file (security_content keeps the CSV beside it).
      const value = key === 'filename' ? resolve(dirname(file), String(v)) : String(v);
      settings.set(key, { value, origin });
    }
    // A model file (__mlspl_*) or a KV store collection has no CSV: kept, so using it says why it cannot run.
    conf.stanzas.set(d.name, { origin, settings });
  }
  return conf;
}

/** The `knowledge` list of a duckhunt.config.json, resolved against the config file's directory. */
export function knowledgeFromConfig(file: string): { dirs: string[]; lookupDir: string | undefined } {
  let doc: { knowledge?: unknown; lookupDir?: unknown };
  try {
    doc = JSON.parse(readFileSync(file, 'utf8')) as typeof doc;
  } catch (e) {
    throw new DuckhuntError('source_error', `cannot read config ${file}: ${(e as Error).message}`);
  }
  const base = dirname(file);
  if (doc.knowledge !== undefined && (!Array.isArray(doc.knowledge) || doc.knowledge.some((d) => typeof d !== 'string'))) {
    throw new DuckhuntError('knowledge_error', `config ${file}: "knowledge" must be a list of bundle directories`);
  }
  if (doc.lookupDir !== undefined && typeof doc.lookupDir !== 'string') {
    throw new DuckhuntError('knowledge_error', `config ${file}: "lookupDir" must be a directory path`);
  }
  return {
    dirs: ((doc.knowledge as string[] | undefined) ?? []).map((d) => resolve(base, d)),
    lookupDir: doc.lookupDir === undefined ? undefined : resolve(base, doc.lookupDir as string),
  };
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new DuckhuntError('knowledge_error', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Files below `dir`, sorted, so that which of two same-named files wins is deterministic. */
function filesUnder(dir: string): string[] {
  const names = readdirSync(dir).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return names.flatMap((name) => {
    const path = join(dir, name);
    return isDirectory(path) ? filesUnder(path) : [path];
  });
}
