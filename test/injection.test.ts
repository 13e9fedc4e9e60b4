// Injection: every user-controlled string (search values, eval strings, field names, rename/as targets, macro
// arguments, regexes, formats, sourcetype names, paths) reaches SQL only as data, through src/sql/quote.ts.
// Each payload tries to close a string or an identifier and run a second statement: COPY … TO, ATTACH,
// read_text('/etc/passwd'), INSTALL/LOAD, CREATE/DROP TABLE. The engine here is NOT confined (confinement is
// tested in confinement.test.ts), so quoting alone must stop them. After every query: the compiled SQL is one
// statement per step, no file was written, no database attached, no extension loaded, no table created or
// dropped; where the payload was a value, it comes back verbatim.

import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileText, runText } from '../src/api.ts';
import { Engine } from '../src/engine/engine.ts';
import { DuckhuntError } from '../src/errors.ts';
import { loadKnowledge, type Knowledge } from '../src/knowledge/index.ts';
import { MacroLibrary, parseMacrosConf } from '../src/macros/index.ts';
import { catalogFromFlags, type SourceBinding } from '../src/sources/catalog.ts';

const tmp = mkdtempSync(join(tmpdir(), 'duckhunt-injection-'));
const PWN = join(tmp, 'pwned');

const PAYLOADS = {
  'COPY TO': `'); COPY (SELECT 42) TO '${PWN}.csv'; --`,
  'COPY TO via identifier': `"); COPY (SELECT 42) TO '${PWN}2.csv'; --`,
  ATTACH: `"; ATTACH '${PWN}.db' AS pwn; --`,
  'read_text /etc/passwd': `' || (SELECT content FROM read_text('/etc/passwd')) || '`,
  'INSTALL/LOAD': `'); INSTALL httpfs; LOAD httpfs; --`,
  'DROP TABLE': `x"); DROP TABLE dh_canary; --`,
  'backslash quote': `\\'; CREATE TABLE dh_pwned AS SELECT 1; --`,
  'dollar quotes': `$$; CREATE TABLE dh_pwned_dollar AS SELECT 1; $$`,
  'NUL byte': `a\u0000'; CREATE TABLE dh_pwned_nul AS SELECT 1; --`,
  'quote lookalikes': `\u2019; CREATE TABLE dh_pwned_uni AS SELECT 1; --\u201d`,
  'comment breakout': `*/ CREATE TABLE dh_pwned_comment AS SELECT 1; /*`,
  // The SPL of every command is a `-- comment` above its CTE: a line break in it must not end the comment.
  'line break': `a\nCREATE TABLE dh_pwned_lf AS SELECT 1; --`,
  'carriage return': `a\r); CREATE TABLE dh_pwned_cr AS SELECT 1; --`,
  'unicode line separators': `a\u2028\u2029\u0085\v\f); CREATE TABLE dh_pwned_ls AS SELECT 1; --`,
  '/tmp target': `'); COPY (SELECT 1) TO '/tmp/dh_pwned.csv'; --`,
};

/**
 * match("abc", payload): the value of y for payloads that are valid RE2 (the `||` of read_text's payload has an
 * empty alternative, which matches); the others are an invalid regular expression (an unbalanced ')' or a
 * leading '*').
 */
const MATCH = {
  'COPY TO': 'invalid',
  'COPY TO via identifier': 'invalid',
  ATTACH: 0,
  'read_text /etc/passwd': 1,
  'INSTALL/LOAD': 'invalid',
  'DROP TABLE': 'invalid',
  'backslash quote': 0,
  'dollar quotes': 0,
  'NUL byte': 0,
  'quote lookalikes': 0,
  'comment breakout': 'invalid',
  'line break': 0,
  'carriage return': 'invalid',
  'unicode line separators': 'invalid',
  '/tmp target': 'invalid',
} satisfies Record<keyof typeof PAYLOADS, number | 'invalid'>;

