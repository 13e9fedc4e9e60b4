// Macro stage: comments, macros.conf and security_content YAML loading, expansion, and the source map that
// carries every later error back to the user's text.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DuckhuntError } from '../src/errors.ts';
import { CORPUS, CORPUS_SKIPPED } from './support/corpus.ts';
import {
  defaultMacroLibrary,
  errorAt,
  expandMacros,
  loadMacros,
  MacroLibrary,
  parseMacrosConf,
  parseMacroYaml,
  securityContentFilterDefault,
  stripComments,
  type ExpandOptions,
  type MacroDefinition,
} from '../src/macros/index.ts';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

/** A library from `[name, args, definition]` rows, each with a recognisable origin. */
function library(...rows: [string, string[], string][]): MacroLibrary {
  const lib = new MacroLibrary();
  rows.forEach(([name, args, definition], i) => lib.add({ name, args, definition, iseval: false, origin: `test:${i + 1}` }));
  return lib;
}

/** The DuckhuntError `fn` throws (fails the test if it throws nothing or something else). */
function thrown(fn: () => unknown): DuckhuntError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DuckhuntError) return e;
    throw e;
  }
  throw new Error('expected a DuckhuntError');
}

function expand(query: string, lib: MacroLibrary, opts?: ExpandOptions): string {
  return expandMacros(query, lib, opts).text;
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'duckhunt-macros-'));
}

describe('comments', () => {
  it('blanks ```comments``` with spaces, keeping newlines so offsets do not move', () => {
    const query = 'search a ```one\ntwo``` | eval b=1';
    const stripped = stripComments(query);
    expect(stripped).toBe('search a       \n       | eval b=1');
    expect(stripped.length).toBe(query.length);
    expect(stripped.indexOf('| eval')).toBe(query.indexOf('| eval'));
  });

  it('leaves ``` inside a double-quoted string alone', () => {
    expect(stripComments('search x="a```b" ```c```')).toBe('search x="a```b"' + ' '.repeat(8));
  });

  it('reports an unterminated comment as a syntax error at its opening', () => {
    const err = thrown(() => stripComments('search a\n  ```never closed'));
    expect(err.kind).toBe('syntax_error');
    expect(err.span).toEqual({ start: 11, end: 14 });
    expect([err.position?.line, err.position?.column]).toEqual([2, 3]);
  });

  it('are gone before expansion, so a backtick in a comment is no macro call', () => {
    const lib = library(['m', [], 'eval x=1']);
    expect(expand('```skip `m` here``` | `m`', lib)).toBe('                    | eval x=1');
  });

  it('are blanked inside macro definitions too', () => {
    const lib = library(['m', [], 'eval x=1 ```why``` | eval y=2'], ['open', [], 'eval x=1 ```']);
    expect(expand('`m`', lib)).toBe('eval x=1           | eval y=2');
    const err = thrown(() => expand('search `open`', lib));
    expect([err.kind, err.message, err.span]).toEqual([
      'syntax_error',
      'unterminated comment (```) in the definition of macro `open` (test:2)',
      { start: 7, end: 13 },
    ]);
  });
});

