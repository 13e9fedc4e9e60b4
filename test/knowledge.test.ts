// The knowledge layer beyond single semantics cases: the .conf reader, bundle precedence and layouts, outputlookup
// writing files, the same props over NDJSON and Parquet, and the command line's --knowledge / config list.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runText } from '../src/api.ts';
import { Engine } from '../src/engine/engine.ts';
import { DuckhuntError } from '../src/errors.ts';
import { ingest } from '../src/ingest/ingest.ts';
import { Conf, parseConf } from '../src/knowledge/conf.ts';
import { loadKnowledge, propsFields } from '../src/knowledge/index.ts';
import { defaultMacroLibrary } from '../src/macros/index.ts';
import { catalogFromFlags, type SourceBinding } from '../src/sources/catalog.ts';

const tmp = mkdtempSync(join(tmpdir(), 'duckhunt-knowledge-'));
let engine: Engine;
beforeAll(async () => {
  engine = await Engine.create({ timezone: 'UTC' });
});
afterAll(() => engine?.close());

let n = 0;
/** A bundle directory holding `files` (path → text). */
function bundle(files: Record<string, string>): string {
  const dir = join(tmp, `bundle-${++n}`);
  mkdirSync(dir, { recursive: true });
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

function events(sourcetype: string, records: object[]): SourceBinding[] {
  const file = join(tmp, `events-${++n}.ndjson`);
  writeFileSync(file, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return catalogFromFlags([`${sourcetype}=${file}`]).bindings;
}

async function fails(p: Promise<unknown> | (() => unknown)): Promise<DuckhuntError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    if (e instanceof DuckhuntError) return e;
    throw e;
  }
  throw new Error('expected a DuckhuntError');
}

describe('the .conf reader', () => {
  it('joins continuation lines, skips comments, fills stanzas from [default] and merges layers key by key', () => {
    const base = parseConf('# a comment\nshared = top\n[one]\na = 1 \\\n  more\nb = 2\n[default]\nc = d\n[one]\nb = 3\n', 'base.conf');
    const local = parseConf('[one]\na = local\n[two]\nx = y\n', 'local.conf');
    const conf = new Conf([base, local]);
    expect(conf.names()).toEqual(['one', 'two']);
    const one = conf.get('one')!;
    expect(Object.fromEntries([...one.settings].map(([k, v]) => [k, v.value]))).toEqual({ shared: 'top', c: 'd', a: 'local', b: '3' });
    expect(one.settings.get('b')!.origin).toBe('base.conf:10');
    expect(base.stanzas.get('one')!.settings.get('a')!.value).toBe('1 \n  more');
  });

  it('names file and line of a line that is neither a stanza nor a setting', async () => {
    const dir = bundle({ 'default/props.conf': '[x]\nEVAL-a = 1\nnot a setting\n' });
    const e = await fails(() => loadKnowledge([dir]));
    expect(e.kind).toBe('knowledge_error');
    expect(e.message).toBe(`${join(dir, 'default', 'props.conf')}:3: expected \`[stanza]\` or \`key = value\`, found \`not a setting\``);
  });
});

