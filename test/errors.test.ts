// Error messages are part of the product. Each malformed query's error is checked for its kind, its line:column
// and the words of its message, written here from the query (not captured from duckhunt), and the rendered caret
// must stand under that column; the whole rendering (message, query line, caret, hint) is also snapshot-tested,
// so a change of wording shows up in review. Positions survive macro expansion.

import { describe, expect, it } from 'vitest';
import { compileText } from '../src/api.ts';
import { DuckhuntError } from '../src/errors.ts';
import { parseQuery } from '../src/frontend.ts';
import { MacroLibrary, parseMacrosConf } from '../src/macros/index.ts';

const macros = new MacroLibrary();
for (const def of parseMacrosConf(
  `
[o365_management_activity]
definition = sourcetype=o365:management:activity

[broken_filter]
definition = eval size = ) + 1

[bad_eval(1)]
args = f
definition = eval $f$ = (

[nested]
definition = \`broken_filter\`

[loop_a]
definition = \`loop_b\`

[loop_b]
definition = \`loop_a\`
`,
  'test.conf',
)) {
  macros.add(def);
}

function parseError(query: string): DuckhuntError {
  try {
    parseQuery({ file: 'q.spl', text: query, detectionName: undefined }, { macros });
  } catch (e) {
    if (e instanceof DuckhuntError) return e;
    throw e;
  }
  throw new Error(`expected an error for ${query}`);
}

function compileError(query: string): DuckhuntError {
  try {
    compileText({ file: 'q.spl', text: query, detectionName: undefined }, { bindings: [], macros });
  } catch (e) {
    if (e instanceof DuckhuntError) return e;
    throw e;
  }
  throw new Error(`expected an error for ${query}`);
}

/** What an error must say: its kind, where (1-based), and words of its message. */
interface Expected {
  kind: string;
  line: number;
  column: number;
  message: RegExp;
}

/** The column the rendered caret points at, read from the `  N | query line` and `^^^` lines of render(). */
function caretColumn(rendered: string): number {
  const lines = rendered.split('\n');
  const caret = lines.findIndex((l) => /^\s*\^+$/.test(l));
  const gutter = /^\s*\d+ \| /.exec(lines[caret - 1])![0].length;
  return lines[caret].indexOf('^') - gutter + 1;
}

function expectPositioned(e: DuckhuntError, expected: Expected) {
  expect(e.kind).toBe(expected.kind);
  expect(e.position).toMatchObject({ line: expected.line, column: expected.column });
  expect(e.message).toMatch(expected.message);
  expect(e.render()).toContain(`q.spl:${expected.line}:${expected.column}: `);
  expect(caretColumn(e.render())).toBe(expected.column);
}

const END = /but found the end of the query/;
const OPERAND = /^expected 'NOT', '-', '\+', number, quoted string, 'quoted field', '\(', name but found/;