describe('macros.conf', () => {
  it('reads stanzas, args, iseval and continuation lines, ignoring comments and other keys', () => {
    const conf = [
      '# a comment',
      '[plain]',
      'definition = index=main',
      'description = ignored',
      '',
      '[two(2)]',
      'args = a, b',
      'definition = eval $a$=$b$ \\',
      '| table $a$',
      '',
      '   # indented comment',
      '[computed]',
      'iseval = 1',
      'definition = "x"',
    ].join('\n');
    expect(parseMacrosConf(conf, 'my.conf')).toEqual([
      { name: 'plain', args: [], definition: 'index=main', iseval: false, origin: 'my.conf:2' },
      { name: 'two', args: ['a', 'b'], definition: 'eval $a$=$b$ \n| table $a$', iseval: false, origin: 'my.conf:6' },
      { name: 'computed', args: [], definition: '"x"', iseval: true, origin: 'my.conf:12' },
    ]);
  });

  it('applies [default] settings to stanzas that do not set them', () => {
    const defs = parseMacrosConf('[default]\niseval = true\n[a]\ndefinition = 1\n[b]\niseval = false\ndefinition = 2', 'd.conf');
    expect(defs.map((d) => [d.name, d.iseval])).toEqual([
      ['a', true],
      ['b', false],
    ]);
  });

  it('names the file and line of a malformed setting', () => {
    const err = thrown(() => parseMacrosConf('[a]\ndefinition = x\nthis is not a setting', 'bad.conf'));
    expect(err.kind).toBe('macro_error');
    expect(err.message).toBe('bad.conf:3: expected `[stanza]` or `key = value`, found `this is not a setting`');
  });

  it('rejects a stanza whose arity and args disagree', () => {
    expect(thrown(() => parseMacrosConf('[m(2)]\nargs = x\ndefinition = $x$', 'a.conf')).message).toMatch(
      /^a\.conf:2: stanza \[m\(2\)\] declares 2 argument\(s\) but `args` names 1 /,
    );
    expect(thrown(() => parseMacrosConf('[m]\nargs = x\ndefinition = $x$', 'a.conf')).message).toMatch(/^a\.conf:2: stanza \[m\] declares 0/);
  });

  it('rejects a stanza without a definition, a bad argument name, and a bad boolean', () => {
    expect(thrown(() => parseMacrosConf('\n[m]\ndescription = d', 'x.conf')).message).toBe('x.conf:2: stanza [m] has no `definition`');
    expect(thrown(() => parseMacrosConf('[m(1)]\nargs = a b\ndefinition = $a$', 'x.conf')).message).toMatch(
      /^x\.conf:2: invalid argument name `a b`/,
    );
    expect(thrown(() => parseMacrosConf('[m]\ndefinition = 1\niseval = maybe', 'x.conf')).message).toBe(
      'x.conf:3: `iseval` must be true or false, found `maybe`',
    );
  });

  it('chooses the stanza by the number of arguments in the call', () => {
    const lib = new MacroLibrary();
    const conf = '[m]\ndefinition = zero\n[m(1)]\nargs = a\ndefinition = one:$a$\n[m(2)]\nargs = a,b\ndefinition = two:$a$:$b$';
    parseMacrosConf(conf, 'o.conf').forEach((d) => lib.add(d));
    expect(expand('`m` `m()` `m(x)` `m(x, y)`', lib)).toBe('zero zero one:x two:x:y');
    expect(lib.namesWithArity('m')).toEqual(['m', 'm(1)', 'm(2)']);
  });
});

describe('security_content macro YAML', () => {
  it('reads name, definition and arguments', () => {
    const lib = loadMacros([join(fixtures, 'macros/epoch_to_text.yml'), join(fixtures, 'macros/audit_events.yml')]);
    expect(lib.lookup('epoch_to_text', 1)).toEqual({
      name: 'epoch_to_text',
      args: ['field'],
      definition: 'convert timeformat="%Y-%m-%d %H:%M:%S" ctime($field$)',
      iseval: false,
      origin: join(fixtures, 'macros/epoch_to_text.yml') + ':5',
    });
    expect(lib.lookup('audit_events', 0)?.definition).toBe('sourcetype=o365:management:activity');
    expect(lib.lookup('epoch_to_text', 0)).toBeUndefined();
  });

  it('reads a quoted definition continued on unindented lines, as PyYAML does', () => {
    const lib = loadMacros([join(fixtures, 'macros')]);
    const def = lib.lookup('multiline_decode', 1);
    expect(def?.args).toEqual(['hexin']);
    expect(def?.definition.startsWith('eval hx_split=split($hexin$,"") | eval hx_pairs=mvjoin(hx_split,"")')).toBe(true);
    expect(def?.definition.endsWith('| rex field=$hexin$_decoded mode=sed "s/\\x00//g"')).toBe(true);
    expect(expand('`multiline_decode(cmd)`', lib)).toContain('| eval cmd_decoded=mvjoin(hx_byte,"-")');
  });

  it('accepts a name written with its arity when it matches the arguments', () => {
    const def = parseMacroYaml('name: f(1)\narguments: [x]\ndefinition: eval y=$x$\n', 'f.yml');
    expect([def.name, def.args]).toEqual(['f', ['x']]);
    expect(thrown(() => parseMacroYaml('name: f(2)\narguments: [x]\ndefinition: d\n', 'f.yml')).message).toBe(
      'f.yml:1: `name` says 2 argument(s) but `arguments` lists 1',
    );
  });

  it('names the file and line of a malformed file', () => {
    expect(thrown(() => parseMacroYaml('name: f\ndescription: d\ndefinition: [a, b]\n', 'f.yml')).message).toBe(
      'f.yml:3: `definition` must be a string',
    );
    expect(thrown(() => parseMacroYaml('name: f\ndefinition: "open\n  - : :\n', 'g.yml')).message).toMatch(/^g\.yml:\d+: invalid YAML: /);
    expect(thrown(() => parseMacroYaml('- just a list\n', 'h.yml')).message).toBe('h.yml:1: expected a mapping with `name` and `definition`');
  });

  it.skipIf(!CORPUS)(`loads all 189 security_content macros${CORPUS ? '' : ` (${CORPUS_SKIPPED})`}`, () => {
    const lib = loadMacros([join(CORPUS!, 'macros')]);
    expect(lib.size).toBe(189);
    expect(expand('| tstats `security_content_summariesonly` count', lib)).toBe(
      '| tstats summariesonly=false allow_old_summaries=true fillnull_value=null count',
    );
    // A backtick inside a quoted string of a definition is text, not a macro call.
    expect(expand('`potentially_malicious_code_on_cmdline_tokenize_score`', lib)).toMatch(
      /^eval orig_process=process, process=replace\(lower\(process\), "`", ""\) \| makemv/,
    );
  });
});

