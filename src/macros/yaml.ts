// Reads one security_content macro file: `name` (without arity), `definition`, and `arguments` (a list of argument
// names, absent for a macro without arguments). A `name` already written as `name(N)` is accepted if N matches.

import { isNode, parseDocument, type Document } from 'yaml';
import { DuckhuntError, positionAt } from '../errors.ts';
import { ARG_NAME, type MacroDefinition } from './library.ts';

export function parseMacroYaml(text: string, file: string): MacroDefinition {
  const { doc, parsedText } = parseLeniently(text, file);
  const lineOf = (key: string): number => {
    const node = doc.get(key, true);
    return isNode(node) && node.range ? positionAt(parsedText, node.range[0]).line : 1;
  };
  const data: unknown = doc.toJS();
  if (!isRecord(data)) throw yamlError(file, 1, 'expected a mapping with `name` and `definition`');

  const args = readArguments(data.arguments, file, lineOf('arguments'));
  const { definition } = data;
  if (typeof definition !== 'string') {
    throw yamlError(file, lineOf('definition'), '`definition` must be a string');
  }
  const name = readName(data.name, args.length, file, lineOf('name'));
  return { name, args, definition, iseval: false, origin: `${file}:${lineOf('name')}` };
}

function readName(value: unknown, arity: number, file: string, line: number): string {
  const match = typeof value === 'string' ? /^([^()\s]+)(?:\((\d+)\))?$/.exec(value.trim()) : null;
  if (!match) throw yamlError(file, line, '`name` must be a macro name like `my_macro`');
  if (match[2] !== undefined && Number(match[2]) !== arity) {
    throw yamlError(file, line, `\`name\` says ${match[2]} argument(s) but \`arguments\` lists ${arity}`);
  }
  return match[1];
}

function readArguments(value: unknown, file: string, line: number): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw yamlError(file, line, '`arguments` must be a list of argument names');
  return value.map((arg) => {
    if (typeof arg !== 'string' || !ARG_NAME.test(arg)) {
      throw yamlError(file, line, `invalid argument name \`${String(arg)}\`: use letters, digits, _ and -`);
    }
    return arg;
  });
}

// PyYAML, which security_content's own tooling uses, accepts continuation lines of a quoted scalar that start in
// column 0 (macros/base64decode.yml has them); YAML 1.2 and the `yaml` package require them to be indented. Only
// when a file fails the strict parse, such lines are indented by one space and the file is parsed again — a
// continuation line's leading spaces are dropped by line folding, so the value is the one PyYAML reads.
const STARTS_YAML_STRUCTURE = /^(?:[A-Za-z_][\w-]*\s*:(?:\s|$)|-(?:\s|$)|#|---|\.\.\.|\s|$)/;

function parseLeniently(text: string, file: string): { doc: Document; parsedText: string } {
  const strict = parseDocument(text, { prettyErrors: false });
  if (strict.errors.length === 0) return { doc: strict, parsedText: text };
  const repairedText = text
    .split('\n')
    .map((line) => (STARTS_YAML_STRUCTURE.test(line) ? line : ' ' + line))
    .join('\n');
  const repaired = parseDocument(repairedText, { prettyErrors: false });
  if (repaired.errors.length === 0) return { doc: repaired, parsedText: repairedText };
  const first = strict.errors[0];
  throw yamlError(file, positionAt(text, first.pos[0]).line, `invalid YAML: ${first.message}`);
}

function yamlError(file: string, line: number, message: string): DuckhuntError {
  return new DuckhuntError('macro_error', `${file}:${line}: ${message}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