describe('rendered syntax and macro errors', () => {
  it.each<[string, string, Expected]>([
    ['missing value after =', 'sourcetype=x | eval user =', { kind: 'syntax_error', line: 1, column: 27, message: END }],
    ['unterminated string', 'sourcetype=x Subject="Q3 report | stats count', { kind: 'syntax_error', line: 1, column: 22, message: /quoted string is never closed/ }],
    ['empty pipe', 'sourcetype=x | | stats count', { kind: 'syntax_error', line: 1, column: 16, message: /expected a command name after '\|' but found '\|'/ }],
    ['trailing pipe', 'sourcetype=x | stats count |', { kind: 'syntax_error', line: 1, column: 29, message: /expected a command name after '\|' but found the end/ }],
    ['join without subsearch', 'sourcetype=x\n| join user max=0', { kind: 'syntax_error', line: 2, column: 18, message: /expected '\[' but found the end/ }],
    ['unclosed subsearch', 'sourcetype=x | join user [ search sourcetype=y | stats count by user', { kind: 'syntax_error', line: 1, column: 26, message: /subsearch's '\[' is never closed/ }],
    ['stray bracket', 'sourcetype=x ] | stats count', { kind: 'syntax_error', line: 1, column: 14, message: /unexpected '\]' with no subsearch open/ }],
    ['unbalanced parenthesis in eval', 'sourcetype=x\n| eval size = round(bytes / 1024, 2', { kind: 'syntax_error', line: 2, column: 36, message: /expected '\)' but found the end/ }],
    ['braces in an unquoted eval field', 'sourcetype=x | eval s = AffectedItems{}.Subject', { kind: 'syntax_error', line: 1, column: 38, message: /unexpected '\{'/ }],
    ['rename without AS', 'sourcetype=x | rename user account', { kind: 'syntax_error', line: 1, column: 28, message: /expected 'as' but found 'account'/ }],
    ['stats BY without fields', 'sourcetype=x | stats count by', { kind: 'syntax_error', line: 1, column: 30, message: /by clause .* but found the end/ }],
    ['dangling AND in where', 'sourcetype=x | where a=1 and', { kind: 'syntax_error', line: 1, column: 29, message: END }],
    ['lower-case OR cannot join search terms in parentheses', 'sourcetype=x (a=1 or b=2', { kind: 'syntax_error', line: 1, column: 25, message: /expected '\)' but found the end/ }],
    ['unknown macro', 'sourcetype=x | `no_such_macro(user)` | stats count', { kind: 'macro_error', line: 1, column: 16, message: /unknown macro `no_such_macro\(1\)`/ }],
    ['macro cycle', 'sourcetype=x | `loop_a`', { kind: 'macro_error', line: 1, column: 16, message: /macro cycle: loop_a → loop_b → loop_a/ }],
    ['error inside a macro expansion', '`o365_management_activity` Operation=Send\n| `broken_filter` | stats count', { kind: 'syntax_error', line: 2, column: 3, message: OPERAND }],
    ['error inside a nested macro', 'sourcetype=x | `nested`', { kind: 'syntax_error', line: 1, column: 16, message: OPERAND }],
    ['error in a macro with arguments', 'sourcetype=x\n| `bad_eval(size)`', { kind: 'syntax_error', line: 2, column: 3, message: END }],
  ])('%s', (_name, query, expected) => {
    const e = parseError(query);
    expectPositioned(e, expected);
    expect(e.render()).toMatchSnapshot();
  });
});

describe('positions through macro expansion', () => {
  it('an error inside an expansion points at the call and names the macro', () => {
    const e = parseError('`o365_management_activity` Operation=Send\n| `broken_filter` | stats count');
    expect(e.position).toMatchObject({ line: 2, column: 3 });
    expect(e.message).toBe("expected 'NOT', '-', '+', number, quoted string, 'quoted field', '(', name but found ')'");
    expect(e.position?.macroTrail.map((m) => m.name)).toEqual(['broken_filter']);
  });

  it('a nested expansion names every macro from the outermost call', () => {
    const e = parseError('sourcetype=x | `nested`');
    expect(e.position).toMatchObject({ line: 1, column: 16 });
    expect(e.position?.macroTrail.map((m) => m.name)).toEqual(['nested', 'broken_filter']);
  });

  it('an error after an expansion keeps its own position in the original text', () => {
    const e = parseError('`o365_management_activity` | eval x = (');
    expect(e.position).toMatchObject({ line: 1, column: 40 });
    expect(e.position?.macroTrail).toEqual([]);
  });
});

describe('rendered compile errors', () => {
  it.each<[string, string, Expected]>([
    ['unsupported command', 'sourcetype=x | geostats count | stats count', { kind: 'unsupported', line: 1, column: 16, message: /command 'geostats' is not supported/ }],
    ['unknown eval function', 'sourcetype=x\n| eval h = sha512(user)', { kind: 'unsupported', line: 2, column: 12, message: /eval function 'sha512\(\)' is not supported/ }],
    ['boolean as a field value', 'sourcetype=x | eval flag = bytes > 10', { kind: 'compile_error', line: 1, column: 28, message: /comparison or boolean cannot be the value of a field/ }],
    ['bin by weeks', 'sourcetype=x | bin _time span=1w', { kind: 'compile_error', line: 1, column: 31, message: /bin does not take weeks \('1w'\)/ }],
    ['PCRE lookahead', 'sourcetype=x | where match(user, "^(?!admin).*")', { kind: 'unsupported', line: 1, column: 34, message: /lookahead\/lookbehind/ }],
    ['wrong arity', 'sourcetype=x | eval u = lower(a, b)', { kind: 'compile_error', line: 1, column: 25, message: /lower\(\) takes 1 argument, got 2/ }],
    ['invalid regular expression', 'sourcetype=x\n| where match(user, "adm(in")', { kind: 'compile_error', line: 2, column: 21, message: /invalid regular expression: missing closing \)/ }],
    ['replacement group the regex lacks', 'sourcetype=x | eval u = replace(user, "(a)", "\\2")', { kind: 'compile_error', line: 1, column: 46, message: /refers to group \\2, but the regular expression has 1 group/ }],
  ])('%s', (_name, query, expected) => {
    const e = compileError(query);
    expectPositioned(e, expected);
    expect(e.render()).toMatchSnapshot();
  });
});
