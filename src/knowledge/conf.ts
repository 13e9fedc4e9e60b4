// One reader for Splunk .conf files (macros.conf, props.conf, transforms.conf, eventtypes.conf, tags.conf).
// Splunk's syntax: `[stanza]` headers, `key = value` settings, `#` comment lines, a trailing backslash continues a
// value on the next line, and settings in `[default]` (or before the first stanza) apply to every stanza that
// does not set them itself. A stanza written twice is one stanza (its later settings win), and layers — a
// bundle's default/ then local/, earlier bundles then later ones — merge key by key, later layers winning.

import { DuckhuntError, type ErrorKind } from '../errors.ts';

export interface ConfSetting {
  value: string;
  /** Where it was written: `file:line`. */
  origin: string;
}

export interface ConfStanza {
  name: string;
  /** Where the stanza was first written: `file:line`. */
  origin: string;
  settings: ReadonlyMap<string, ConfSetting>;
}

/** One file, read. */
export interface ConfFile {
  file: string;
  defaults: Map<string, ConfSetting>;
  /** In the order they first appear. */
  stanzas: Map<string, { origin: string; settings: Map<string, ConfSetting> }>;
}

/** One setting or header after joining continuation lines; `line` is its first physical line (1-based). */
interface LogicalLine {
  text: string;
  line: number;
}

export function confError(kind: ErrorKind, origin: string, message: string): DuckhuntError {
  return new DuckhuntError(kind, `${origin}: ${message}`);
}

/** Reads one .conf file; a line that is neither a header nor a setting is an error of `kind` naming file:line. */
export function parseConf(text: string, file: string, kind: ErrorKind = 'knowledge_error'): ConfFile {
  const conf: ConfFile = { file, defaults: new Map(), stanzas: new Map() };
  let current = conf.defaults;
  for (const { text: raw, line } of logicalLines(text)) {
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const origin = `${file}:${line}`;
    const header = /^\[(.*)\]$/s.exec(trimmed);
    if (header) {
      const name = header[1].trim();
      if (name === 'default') {
        current = conf.defaults;
        continue;
      }
      let stanza = conf.stanzas.get(name);
      if (!stanza) conf.stanzas.set(name, (stanza = { origin, settings: new Map() }));
      current = stanza.settings;
      continue;
    }
    const setting = /^([^=\s][^=]*?)\s*=\s*(.*)$/s.exec(trimmed);
    if (!setting) throw confError(kind, origin, `expected \`[stanza]\` or \`key = value\`, found \`${trimmed.split('\n')[0]}\``);
    current.set(setting[1], { value: setting[2], origin });
  }
  return conf;
}

function logicalLines(text: string): LogicalLine[] {
  const physical = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const lines: LogicalLine[] = [];
  for (let i = 0; i < physical.length; i++) {
    const start = i;
    let joined = physical[i];
    // A comment line never continues: a path ending in `\` inside a comment must not swallow the next stanza.
    if (!joined.trimStart().startsWith('#')) {
      // Splunk keeps the line break of a continued value; for SPL it is whitespace like any other.
      while (joined.endsWith('\\') && i + 1 < physical.length) {
        i++;
        joined = joined.slice(0, -1) + '\n' + physical[i];
      }
    }
    lines.push({ text: joined, line: start + 1 });
  }
  return lines;
}

/** Several layers of the same .conf file merged key by key, later layers winning; `[default]` fills in. */
export class Conf {
  private readonly defaults = new Map<string, ConfSetting>();
  private readonly merged = new Map<string, { origin: string; settings: Map<string, ConfSetting> }>();

  constructor(layers: ConfFile[] = []) {
    for (const layer of layers) this.add(layer);
  }

  add(layer: ConfFile): void {
    for (const [k, v] of layer.defaults) this.defaults.set(k, v);
    for (const [name, stanza] of layer.stanzas) {
      let into = this.merged.get(name);
      if (!into) this.merged.set(name, (into = { origin: stanza.origin, settings: new Map() }));
      for (const [k, v] of stanza.settings) into.settings.set(k, v);
    }
  }

  /** Stanza names in the order they first appeared. */
  names(): string[] {
    return [...this.merged.keys()];
  }

  /** A stanza with the `[default]` settings it does not override. */
  get(name: string): ConfStanza | undefined {
    const stanza = this.merged.get(name);
    if (!stanza) return undefined;
    const settings = new Map(this.defaults);
    for (const [k, v] of stanza.settings) settings.set(k, v);
    return { name, origin: stanza.origin, settings };
  }

  stanzas(): ConfStanza[] {
    return this.names().map((n) => this.get(n)!);
  }

  get size(): number {
    return this.merged.size;
  }
}

// The spellings splunk.util.normalizeBoolean accepts.
const TRUE_WORDS = new Set(['true', 't', 'yes', 'y', '1']);
const FALSE_WORDS = new Set(['false', 'f', 'no', 'n', '0']);

/** A boolean setting, or an error of `kind` naming where it was written. */
export function confBoolean(setting: ConfSetting, key: string, kind: ErrorKind = 'knowledge_error'): boolean {
  const word = setting.value.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  throw confError(kind, setting.origin, `\`${key}\` must be true or false, found \`${setting.value}\``);
}

/** A whole-number setting within [min, max], or an error naming where it was written. */
export function confInteger(setting: ConfSetting, key: string, min: number, max: number): number {
  const text = setting.value.trim();
  if (!/^[+-]?\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw confError('knowledge_error', setting.origin, `\`${key}\` must be a whole number from ${min} to ${max}, found \`${setting.value}\``);
  }
  return Number(text);
}
