// Reads Splunk `macros.conf`: `[name]` / `[name(N)]` stanzas with `definition`, `args` and `iseval`; other keys
// (description, validation, errormsg, …) are accepted and ignored. Like every Splunk .conf file: `#` starts a
// comment line, a trailing backslash continues a value on the next line, and settings in `[default]` (or before
// the first stanza) apply to every stanza that does not set them itself.

import { DuckhuntError } from '../errors.ts';
import { ARG_NAME, type MacroDefinition } from './library.ts';

interface Setting {
  value: string;
  line: number;
}

interface Stanza {
  header: string;
  line: number;
  settings: Map<string, Setting>;
}

/** One setting or header after joining continuation lines; `line` is its first physical line (1-based). */
interface LogicalLine {
  text: string;
  line: number;
}

export function parseMacrosConf(text: string, file: string): MacroDefinition[] {
  const { defaults, stanzas } = readStanzas(text, file);
  return stanzas.map((stanza) => toDefinition(stanza, defaults, file));
}

function confError(file: string, line: number, message: string): DuckhuntError {
  return new DuckhuntError('macro_error', `${file}:${line}: ${message}`);
}

function logicalLines(text: string): LogicalLine[] {
  const physical = text.split(/\r?\n/);
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

function readStanzas(text: string, file: string): { defaults: Map<string, Setting>; stanzas: Stanza[] } {
  const defaults = new Map<string, Setting>();
  const stanzas: Stanza[] = [];
  let current = defaults;
  for (const { text: raw, line } of logicalLines(text)) {
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const header = /^\[(.*)\]$/s.exec(trimmed);
    if (header) {
      const name = header[1].trim();
      if (name === 'default') {
        current = defaults;
      } else {
        const stanza: Stanza = { header: name, line, settings: new Map() };
        stanzas.push(stanza);
        current = stanza.settings;
      }
      continue;
    }
    const setting = /^([^=\s][^=]*?)\s*=\s*(.*)$/s.exec(trimmed);
    if (!setting) throw confError(file, line, `expected \`[stanza]\` or \`key = value\`, found \`${firstLine(trimmed)}\``);
    current.set(setting[1], { value: setting[2], line });
  }
  return { defaults, stanzas };
}

function toDefinition(stanza: Stanza, defaults: Map<string, Setting>, file: string): MacroDefinition {
  const get = (key: string): Setting | undefined => stanza.settings.get(key) ?? defaults.get(key);
  const header = /^([^()\s]+)(?:\((\d+)\))?$/.exec(stanza.header);
  if (!header) throw confError(file, stanza.line, `invalid macro stanza [${stanza.header}]: expected [name] or [name(N)]`);
  const name = header[1];
  const arity = header[2] === undefined ? 0 : Number(header[2]);
  const definition = get('definition');
  if (!definition) throw confError(file, stanza.line, `stanza [${stanza.header}] has no \`definition\``);
  const argsSetting = get('args');
  const args = argsSetting ? parseArgNames(argsSetting, file) : [];
  if (args.length !== arity) {
    throw confError(
      file,
      argsSetting?.line ?? stanza.line,
      `stanza [${stanza.header}] declares ${arity} argument(s) but \`args\` names ${args.length} ` +
        `(a macro taking N arguments is the stanza [name(N)] with N names in \`args\`)`,
    );
  }
  const isevalSetting = get('iseval');
  return {
    name,
    args,
    definition: definition.value,
    iseval: isevalSetting ? parseBoolean(isevalSetting, 'iseval', file) : false,
    origin: `${file}:${stanza.line}`,
  };
}

function parseArgNames(setting: Setting, file: string): string[] {
  if (setting.value.trim() === '') return [];
  const names = setting.value.split(',').map((name) => name.trim());
  for (const name of names) {
    if (!ARG_NAME.test(name)) {
      throw confError(file, setting.line, `invalid argument name \`${name}\` in \`args\`: use letters, digits, _ and -`);
    }
  }
  return names;
}

// The spellings splunk.util.normalizeBoolean accepts.
const TRUE_WORDS = new Set(['true', 't', 'yes', 'y', '1']);
const FALSE_WORDS = new Set(['false', 'f', 'no', 'n', '0']);

function parseBoolean(setting: Setting, key: string, file: string): boolean {
  const word = setting.value.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  throw confError(file, setting.line, `\`${key}\` must be true or false, found \`${setting.value}\``);
}

function firstLine(text: string): string {
  return text.split('\n')[0];
}