describe('loading files and directories', () => {
  it('reports a missing path by name', () => {
    const err = thrown(() => loadMacros(['/no/such/macros.conf']));
    expect(err.kind).toBe('macro_error');
    expect(err.message).toBe('macro file or directory not found: /no/such/macros.conf');
  });

  it('searches directories recursively, and later files override earlier ones', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'nested'));
    writeFileSync(join(dir, 'a.conf'), '[m]\ndefinition = from a\n[k]\ndefinition = kept');
    writeFileSync(join(dir, 'nested/b.yaml'), 'name: m\ndefinition: from b\n');
    writeFileSync(join(dir, 'notes.txt'), 'not a macro file');
    const lib = loadMacros([dir]);
    expect(expand('`m` `k`', lib)).toBe('from b kept');
    writeFileSync(join(dir, 'late.conf'), '[m]\ndefinition = late');
    expect(expand('`m`', loadMacros([dir, join(dir, 'late.conf')]))).toBe('late');
  });

  it('rejects a file that is not .conf/.yml/.yaml and a directory without macro files', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'x.txt'), '');
    expect(thrown(() => loadMacros([join(dir, 'x.txt')])).message).toBe(`${join(dir, 'x.txt')}: not a macro file (expected .conf, .yml or .yaml)`);
    expect(thrown(() => loadMacros([dir])).message).toBe(`no .conf, .yml or .yaml macro files under ${dir}`);
  });

  it("always loads the project's queries/macros.conf, then the extra paths", () => {
    const lib = defaultMacroLibrary();
    expect(lib.size).toBe(6);
    expect(lib.lookup('security_content_ctime', 1)?.origin).toBe('queries/macros.conf:14');
    const query =
      '`o365_messagetrace` Status=Delivered | search `o365_management_activity` | `security_content_ctime(firstTime)` ' +
      '| `o365_email_send_and_hard_delete_exfiltration_behavior_filter`';
    expect(expand(query, lib)).toBe(
      'sourcetype IN ("ms:o365:reporting:messagetrace","o365:reporting:messagetrace") Status=Delivered ' +
        '| search sourcetype=o365:management:activity | convert timeformat="%Y-%m-%dT%H:%M:%S" ctime(firstTime) | search *',
    );
    const dir = tempDir();
    writeFileSync(join(dir, 'm.conf'), '[o365_management_activity]\ndefinition = index=o365');
    const extended = defaultMacroLibrary([dir]);
    expect(expand('`o365_management_activity` `o365_messagetrace`', extended)).toBe(
      'index=o365 sourcetype IN ("ms:o365:reporting:messagetrace","o365:reporting:messagetrace")',
    );
  });
});

