// Error messages are part of the product: each malformed query's rendered error (message, position, the query
// line with a caret, hint) is snapshot-tested, and positions survive macro expansion.

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

describe('rendered syntax and macro errors', () => {
  it.each([
    ['missing value after =', 'sourcetype=x | eval user ='],
    ['unterminated string', 'sourcetype=x Subject="Q3 report | stats count'],
    ['empty pipe', 'sourcetype=x | | stats count'],
    ['trailing pipe', 'sourcetype=x | stats count |'],
    ['join without subsearch', 'sourcetype=x\n| join user max=0'],
    ['unclosed subsearch', 'sourcetype=x | join user [ search sourcetype=y | stats count by user'],
    ['stray bracket', 'sourcetype=x ] | stats count'],
    ['unbalanced parenthesis in eval', 'sourcetype=x\n| eval size = round(bytes / 1024, 2'],
    ['braces in an unquoted eval field', "sourcetype=x | eval s = AffectedItems{}.Subject"],
    ['rename without AS', 'sourcetype=x | rename user account'],
    ['stats BY without fields', 'sourcetype=x | stats count by'],
    ['dangling AND in where', 'sourcetype=x | where a=1 and'],
    ['lower-case OR cannot join search terms in parentheses', 'sourcetype=x (a=1 or b=2'],
    ['unknown macro', 'sourcetype=x | `no_such_macro(user)` | stats count'],
    ['macro cycle', 'sourcetype=x | `loop_a`'],
    ['error inside a macro expansion', '`o365_management_activity` Operation=Send\n| `broken_filter` | stats count'],
    ['error inside a nested macro', 'sourcetype=x | `nested`'],
    ['error in a macro with arguments', 'sourcetype=x\n| `bad_eval(size)`'],
  ])('%s', (_name, query) => {
    expect(parseError(query).render()).toMatchSnapshot();
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
  it.each([
    ['unsupported command', 'sourcetype=x | geostats count | stats count'],
    ['unknown eval function', 'sourcetype=x\n| eval h = sha512(user)'],
    ['boolean as a field value', 'sourcetype=x | eval flag = bytes > 10'],
    ['bin by weeks', 'sourcetype=x | bin _time span=1w'],
    ['PCRE lookahead', 'sourcetype=x | where match(user, "^(?!admin).*")'],
    ['wrong arity', 'sourcetype=x | eval u = lower(a, b)'],
  ])('%s', (_name, query) => {
    expect(compileError(query).render()).toMatchSnapshot();
  });
});