describe('bundles', () => {
  it('a later bundle overrides an earlier one key by key; duckhunt’s own comes first', async () => {
    const first = bundle({ 'default/props.conf': '[t]\nEVAL-a = "first"\nEVAL-b = "first"\n' });
    const second = bundle({ 'local/props.conf': '[t]\nEVAL-b = "second"\n' });
    const k = loadKnowledge([first, second]);
    expect(k.bundles.slice(1)).toEqual([first, second]);
    const { rows } = await runText('* | table a b', { bindings: events('t', [{ _time: 1 }]), engine, knowledge: k });
    expect(rows).toEqual([{ a: 'first', b: 'second' }]);
  });

  it('reads macros.conf of a bundle, and a security_content checkout (macros/*.yml, lookups/*.yml)', async () => {
    const app = bundle({ 'default/macros.conf': '[alice_only]\ndefinition = user=alice\n' });
    const sc = bundle({
      'macros/admins.yml': 'name: admins\ndefinition: role=admin\n',
      'lookups/roles.yml': 'name: roles\nfilename: roles.csv\ncase_sensitive_match: "false"\n',
      'lookups/roles.csv': 'user,role\nALICE,admin\n',
    });
    const knowledge = loadKnowledge([app, sc]);
    const macros = defaultMacroLibrary([], knowledge.macros);
    const { rows } = await runText('`alice_only` | lookup roles user OUTPUT role | search `admins` | table user role', {
      bindings: events('t', [{ _time: 2, user: 'alice' }, { _time: 1, user: 'bob' }]),
      engine,
      knowledge,
      macros,
    });
    expect(rows).toEqual([{ user: 'alice', role: 'admin' }]);
  });

  it('X63: a lookup definition named X wins over a file named X; of two files of one name, the later bundle\'s', async () => {
    const first = bundle({ 'lookups/users.csv': 'user,dept\nalice,file\n', 'lookups/teams.csv': 'user,dept\nalice,first\n' });
    const second = bundle({
      'lookups/teams.csv': 'user,dept\nalice,second\n',
      'lookups/override.csv': 'user,dept\nalice,definition\n',
      'default/transforms.conf': '[users.csv]\nfilename = override.csv\n',
    });
    const { rows } = await runText('* | lookup users.csv user OUTPUT dept | lookup teams.csv user OUTPUT dept AS team | table dept team', {
      bindings: events('t', [{ _time: 1, user: 'alice' }]),
      engine,
      knowledge: loadKnowledge([first, second]),
    });
    expect(rows).toEqual([{ dept: 'definition', team: 'second' }]);
  });

  it('a lookup file DuckDB cannot read is an error where the query uses it', async () => {
    const k = loadKnowledge([bundle({ 'lookups/bad.csv': 'a,b\n1,2,3,4\n"unterminated\n' })]);
    const e = await fails(runText('* | lookup bad.csv a OUTPUT b', { bindings: events('t', [{ _time: 1, a: '1' }]), engine, knowledge: k }));
    expect(e.kind).toBe('knowledge_error');
    expect(e.message).toContain('cannot read the lookup table');
    expect(e.position?.column).toBe(12);
  });

  it('says so when a directory is not a bundle, or does not exist', async () => {
    const empty = bundle({ 'README.md': 'nothing here' });
    expect((await fails(() => loadKnowledge([empty]))).message).toContain('is not a knowledge bundle');
    expect((await fails(() => loadKnowledge([join(tmp, 'missing')]))).message).toContain('knowledge bundle not found');
  });

  it('lists the fields props can write for a source (what a field wildcard needs to see)', () => {
    const k = loadKnowledge([bundle({ 'default/props.conf': '[t]\nFIELDALIAS-a = x AS y\nEVAL-z = 1\n' })], { builtIn: false });
    expect(propsFields(k, events('t', [{}])[0])).toEqual(['y', 'z']);
    expect(propsFields(k, events('other', [{}])[0])).toEqual([]);
  });
});

describe('outputlookup', () => {
  const knowledge = (lookupDir: string | undefined) => loadKnowledge([], { lookupDir });

  it('writes the rows to a CSV in the lookup directory, passes them on, and inputlookup reads them back', async () => {
    const dir = join(tmp, 'lookups-1');
    const bindings = events('t', [{ _time: 2, user: 'alice', n: '3' }, { _time: 1, user: 'bob', groups: ['a', 'b'] }]);
    const out = await runText('* | table user n groups{} | outputlookup seen.csv | stats count', { bindings, engine, knowledge: knowledge(dir) });
    expect(out.rows).toEqual([{ count: 2 }]);
    expect(readFileSync(join(dir, 'seen.csv'), 'utf8')).toBe('user,n,groups{}\nalice,3,\nbob,,"a\nb"\n');
    expect(readdirSync(dir)).toEqual(['seen.csv']); // the temporary file was renamed into place
    const back = await runText('| inputlookup seen.csv', { bindings: [], engine, knowledge: knowledge(dir) });
    expect(back.rows).toEqual([{ user: 'alice', n: '3' }, { user: 'bob', 'groups{}': 'a\nb' }]);
  });

  it('append=true adds to the existing rows; override_if_empty=false keeps a file when there are no results', async () => {
    const dir = join(tmp, 'lookups-2');
    const k = knowledge(dir);
    await runText('| makeresults | eval user="alice" | table user | outputlookup users.csv', { bindings: [], engine, knowledge: k });
    await runText('| makeresults | eval user="bob", dept="ops" | table user dept | outputlookup append=true users.csv', { bindings: [], engine, knowledge: k });
    expect(readFileSync(join(dir, 'users.csv'), 'utf8')).toBe('user,dept\nalice,\nbob,ops\n');
    await runText('| makeresults | where 1=2 | outputlookup override_if_empty=false users.csv', { bindings: [], engine, knowledge: k });
    expect(readFileSync(join(dir, 'users.csv'), 'utf8')).toBe('user,dept\nalice,\nbob,ops\n');
    await runText('| makeresults | where 1=2 | eval user="x" | table user | outputlookup users.csv', { bindings: [], engine, knowledge: k });
    expect(readFileSync(join(dir, 'users.csv'), 'utf8')).toBe('user\n');
  });

  it('never writes outside the lookup directory, and without one the run fails before anything runs', async () => {
    const dir = join(tmp, 'lookups-3');
    for (const name of ['../escape.csv', '/tmp/abs.csv', 'sub/x.csv', 'notes.txt']) {
      const e = await fails(runText(`| makeresults | outputlookup ${JSON.stringify(name)}`, { bindings: [], engine, knowledge: knowledge(dir) }));
      expect(e.kind).toBe('compile_error');
      expect(e.position?.column).toBe(30);
    }
    expect(existsSync(join(tmp, 'escape.csv'))).toBe(false);
    const e = await fails(runText('| makeresults | outputlookup x.csv', { bindings: [], engine, knowledge: knowledge(undefined) }));
    expect(e.kind).toBe('knowledge_error');
    expect(e.hint).toContain('--lookup-dir');
  });

  it('writes to the file a lookup definition names', async () => {
    const dir = join(tmp, 'lookups-4');
    const k = loadKnowledge([bundle({ 'default/transforms.conf': '[baseline]\nfilename = baseline_v2.csv\n' })], { lookupDir: dir });
    await runText('| makeresults | eval src="10.0.0.1" | table src | outputlookup baseline', { bindings: [], engine, knowledge: k });
    expect(readFileSync(join(dir, 'baseline_v2.csv'), 'utf8')).toBe('src\n10.0.0.1\n');
  });
});