/** The payload inside an SPL double-quoted string (backslash and quote escaped, spl-semantics §2.2). */
const splQuoted = (p: string) => `"${p.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

const events = Object.values(PAYLOADS).map((p, k) => ({ _time: 100 - k, v: p, n: k }));
const file = join(tmp, 'events.ndjson');
writeFileSync(file, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
const bindings = catalogFromFlags([`t=${file}`]).bindings;
// Events of sourcetype t are web events: duckhunt's Web data model holds them (for tstats).
const webBundle = join(tmp, 'web-bundle');
mkdirSync(join(webBundle, 'default'), { recursive: true });
writeFileSync(join(webBundle, 'default', 'tags.conf'), '[sourcetype=t]\nweb = enabled\n');
writeFileSync(join(webBundle, 'default', 'props.conf'), '[t]\nFIELDALIAS-url = v AS url\n');

let engine: Engine;
let baseline: { databases: string; extensions: string; tables: string };

async function state() {
  const c = engine.connection;
  const col = async (sql: string) => JSON.stringify((await c.runAndReadAll(sql)).getRowsJS().map((r) => r[0]));
  return {
    databases: await col('SELECT database_name FROM duckdb_databases() ORDER BY 1'),
    extensions: await col('SELECT extension_name FROM duckdb_extensions() WHERE loaded ORDER BY 1'),
    tables: await col("SELECT table_name FROM duckdb_tables() WHERE table_name NOT LIKE 'dh_subsearch%' AND table_name NOT LIKE 'dh_transactions%' ORDER BY 1"),
  };
}

beforeAll(async () => {
  engine = await Engine.create({ timezone: 'UTC' });
  await engine.connection.run('CREATE TABLE dh_canary AS SELECT 1 AS x');
  baseline = await state();
});
afterAll(() => engine?.close());

/** What a query gave: its rows, or the error a user sees. */
type Outcome = { rows: Record<string, unknown>[]; error?: undefined } | { rows?: undefined; error: DuckhuntError };

/**
 * Runs the query. Only a positioned error found while compiling (syntax, macro, unsupported, compile) is an
 * acceptable failure: a payload must never reach DuckDB as anything but data, so DuckDB never fails on it.
 */
async function run(query: string, opts: { macros?: MacroLibrary; bindings?: SourceBinding[]; knowledge?: Knowledge } = {}): Promise<Outcome> {
  const b = opts.bindings ?? bindings;
  let compiled;
  try {
    compiled = compileText(query, { bindings: await engine.describeSources(b), macros: opts.macros, knowledge: opts.knowledge });
  } catch (e) {
    if (!(e instanceof DuckhuntError)) throw e;
    expect(e.kind).toMatch(/^(syntax_error|macro_error|unsupported|compile_error)$/);
    expect(e.position, `${e.message} has no position`).toBeDefined();
    return { error: e };
  }
  // One statement per step: the parser of DuckDB itself counts them.
  for (const sql of [...compiled.subsearches.map((s) => s.sql), compiled.sql]) {
    expect((await engine.connection.extractStatements(sql)).count).toBe(1);
  }
  return { rows: (await runText(query, { bindings: b, macros: opts.macros, knowledge: opts.knowledge, engine })).rows };
}

/** The outcome must be a compile-time error of this kind at this column of line 1, whose message says `message`. */
function expectError(r: Outcome, kind: string, column: number, message: RegExp) {
  expect(r.rows, 'expected an error, got rows').toBeUndefined();
  expect(r.error!.kind).toBe(kind);
  expect(r.error!.position).toMatchObject({ line: 1, column });
  expect(r.error!.message).toMatch(message);
}

/** 1-based column of `part` in `query`. */
const columnOf = (query: string, part: string) => query.indexOf(part) + 1;

const tmpPwned = () => readdirSync('/tmp').filter((f) => f.startsWith('dh_pwned'));
const tmpPwnedBefore = tmpPwned();

async function expectNoSideEffects() {
  expect(readdirSync(tmp).filter((f) => f.startsWith('pwned'))).toEqual([]);
  expect(tmpPwned()).toEqual(tmpPwnedBefore);
  expect(await state()).toEqual(baseline);
}

const cases = Object.entries(PAYLOADS);

describe.each(cases)('payload: %s', (name, payload) => {
  it('as an eval string comes back verbatim', async () => {
    const r = await run(`| makeresults | eval x=${splQuoted(payload)} | table x`);
    expect(r.rows).toEqual([{ x: payload }]);
    await expectNoSideEffects();
  });

  it('as a search value matches the event that holds it', async () => {
    const r = await run(`sourcetype=t v=${splQuoted(payload)} | table n`);
    expect(r.rows).toEqual([{ n: String(events.find((e) => e.v === payload)!.n) }]);
    await expectNoSideEffects();
  });

  it('in where, IN and match() is data', async () => {
    const r = await run(`sourcetype=t | where v=${splQuoted(payload)} OR v IN (${splQuoted(payload)}, "x") | table n`);
    expect(r.rows).toEqual([{ n: String(events.find((e) => e.v === payload)!.n) }]);
    // As a regex the payload is RE2 syntax: valid ones run, invalid ones are a compile error at the pattern.
    const q = `| makeresults | eval s="abc", y=if(match(s, ${splQuoted(payload)}), 1, 0) | table y`;
    const m = await run(q);
    const expected = MATCH[name as keyof typeof MATCH];
    if (typeof expected === 'number') expect(m.rows).toEqual([{ y: expected }]);
    else expectError(m, 'compile_error', columnOf(q, splQuoted(payload)), /^invalid regular expression: /);
    // As a replacement it comes back verbatim (no payload has a backslash before a digit, decision X46).
    const z = await run(`| makeresults | eval z=replace("abc", "b", ${splQuoted(payload)}) | table z`);
    expect(z.rows).toEqual([{ z: `a${payload}c` }]);
    await expectNoSideEffects();
  });

  it('as rename and stats AS targets becomes a field of exactly that name', async () => {
    const rq = `sourcetype=t n=0 | rename v AS ${splQuoted(payload)} | table ${splQuoted(payload)}`;
    const r = await run(rq);
    // A `*` in a rename target is a wildcard, as in Splunk: paired with a plain name it is an error at the pair.
    if (payload.includes('*')) expectError(r, 'compile_error', columnOf(rq, 'v AS'), /different numbers of wildcards/);
    else expect(r.rows).toEqual([{ [payload]: events[0].v }]);
    const s = await run(`sourcetype=t | stats count AS ${splQuoted(payload)}`);
    expect(s.rows).toEqual([{ [payload]: events.length }]);
    await expectNoSideEffects();
  });

  it('as a field name in eval, by, sort, dedup, fillnull and a join key is an identifier', async () => {
    // A single-quoted eval field cannot hold a single quote: those are dropped from the name there.
    const field = payload.replace(/'/g, '');
    const eq = `sourcetype=t | eval '${field}'=1 | stats count by ${splQuoted(field)}`;
    const e = await run(eq);
    // A `*` in a field name is a wildcard, as in Splunk: where a command takes single fields it is an error there.
    const wild = payload.includes('*');
    if (wild) expectError(e, 'compile_error', columnOf(eq, `by ${splQuoted(field)}`) + 3, /not the wildcard/);
    else expect(e.rows).toEqual([{ [field]: 1, count: events.length }]);
    const dq = `sourcetype=t | rename v AS ${splQuoted(payload)} | sort - ${splQuoted(payload)} | dedup ${splQuoted(payload)} | stats count`;
    const d = await run(dq);
    if (wild) expectError(d, 'compile_error', columnOf(dq, 'v AS'), /different numbers of wildcards/);
    else expect(d.rows).toEqual([{ count: events.length }]);
    const jq = `sourcetype=t | rename v AS ${splQuoted(payload)} | join ${splQuoted(payload)} [search sourcetype=t | rename v AS ${splQuoted(payload)} | eval x=1] | stats count(x) as c`;
    const j = await run(jq);
    if (wild) expectError(j, 'compile_error', columnOf(jq, 'v AS'), /different numbers of wildcards/);
    else expect(j.rows).toEqual([{ c: events.length }]);
    const f = await run(`sourcetype=t | fillnull value=${splQuoted(payload)} w | stats count by w`);
    expect(f.rows).toEqual([{ w: payload, count: events.length }]);
    await expectNoSideEffects();
  });

  it('as a regex, a format, a span and an spath path is data (or a positioned error)', async () => {
    // rex needs a named group, which no payload has: a compile error at the regex, invalid or not.
    const rex = `| makeresults | eval s="abc" | rex field=s ${splQuoted(payload)} | table s`;
    expectError(await run(rex), 'compile_error', columnOf(rex, splQuoted(payload)), /^(invalid regular expression: |rex needs at least one named group)/);
    // No payload has a % directive, so strftime prints it as it is, and strptime reads it as its own format
    // (no date in it: 1900-01-01, like C's strptime and mktime).
    expect((await run(`| makeresults | eval t=strftime(0, ${splQuoted(payload)}) | table t`)).rows).toEqual([{ t: payload }]);
    expect((await run(`| makeresults | eval t=strptime(${splQuoted(payload)}, ${splQuoted(payload)}) | table t`)).rows).toEqual([{ t: -2208988800 }]);
    // No such key in {}: no output field.
    expect((await run(`| makeresults | eval j="{}" | spath input=j path=${splQuoted(payload)} output=o | table o`)).rows).toEqual([{}]);
    const bin = `| makeresults | bin _time span=${splQuoted(payload)}`;
    expectError(await run(bin), 'compile_error', columnOf(bin, splQuoted(payload)), /is not a span/);
    // No source is bound to such a sourcetype: nothing is read.
    expect((await run(`sourcetype=${splQuoted(payload)} | stats count`)).rows).toEqual([{ count: 0 }]);
    await expectNoSideEffects();
  });

  it('as a subsearch value comes back as the filter it stands for', async () => {
    const r = await run(`sourcetype=t [| makeresults | eval v=${splQuoted(payload)} | fields v] | table n`);
    // A * in a subsearch value is a wildcard (X90): the payloads have none.
    expect(r.rows).toEqual([{ n: String(events.find((e) => e.v === payload)!.n) }]);
    await expectNoSideEffects();
  });

  it('as a series, a column name, a label and a transaction filter is data (or a positioned error)', async () => {
    for (const q of [
      `sourcetype=t | timechart span=1d count by v`,
      `sourcetype=t | chart count over n by v limit=0`,
      `sourcetype=t | xyseries n v n`,
      `sourcetype=t | top v limit=1 useother=t otherstr=${splQuoted(payload)} countfield=${splQuoted(payload)}`,
      `sourcetype=t | timechart span=1d count by v limit=1 otherstr=${splQuoted(payload)} nullstr=${splQuoted(payload)}`,
      `sourcetype=t | table n v | format mvsep=${splQuoted(payload)} emptystr=${splQuoted(payload)} ${splQuoted(payload)} "(" "AND" ")" "OR" ")"`,
      `sourcetype=t | table n | addtotals col=t labelfield=${splQuoted(payload)} label=${splQuoted(payload)} fieldname=${splQuoted(payload)}`,
      `sourcetype=t | return 2 ${splQuoted(payload.replace(/["\\]/g, ''))}=v`,
      `sourcetype=t | transaction startswith=${splQuoted(payload)} endswith=${splQuoted(payload)} | stats count`,
    ]) {
      const r = await run(q);
      expect(r.rows !== undefined || r.error instanceof DuckhuntError).toBe(true);
    }
    await expectNoSideEffects();
  });

  it('in tstats (a where value, fillnull_value, a field name) is data', async () => {
    const knowledge = loadKnowledge([webBundle]);
    const r = await run(`| tstats fillnull_value=${splQuoted(payload)} count from datamodel=Web where Web.url=${splQuoted(payload)} by Web.url Web.user`, { knowledge });
    expect(r.rows).toEqual([{ 'Web.url': payload, 'Web.user': payload, count: 1 }]);
    const f = await run(`| tstats count from datamodel=Web by ${splQuoted(`Web.${payload}`)}`, { knowledge });
    expect(f.error).toBeInstanceOf(DuckhuntError);
    await expectNoSideEffects();
  });

  it('as a macro argument is substituted as text, then quoted like any other value', async () => {
    const macros = new MacroLibrary();
    for (const d of parseMacrosConf('[wrap(1)]\nargs = x\ndefinition = eval y="$x$"\n', 'injection.conf')) macros.add(d);
    // Commas and parentheses would split the macro's arguments: the payload goes in without them.
    const arg = payload.replace(/[(),`]/g, ' ');
    const q = `| makeresults | \`wrap(${arg})\` | table y`;
    const r = await run(q, { macros });
    // A double quote opens a string that swallows the closing backtick: the call is never closed.
    if (arg.includes('"')) expectError(r, 'syntax_error', columnOf(q, '`'), /unterminated macro call/);
    else expect(r.rows).toEqual([{ y: arg }]);
    await expectNoSideEffects();
  });
});

