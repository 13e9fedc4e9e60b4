// Every limit has a clear error (or a reported cap) and a setting.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileText, runText } from '../src/api.ts';
import { DuckhuntError } from '../src/errors.ts';
import { parseQuery } from '../src/frontend.ts';
import { MacroLibrary, parseMacrosConf } from '../src/macros/index.ts';
import { catalogFromFlags } from '../src/sources/catalog.ts';

const src = (text: string) => ({ file: undefined, text, detectionName: undefined });

function error(fn: () => unknown): DuckhuntError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DuckhuntError) return e;
    throw e;
  }
  throw new Error('expected an error');
}

describe('limits', () => {
  it('query length', () => {
    const macros = new MacroLibrary();
    const e = error(() => parseQuery(src(`x=${'a'.repeat(2000)}`), { macros, maxQueryLength: 1000 }));
    expect(e.message).toBe('the query is 2,002 characters long; the limit is 1,000');
    expect(() => parseQuery(src(`x=${'a'.repeat(2000)}`), { macros, maxQueryLength: 3000 })).not.toThrow();
  });

  it('bracket and prefix-operator nesting: a positioned error at the first level too deep, not a stack overflow', () => {
    const macros = new MacroLibrary();
    const deep = (n: number) => `* | eval x=${'('.repeat(n)}1${')'.repeat(n)}`;
    const e = error(() => parseQuery(src(deep(5000)), { macros }));
    expect(e.kind).toBe('syntax_error');
    expect(e.message).toBe('brackets and prefix operators nest deeper than 64 levels');
    expect(e.position?.column).toBe('* | eval x='.length + 65);
    expect(e.hint).toContain('maxNesting');
    expect(() => parseQuery(src(deep(64)), { macros })).not.toThrow();
    expect(() => parseQuery(src(deep(65)), { macros, maxNesting: 80 })).not.toThrow();
    const nots = error(() => parseQuery(src(`x=1 ${'NOT '.repeat(100)}a=1`), { macros }));
    expect([nots.message, nots.position?.column]).toEqual(['prefix operators (NOT, -) and brackets nest deeper than 64 levels', 5]);
    const subsearches = error(() => parseQuery(src(`x=1 ${'[search '.repeat(300)}a=1${']'.repeat(300)}`), { macros }));
    expect(subsearches.kind).toBe('syntax_error');
  });

  it('expression depth: a chain of 2,000 operators is a positioned error, with a setting', () => {
    const macros = new MacroLibrary();
    const chain = `* | eval x=1${'+1'.repeat(2000)}`;
    const e = error(() => parseQuery(src(chain), { macros }));
    expect(e.message).toMatch(/^the query nests deeper than 1000 levels here/);
    expect(e.hint).toContain('maxAstDepth');
    expect(e.position?.line).toBe(1);
    expect(() => parseQuery(src(`* | eval x=1${'+1'.repeat(900)}`), { macros })).not.toThrow();
    expect(() => parseQuery(src(chain), { macros, maxAstDepth: 3000 })).not.toThrow();
  });

  it('SQL grows linearly with nesting: an operand used twice is bound once, not pasted twice', () => {
    // `a+a+…` over text fields and nested sqrt() each need their operand twice; pasted, 40 levels were 2^40 bytes.
    for (const q of [`* | eval x=${Array(40).fill('a').join('+')}`, `* | eval x=${'sqrt('.repeat(40)}a${')'.repeat(40)}`]) {
      expect(compileText(q, { bindings: [] }).sql.length).toBeLessThan(50_000);
    }
  });

  it('an operand used several times in the SQL is written once: nesting grows the SQL linearly, not exponentially', async () => {
    // Before: 14 `+` over text fields made 280 MB of SQL, 15 a RangeError; sqrt() 40 deep or relative_time with
    // 40 week snaps likewise (src/compile/once.ts).
    const nest = (template: string, base: string, n: number) => Array.from({ length: n }).reduce<string>((e) => template.replace('X', e), base);
    const queries = [
      `* | eval y=a${'+a'.repeat(60)}`,
      `* | eval y=${nest('sqrt(X)', 'a', 60)}`,
      `* | eval y=${nest('substr(X, 2)', 'a', 60)}`,
      `* | eval y=${nest('max(X, "1")', 'a', 60)}`,
      `* | eval y=${nest('tostring(X, "duration")', 'a', 60)}`,
      `* | eval y=relative_time(a, "${'@w1'.repeat(60)}")`,
      `* | eval y=${nest('strftime(X, "%s%s%s")', 'a', 20)}`,
    ];
    for (const q of queries) expect(compileText(q, { bindings: [] }).sql.length, q.slice(0, 40)).toBeLessThan(100_000);
    const dir = mkdtempSync(join(tmpdir(), 'duckhunt-limits-'));
    const file = join(dir, 'e.ndjson');
    writeFileSync(file, JSON.stringify({ _time: 1700000000, a: '1', s: 'x' }) + '\n');
    const bindings = catalogFromFlags([`t=${file}`]).bindings;
    const q = `sourcetype=t | eval p=a${'+a'.repeat(40)}, c=s${'+s'.repeat(40)}, r=${nest('sqrt(X)', '65536', 50)}, w=relative_time(_time, "${'@w1'.repeat(40)}") | table p c r w`;
    const { rows } = await runText(q, { bindings });
    expect(rows).toEqual([{ p: '41', c: 'x'.repeat(41), r: expect.closeTo(1, 10), w: 1699833600 }]);
    // DuckDB takes seconds to bind 40 nested lambdas: the time limit is generous; what is checked is the answer.
  }, 30_000);

  it('nested calls of the helper macros bind in time: DuckDB copies a macro argument, so it is bound once first', async () => {
    // Before: tonumber() 20 deep never finished binding (dh_num(dh_str(dh_num(…))) doubled at every level), and
    // tostring(…, "hex") 14 deep took two minutes (src/compile/once.ts, macroCall).
    const nest = (template: string, base: string, n: number) => Array.from({ length: n }).reduce<string>((e) => template.replace('X', e), base);
    const q = `| makeresults | eval a="42" | eval x=${nest('tonumber(X)', 'a', 20)}, y=${nest('len(X)', '"hello"', 20)}, z=${nest('mvindex(split(X, ","), 0)', 'a', 12)} | table x y z`;
    const { rows } = await runText(q, { bindings: [] });
    expect(rows).toEqual([{ x: 42, y: 1, z: '42' }]);
  }, 30_000);

  it('SQL size is linear in the nesting depth of mvindex, mvappend, if, coalesce and the macro-backed conversions', () => {
    // Linear: each further level adds the same number of bytes (exponential growth doubles it every level).
    // Before: mvindex re-bound its list to test its length, which also doubled the bytes per level.
    const nest = (template: string, n: number) => Array.from({ length: n }).reduce<string>((e) => template.replace('X', e), 'a');
    const size = (template: string, n: number) => compileText(`* | eval y=${nest(template, n)}`, { bindings: [] }).sql.length;
    const perLevel: Record<string, number> = {};
    for (const t of ['mvindex(X, 0)', 'mvappend(X, "x")', 'if(a="1", "b", X)', 'coalesce(X, "y")', 'tonumber(tostring(X))', 'mvindex(split(X, ","), -1)']) {
      const [s10, s20, s30] = [size(t, 10), size(t, 20), size(t, 30)];
      expect(s30 - s20, t).toBe(s20 - s10);
      perLevel[t] = (s20 - s10) / 10;
    }
    expect(perLevel['mvindex(X, 0)']).toBeLessThan(250);
  });

  it('macro nesting depth', () => {
    const macros = new MacroLibrary();
    const conf = Array.from({ length: 30 }, (_, i) => `[m${i}]\ndefinition = \`m${i + 1}\``).join('\n') + '\n[m30]\ndefinition = x=1\n';
    for (const d of parseMacrosConf(conf, 'chain.conf')) macros.add(d);
    const e = error(() => parseQuery(src('`m0`'), { macros, macroLimits: { maxDepth: 10 } }));
    expect(e.kind).toBe('macro_error');
    expect(e.message).toContain('10');
    expect(() => parseQuery(src('`m0`'), { macros, macroLimits: { maxDepth: 40 } })).not.toThrow();
  });

  it('macro expansion size', () => {
    const macros = new MacroLibrary();
    const conf = Array.from({ length: 12 }, (_, i) => `[d${i}]\ndefinition = \`d${i + 1}\` \`d${i + 1}\``).join('\n') + '\n[d12]\ndefinition = abcdefghij\n';
    for (const d of parseMacrosConf(conf, 'double.conf')) macros.add(d);
    const e = error(() => parseQuery(src('`d0`'), { macros, maxQueryLength: 10_000 }));
    expect(e.kind).toBe('macro_error');
  });

  it('join subsearch rows: capped as Splunk does, and the cap is reported', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'duckhunt-limits-'));
    const file = join(dir, 'e.ndjson');
    writeFileSync(file, [1, 2, 3, 4, 5].map((i) => JSON.stringify({ _time: i, k: 'same', n: i })).join('\n'));
    const bindings = catalogFromFlags([`t=${file}`]).bindings;
    const { rows, notices } = await runText('n=5 | join k max=0 [ search * | rename n as m ] | table m', { bindings, compile: { subsearchMaxOut: 2 } });
    // The subsearch is newest first (m=5, 4, …); only its first two rows are used.
    expect(rows).toEqual([{ m: '5' }, { m: '4' }]);
    expect(notices.map((x) => x.kind)).toEqual(['subsearch_cap']);
    expect(notices[0].message).toContain('returned more than 2 rows; only the first 2 were used');
  });
});