describe('props over NDJSON and Parquet', () => {
  it('gives the same rows for the same events', async () => {
    const k = loadKnowledge([
      bundle({
        'default/props.conf': '[proc]\nFIELDALIAS-p = Image AS process_path\nEVAL-process_name = replace(Image, "^.*\\\\\\\\", "")\nLOOKUP-risk = risky process_name OUTPUT risk\n',
        'default/transforms.conf': '[risky]\nfilename = risky.csv\ncase_sensitive_match = false\n',
        'lookups/risky.csv': 'process_name,risk\ncmd.exe,high\n',
      }),
    ]);
    const records = [
      { _time: '2024-03-01T10:00:00Z', Image: 'C:\\Windows\\System32\\CMD.EXE', User: 'alice' },
      { _time: '2024-03-01T11:00:00Z', Image: 'C:\\Tools\\notepad.exe', User: 'bob' },
    ];
    const json = events('proc', records);
    await ingest(engine, json[0], join(tmp, 'ds'), { overwrite: true });
    const parquet = catalogFromFlags([`proc=${join(tmp, 'ds', 'proc')}`]).bindings;
    const query = 'sourcetype=proc | table User process_path process_name risk';
    const a = await runText(query, { bindings: json, engine, knowledge: k });
    const b = await runText(query, { bindings: await engine.describeSources(parquet), engine, knowledge: k });
    expect(a.rows).toEqual([
      { User: 'bob', process_path: 'C:\\Tools\\notepad.exe', process_name: 'notepad.exe' },
      { User: 'alice', process_path: 'C:\\Windows\\System32\\CMD.EXE', process_name: 'CMD.EXE', risk: 'high' },
    ]);
    expect(b.rows).toEqual(a.rows);
  });
});

describe('the command line', () => {
  const BIN = join(import.meta.dirname, '..', 'bin', 'duckhunt.js');
  it('loads --knowledge bundles after the config’s knowledge list', () => {
    const fromConfig = bundle({
      'default/props.conf': '[t]\nEVAL-a = "config"\nEVAL-b = "config"\nLOOKUP-c = colors.csv a OUTPUT color\n',
      'lookups/colors.csv': 'a,color\nconfig,green\n',
    });
    const fromFlag = bundle({ 'default/props.conf': '[t]\nEVAL-b = "flag"\n' });
    const data = events('t', [{ _time: 1 }])[0].paths[0];
    const config = join(tmp, 'duckhunt.config.json');
    writeFileSync(config, JSON.stringify({ sources: [{ sourcetype: 't', path: data }], knowledge: [fromConfig] }));
    // The run is confined to the bound files and the lookups the query reads (here an automatic lookup's).
    const r = spawnSync(process.execPath, [BIN, 'run', '-e', '* | table a b color', '--config', config, '--knowledge', fromFlag, '--format', 'json'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual([{ a: 'config', b: 'flag', color: 'green' }]);
  }, 60_000);
});