describe('expansion', () => {
  it('substitutes $arg$ everywhere, including inside quotes, and only bound names', () => {
    const lib = library(['f', ['x', 'y-2'], 'eval "$x$"=$y-2$ | rename $x$_raw AS $z$ $x$$x$']);
    expect(expand('`f(src, dest)`', lib)).toBe('eval "src"=dest | rename src_raw AS $z$ srcsrc');
  });

  it('substitutes in one pass: an argument that looks like $name$ is left as written', () => {
    const lib = library(['f', ['a', 'b'], '$a$ $b$']);
    expect(expand('`f($b$, 2)`', lib)).toBe('$b$ 2');
  });

  it('splits arguments on top-level commas only, trimming them, and keeps quotes', () => {
    const lib = library(['f', ['a', 'b', 'c'], '[$a$][$b$][$c$]']);
    expect(expand('`f( "x, y" , coalesce(p, q) ,  "say \\"hi, there\\""  )`', lib)).toBe('["x, y"][coalesce(p, q)]["say \\"hi, there\\""]');
    expect(expand('`f(,,)`', lib)).toBe('[][][]');
  });

  it('binds name=value arguments by name when every name matches the definition', () => {
    const lib = library(['f', ['x', 'y'], 'x=$x$ y=$y$'], ['g', ['expr'], 'where $expr$']);
    expect(expand('`f(y=2, x=1)`', lib)).toBe('x=1 y=2');
    // Names that are not the definition's make the arguments positional text.
    expect(expand('`f(a=1, y=2)`', lib)).toBe('x=a=1 y=y=2');
    expect(expand('`g(count=5)`', lib)).toBe('where count=5');
  });

  it('expands macros inside definitions recursively', () => {
    const lib = library(['outer', ['v'], 'search `inner($v$)` | `leaf`'], ['inner', ['w'], 'f=$w$ `leaf`'], ['leaf', [], 'L']);
    expect(expand('a `outer(7)` b', lib)).toBe('a search f=7 L | L b');
  });

  it('names the cycle when macros call each other', () => {
    const lib = library(['a', [], 'x `b`'], ['b', [], 'y `c(1)`'], ['c', ['n'], '`a`']);
    const err = thrown(() => expand('search `a`', lib));
    expect(err.kind).toBe('macro_error');
    expect(err.message).toBe('macro cycle: a → b → c(1) → a');
    expect(err.span).toEqual({ start: 7, end: 10 });
  });

  it('stops at the depth limit', () => {
    const rows: [string, string[], string][] = Array.from({ length: 6 }, (_, i) => [`m${i}`, [], `\`m${i + 1}\``]);
    const lib = library(...rows, ['m6', [], 'end']);
    expect(expand('`m0`', lib, { maxDepth: 7 })).toBe('end');
    const err = thrown(() => expand('`m0`', lib, { maxDepth: 5 }));
    expect(err.message).toBe('macros nest more than 5 levels deep: m0 → m1 → m2 → m3 → m4 → m5');
    expect(thrown(() => expand('`m0`', library(...Array.from({ length: 60 }, (_, i): [string, string[], string] => [`m${i}`, [], `\`m${i + 1}\``])))).message).toMatch(
      /^macros nest more than 50 levels deep: m0 → m1 → .* → m50$/,
    );
  });

  it('stops an expansion that grows too long or makes too many calls', () => {
    const doubling = library(['d0', [], '`d1``d1`'], ['d1', [], '`d2``d2`'], ['d2', [], '`d3``d3`'], ['d3', [], 'xxxxxxxxxx']);
    expect(expand('`d0`', doubling)).toBe('x'.repeat(80));
    expect(thrown(() => expand('`d0`', doubling, { maxLength: 79 })).message).toBe('macro expansion makes the query longer than 79 characters');
    expect(thrown(() => expand('`d0`', doubling, { maxCalls: 14 })).message).toBe('expanding the query takes more than 14 macro calls');
  });

  it('leaves backticks inside double-quoted query text alone', () => {
    const lib = library(['m', [], 'M']);
    expect(expand('search x="foo`m`bar" y="a\\"`m`" `m`', lib)).toBe('search x="foo`m`bar" y="a\\"`m`" M');
  });

  it('reports an unknown macro at the call site with the arities that exist', () => {
    const lib = library(['known', ['a'], '$a$']);
    const err = thrown(() => expand('search x\n  | `known` | `known(1, 2)`', lib));
    expect(err.kind).toBe('macro_error');
    expect(err.message).toBe('unknown macro `known`');
    expect(err.span).toEqual({ start: 13, end: 20 });
    expect([err.position?.line, err.position?.column]).toEqual([2, 5]);
    expect(err.hint).toBe('`known` is defined as `known(1)`; call it with that many arguments');
    expect(thrown(() => expand('`known(1, 2)`', lib)).message).toBe('unknown macro `known(2)`');
    const missing = thrown(() => expand('\n`nowhere`', lib));
    expect(missing.hint).toBe('define it in a macros.conf or security_content macro .yml file and pass it with --macros PATH');
    expect([missing.position?.line, missing.position?.column]).toEqual([2, 1]);
  });

  it('reports an unknown macro inside a definition at the outermost call, naming the chain', () => {
    const lib = library(['outer', [], 'a | `inner`'], ['inner', [], 'b | `ghost`']);
    const err = thrown(() => expand('search z\n| `outer` | x', lib));
    expect(err.message).toBe('unknown macro `ghost` in the definition of macro `inner` (test:2)');
    expect(err.span).toEqual({ start: 11, end: 18 });
    expect(err.position?.macroTrail).toEqual([
      { name: 'outer', line: 2, column: 3 },
      { name: 'inner', line: 2, column: 3 },
    ]);
  });

  it('uses the fallback for macros the library lacks', () => {
    const lib = library(['defined_filter', [], 'where ok=1']);
    const opts = { fallback: securityContentFilterDefault };
    expect(expand('x | `my_detection_filter` | `defined_filter`', lib, opts)).toBe('x | search * | where ok=1');
    expect(thrown(() => expand('`other`', lib, opts)).message).toBe('unknown macro `other`');
    expect(expand('`f(1)`', lib, { fallback: (name, arity) => `${name}/${arity}` })).toBe('f/1');
  });

  it('rejects eval-based macros as unsupported at the call', () => {
    const lib = new MacroLibrary();
    parseMacrosConf('[now_str]\niseval = true\ndefinition = "earliest=" . now()', 'e.conf').forEach((d) => lib.add(d));
    const err = thrown(() => expand('search `now_str`', lib));
    expect(err.kind).toBe('unsupported');
    expect(err.message).toBe('macro `now_str` is an eval-based macro (iseval = true, e.conf:1), which duckhunt does not expand');
    expect(err.span).toEqual({ start: 7, end: 16 });
  });

  it('reports an unterminated or malformed call as a syntax error at it', () => {
    const lib = library(['m', ['a'], '$a$']);
    const open = thrown(() => expand('search a\n| eval `m(1)', lib));
    expect(open.kind).toBe('syntax_error');
    expect(open.message).toBe('unterminated macro call: ` has no closing `');
    expect(open.span).toEqual({ start: 16, end: 17 });
    expect([open.position?.line, open.position?.column]).toEqual([2, 8]);
    const malformed = thrown(() => expand('x `m(a)) b`', lib));
    expect([malformed.kind, malformed.message, malformed.span]).toEqual(['syntax_error', 'malformed macro call `m(a)) b`', { start: 2, end: 11 }]);
    expect(thrown(() => expand('``', lib)).message).toBe('malformed macro call ``');
  });

  it('reports an unterminated backtick inside a definition at the call', () => {
    const lib = library(['broken', [], 'eval x=`oops']);
    const err = thrown(() => expand('a `broken`', lib));
    expect([err.kind, err.span]).toEqual(['syntax_error', { start: 2, end: 10 }]);
    expect(err.message).toBe('unterminated macro call: ` has no closing ` in the definition of macro `broken` (test:1)');
  });
});