describe('unquoted search values', () => {
  // Payloads without spaces lex as one search word (and as one term on _raw). A bracket or quote the word does
  // not close is a syntax error at it; otherwise the word is a value that no event has.
  const words: Array<[string, RegExp | undefined, string]> = [
    [`x');COPY(SELECT(1))TO'${PWN}_w.csv';--`, /unexpected '\)'/, ')'],
    [`x";ATTACH'${PWN}_w.db'AS(p);--`, /never closed/, '"'],
    [`$$;DROP(TABLE(dh_canary));$$`, undefined, ''],
    [`\\';--`, undefined, ''],
  ];
  it.each(words)('%s', async (word, error, at) => {
    for (const q of [`sourcetype=t v=${word} | stats count`, `sourcetype=t ${word} | stats count`]) {
      const r = await run(q);
      if (error) expectError(r, 'syntax_error', columnOf(q, at), error);
      else expect(r.rows).toEqual([{ count: 0 }]);
    }
    await expectNoSideEffects();
  });
});

describe('names of sources', () => {
  it('a sourcetype named with a payload selects its source and nothing more', async () => {
    const st = `x');COPY(SELECT(1))TO'${PWN}_st.csv';--`;
    const b = catalogFromFlags([`${st}=${file}`]).bindings;
    const r = await run(`sourcetype=${splQuoted(st)} | stats count`, { bindings: b });
    expect(r.rows).toEqual([{ count: events.length }]);
    await expectNoSideEffects();
  });

  it('a file whose name is a payload is read as that file', async () => {
    const odd = join(tmp, `a'); COPY (SELECT 1) TO 'pwned_path.csv'; --.ndjson`);
    writeFileSync(odd, JSON.stringify({ _time: 1, v: 'from the odd file' }) + '\n');
    const r = await run('sourcetype=odd | table v', { bindings: catalogFromFlags([`odd=${odd}`]).bindings });
    expect(r.rows).toEqual([{ v: 'from the odd file' }]);
    await expectNoSideEffects();
    expect(existsSync('pwned_path.csv')).toBe(false);
  });
});
