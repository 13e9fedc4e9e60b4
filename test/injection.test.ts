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

const PAYLOADS: Record<string, string> = {
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
    tables: await col("SELECT table_name FROM duckdb_tables() WHERE table_name NOT LIKE 'dh_subsearch%' ORDER BY 1"),
  };
}

beforeAll(async () => {
  engine = await Engine.create({ timezone: 'UTC' });
  await engine.connection.run('CREATE TABLE dh_canary AS SELECT 1 AS x');
  baseline = await state();
});
afterAll(() => engine?.close());

/** Runs the query; a DuckhuntError is an acceptable outcome, anything else fails the test. */
async function run(query: string, opts: { macros?: MacroLibrary; bindings?: SourceBinding[]; knowledge?: Knowledge } = {}) {
  const b = opts.bindings ?? bindings;
  let compiled;
  try {
    compiled = compileText(query, { bindings: await engine.describeSources(b), macros: opts.macros, knowledge: opts.knowledge });
  } catch (e) {
    if (e instanceof DuckhuntError) return { error: e };
    throw e;
  }
  // One statement per step: the parser of DuckDB itself counts them.
  for (const sql of [...compiled.subsearches.map((s) => s.sql), compiled.sql]) {
    expect((await engine.connection.extractStatements(sql)).count).toBe(1);
  }
  try {
    return { rows: (await runText(query, { bindings: b, macros: opts.macros, knowledge: opts.knowledge, engine })).rows };
  } catch (e) {
    if (e instanceof DuckhuntError) {
      expect(e.message).not.toMatch(/Parser Error/);
      return { error: e };
    }
    throw e;
  }
}

const tmpPwned = () => readdirSync('/tmp').filter((f) => f.startsWith('dh_pwned'));
const tmpPwnedBefore = tmpPwned();

async function expectNoSideEffects() {
  expect(readdirSync(tmp).filter((f) => f.startsWith('pwned'))).toEqual([]);
  expect(tmpPwned()).toEqual(tmpPwnedBefore);
  expect(await state()).toEqual(baseline);
}

const cases = Object.entries(PAYLOADS);

describe.each(cases)('payload: %s', (_name, payload) => {
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
    const m = await run(`| makeresults | eval s="abc", y=if(match(s, ${splQuoted(payload)}), 1, 0), z=replace(s, "b", ${splQuoted(payload)}) | table y`);
    expect(m.error === undefined || m.error instanceof DuckhuntError).toBe(true);
    await expectNoSideEffects();
  });

  it('as rename and stats AS targets becomes a field of exactly that name', async () => {
    const name = payload;
    const r = await run(`sourcetype=t n=0 | rename v AS ${splQuoted(payload)} | table ${splQuoted(payload)}`);
    if (r.rows) expect(Object.keys(r.rows[0])).toEqual([name]);
    else expect(r.error).toBeInstanceOf(DuckhuntError);
    const s = await run(`sourcetype=t | stats count AS ${splQuoted(payload)}`);
    if (s.rows) expect(s.rows).toEqual([{ [name]: events.length }]);
    else expect(s.error).toBeInstanceOf(DuckhuntError);
    await expectNoSideEffects();
  });

  it('as a field name in eval, by, sort, dedup and a join key is an identifier', async () => {
    const field = `'${payload.replace(/'/g, '')}'`;
    for (const q of [
      `sourcetype=t | eval ${field}=1 | stats count by ${field}`,
      `sourcetype=t | sort - ${splQuoted(payload)} | dedup ${splQuoted(payload)} | head 1 | table n`,
      `sourcetype=t | join ${splQuoted(payload)} [search sourcetype=t | eval x=1] | stats count`,
      `sourcetype=t | fillnull value=${splQuoted(payload)} w | stats count by w`,
    ]) {
      const r = await run(q);
      expect(r.rows !== undefined || r.error instanceof DuckhuntError).toBe(true);
    }
    await expectNoSideEffects();
  });

  it('as a regex, a format, a span and an spath path is data (or a positioned error)', async () => {
    for (const q of [
      `| makeresults | eval s="abc" | rex field=s ${splQuoted(payload)} | table s`,
      `| makeresults | eval t=strftime(0, ${splQuoted(payload)}) | table t`,
      `| makeresults | eval t=strptime(${splQuoted(payload)}, ${splQuoted(payload)}) | table t`,
      `| makeresults | eval j="{}" | spath input=j path=${splQuoted(payload)} output=o | table o`,
      `| makeresults | bin _time span=${splQuoted(payload)}`,
      `sourcetype=${splQuoted(payload)} | stats count`,
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
    const r = await run(`| makeresults | \`wrap(${arg})\` | table y`, { macros });
    expect(r.rows !== undefined || r.error instanceof DuckhuntError).toBe(true);
    await expectNoSideEffects();
  });
});

describe('unquoted search values', () => {
  // Payloads without spaces lex as one search word (and as one term on _raw).
  const words = [`x');COPY(SELECT(1))TO'${PWN}_w.csv';--`, `x";ATTACH'${PWN}_w.db'AS(p);--`, `$$;DROP(TABLE(dh_canary));$$`, `\\';--`];
  it.each(words)('%s', async (word) => {
    // A word with brackets in it is a syntax error in search; otherwise it matches nothing.
    const r = await run(`sourcetype=t v=${word} | stats count`);
    if (r.rows) expect(r.rows).toEqual([{ count: 0 }]);
    else expect(r.error).toBeInstanceOf(DuckhuntError);
    const t = await run(`sourcetype=t ${word} | stats count`);
    expect(t.rows ?? t.error).toBeDefined();
    if (t.error) expect(t.error).toBeInstanceOf(DuckhuntError);
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