describe('source map', () => {
  const lib = library(['st', [], 'sourcetype=abc'], ['ct', ['f'], 'convert ctime($f$) `st`']);
  const query = 'search `st` x=1\n| `ct(t)` | y';
  const exp = expandMacros(query, lib);

  it('maps copied text to itself and generated text to the outermost call', () => {
    expect(exp.text).toBe('search sourcetype=abc x=1\n| convert ctime(t) sourcetype=abc | y');
    expect(exp.original).toBe(query);
    expect(exp.map.toOriginal(0)).toEqual({ offset: 0, trail: [] });
    expect(exp.map.toOriginal(exp.text.indexOf('x=1'))).toEqual({ offset: query.indexOf('x=1'), trail: [] });
    expect(exp.map.toOriginal(exp.text.indexOf('abc'))).toEqual({ offset: 7, trail: [{ name: 'st', offset: 7 }] });
    const ctCall = query.indexOf('`ct');
    expect(exp.map.toOriginal(exp.text.indexOf('ctime'))).toEqual({ offset: ctCall, trail: [{ name: 'ct', offset: ctCall }] });
    expect(exp.map.toOriginal(exp.text.lastIndexOf('abc'))).toEqual({
      offset: ctCall,
      trail: [
        { name: 'ct', offset: ctCall },
        { name: 'st', offset: ctCall },
      ],
    });
  });

  it('maps the end of input to the end of the query', () => {
    expect(exp.map.toOriginal(exp.text.length)).toEqual({ offset: query.length, trail: [] });
    const endsInMacro = expandMacros('search `st`', lib);
    expect(endsInMacro.map.toOriginal(endsInMacro.text.length)).toEqual({ offset: 7, trail: [{ name: 'st', offset: 7 }] });
    const empty = expandMacros('', lib);
    expect(empty.map.toOriginal(0)).toEqual({ offset: 0, trail: [] });
  });

  it('widens a span that touches a macro expansion to the whole call', () => {
    const x = exp.text.indexOf('x=1');
    expect(exp.map.spanToOriginal({ start: x, end: x + 3 })).toEqual({ start: query.indexOf('x=1'), end: query.indexOf('x=1') + 3 });
    expect(exp.map.spanToOriginal({ start: 0, end: exp.text.indexOf('abc') + 1 })).toEqual({ start: 0, end: 11 });
    expect(exp.map.spanToOriginal({ start: exp.text.indexOf('abc'), end: x + 1 })).toEqual({ start: 7, end: 13 });
    expect(exp.map.spanToOriginal({ start: x, end: x })).toEqual({ start: 12, end: 12 });
  });

  it('builds errors that point into the original query and name the macros', () => {
    const inner = exp.text.indexOf('ctime');
    const err = errorAt(exp, 'compile_error', 'unknown function', { start: inner, end: inner + 5 }, 'check the name');
    expect(err.kind).toBe('compile_error');
    expect(err.source).toBe(query);
    expect(err.span).toEqual({ start: 18, end: 25 });
    expect(err.position).toEqual({ offset: 18, line: 2, column: 3, macroTrail: [{ name: 'ct', line: 2, column: 3 }] });
    expect(err.render()).toBe(
      [
        '2:3: compile error: unknown function',
        '   2 | | `ct(t)` | y',
        '         ^^^^^^^',
        '  (inside the expansion of macro `ct` called at 2:3)',
        'hint: check the name',
      ].join('\n'),
    );
    const y = exp.text.lastIndexOf('y');
    expect(errorAt(exp, 'syntax_error', 'bad', { start: y, end: y + 1 }).position).toEqual({ offset: 28, line: 2, column: 13, macroTrail: [] });
  });

  it('keeps offsets across stripped comments', () => {
    const commented = expandMacros('```note``` `st` | ```x``` z', lib);
    expect(commented.text).toBe(' '.repeat(11) + 'sourcetype=abc |' + ' '.repeat(9) + 'z');
    const z = commented.text.indexOf('z');
    expect(commented.map.toOriginal(z)).toEqual({ offset: 26, trail: [] });
    expect(commented.original[26]).toBe('z');
  });
});

describe('definitions and the library', () => {
  it('replaces a definition of the same name and arity, keeping other arities', () => {
    const lib = new MacroLibrary();
    const def = (definition: string, args: string[] = []): MacroDefinition => ({ name: 'm', args, definition, iseval: false, origin: 'o:1' });
    lib.add(def('first'));
    lib.add(def('one $a$', ['a']));
    lib.add(def('second'));
    expect(lib.size).toBe(2);
    expect(lib.lookup('m', 0)?.definition).toBe('second');
    expect(lib.lookup('m', 1)?.definition).toBe('one $a$');
    expect(lib.lookup('M', 0)).toBeUndefined();
    expect(lib.namesWithArity('absent')).toEqual([]);
  });
});
