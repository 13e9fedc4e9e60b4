// Field discovery for wildcards over raw events (src/sources/discover.ts): which columns `table *` and friends
// show and in which order, the same over NDJSON and over Parquet (ingested, and plain files with structs and
// JSON columns), only the events that reach the wildcard, and nothing read for a query that names its fields.
// test/semantics/discovery.yml pins the values.

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileText, compileWith, runText } from '../src/api.ts';
import { Engine } from '../src/engine/engine.ts';
import { DuckhuntError } from '../src/errors.ts';
import { datasetDirName, ingest } from '../src/ingest/ingest.ts';
import { loadKnowledge } from '../src/knowledge/index.ts';
import type { SourceBinding } from '../src/sources/catalog.ts';
import { discover, MAX_DISCOVERED_FIELDS } from '../src/sources/discover.ts';
import { sqlString } from '../src/sql/quote.ts';

const tmp = mkdtempSync(join(tmpdir(), 'duckhunt-discovery-'));
const ST = 'test:events';
let engine: Engine;

const EVENTS = [
  { _time: 1700000300, user: 'alice', User: 'Alice', Item: { Subject: 'hi', Size: 10 }, tags: ['a', 'b'], Items: [{ Id: '1' }, { Id: '2', Extra: 'x' }], gone: null },
  { _time: 1700000200, Target: 'host1', empty: '' },
  { _time: 1700000100, Target: { Name: 'h2', Ip: '1.2.3.4' }, Props: [{ Name: 'a', Value: { Inner: 'x' } }, { Name: 'b', Value: '1' }] },
  { _time: 1600000000, OnlyOld: 'long ago' },
];

const ndjsonBinding = (name: string, records: unknown[]): SourceBinding => {
  const file = join(tmp, `${name}.ndjson`);
  writeFileSync(file, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return { sourcetype: ST, paths: [file], format: 'ndjson', timeField: '_time', index: 'main', partitioned: false };
};

const formats: Record<string, () => Promise<SourceBinding[]>> = {
  ndjson: async () => [ndjsonBinding('events', EVENTS)],
  'ingested Parquet': () => (dataset ??= ingested()),
};

/** The events ingested once (the engine keeps the file list of a dataset it has read). */
let dataset: Promise<SourceBinding[]> | undefined;
async function ingested(): Promise<SourceBinding[]> {
  const out = join(tmp, 'dataset');
  await ingest(engine, ndjsonBinding('to-ingest', EVENTS), out, { overwrite: false });
  return [{ sourcetype: ST, paths: [join(out, datasetDirName(ST), '**', '*.parquet')], format: 'parquet', timeField: '_time', index: 'main', partitioned: true }];
}

beforeAll(async () => {
  engine = await Engine.create({ timezone: 'UTC' });
});
afterAll(() => engine?.close());

const columns = async (query: string, bindings: SourceBinding[]) => (await runText(query, { bindings, engine })).query.fields.map((f) => f.name);

for (const [format, bind] of Object.entries(formats)) {
  describe(`wildcards over ${format}`, () => {
    it('table * shows every field the events have, in byte order, without _time and _raw (X25, X26)', async () => {
      const bindings = await bind();
      // Names the query gives that no event has (nosuch, and earliest, a time modifier) are no columns of it.
      expect(await columns('* earliest=1700000000 NOT nosuch=1 | table *', bindings)).toEqual([
        'Item.Size',
        'Item.Subject',
        'Items{}.Extra',
        'Items{}.Id',
        'Props{}.Name',
        'Props{}.Value',
        'Props{}.Value.Inner',
        'Target',
        'Target.Ip',
        'Target.Name',
        'User',
        'empty',
        'index',
        'source',
        'sourcetype',
        'tags{}',
        'user',
      ]);
    });

    it('only the events that reach the wildcard count: the time range, where, head', async () => {
      const bindings = await bind();
      expect(await columns('* | table *', bindings)).toContain('OnlyOld');
      expect(await columns('* earliest=1700000000 | table *', bindings)).not.toContain('OnlyOld');
      expect(await columns('* | head 1 | table * | fields - source index sourcetype', bindings)).toEqual(['Item.Size', 'Item.Subject', 'Items{}.Extra', 'Items{}.Id', 'User', 'tags{}', 'user']);
      // An object is not a value: the event whose Target is an object has Target.Name, not Target.
      expect(await columns('* | where isnotnull(Target) | table T*', bindings)).toEqual(['Target']);
      expect(await columns(`* | where isnotnull(Target) OR isnotnull('Target.Name') | table T*`, bindings)).toEqual(['Target', 'Target.Ip', 'Target.Name']);
    });

    it('explicit names keep their place around the wildcard matches; a field matched twice comes once', async () => {
      const bindings = await bind();
      expect(await columns('* | head 1 | table user _time I* user*', bindings)).toEqual(['user', '_time', 'Item.Size', 'Item.Subject', 'Items{}.Extra', 'Items{}.Id']);
      expect(await columns('* | head 1 | fields - _raw source index sourcetype Item*', bindings)).toEqual(['_time', 'User', 'tags{}', 'user']);
    });
  });
}

describe('knowledge', () => {
  it('fields props and event types compute are columns of a wildcard when some event has a value, not otherwise', async () => {
    const dir = join(tmp, 'bundle', 'default');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'props.conf'), `[${ST}]\nFIELDALIAS-a = user AS src_user\nEVAL-action = if(status="ok", "allowed", null())\nEVAL-nothing = null()\n`);
    writeFileSync(join(dir, 'eventtypes.conf'), '[admin_login]\nsearch = user=root\n[never]\nsearch = user=nobody\n');
    const knowledge = loadKnowledge([join(tmp, 'bundle')]);
    const bindings = [ndjsonBinding('knowledge', [{ _time: 2, user: 'root', status: 'ok' }, { _time: 1, user: 'bob' }])];
    const { query } = await runText('* | table * | fields - source index sourcetype', { bindings, engine, knowledge });
    expect(query.fields.map((f) => f.name)).toEqual(['action', 'eventtype', 'src_user', 'status', 'user']);
    const named = await runText('* | where user="bob" | table *', { bindings, engine, knowledge });
    expect(named.query.fields.map((f) => f.name)).toEqual(['index', 'source', 'sourcetype', 'src_user', 'user']);
  });
});

describe('plain Parquet files', () => {
  it('a wildcard sees struct leaves, list elements and the keys inside JSON columns, not the reader columns', async () => {
    const file = join(tmp, 'plain.parquet');
    await engine.connection.run(
      `COPY (SELECT 1700000000 AS _time, {'Subject': 'hi', 'Folder': {'Path': 'p'}} AS Item, ['x', 'y'] AS tags, '{"k": {"deep": 1}}'::JSON AS extra, 'v' AS plain) TO ${sqlString(file)} (FORMAT parquet)`,
    );
    const bindings: SourceBinding[] = [{ sourcetype: ST, paths: [file], format: 'parquet', timeField: '_time', index: 'main', partitioned: false }];
    const { rows, query } = await runText('* | table * | fields - source', { bindings, engine });
    expect(query.fields.map((f) => f.name)).toEqual(['Item.Folder.Path', 'Item.Subject', 'extra.k.deep', 'index', 'plain', 'sourcetype', 'tags{}']);
    expect(rows).toEqual([{ 'Item.Folder.Path': 'p', 'Item.Subject': 'hi', 'extra.k.deep': '1', index: 'main', plain: 'v', sourcetype: ST, 'tags{}': ['x', 'y'] }]);
  });
});

describe('Parquet leaves without parsing JSON', () => {
  it('files without JSON columns and ingested datasets are discovered by their columns, counting only the rows that reach the wildcard', async () => {
    const file = join(tmp, 'typed.parquet');
    await engine.connection.run(
      `COPY (SELECT * FROM (VALUES (1700000300, 'send', {'Subject': 'hi', 'Size': NULL}, ['x'], NULL), (1700000200, 'read', {'Subject': NULL, 'Size': 5}, [], 'w'), ` +
        `(1700000100, 'send', {'Subject': NULL, 'Size': NULL}, NULL, NULL)) t(_time, op, Item, tags, only_read)) TO ${sqlString(file)} (FORMAT parquet)`,
    );
    const plain: SourceBinding[] = [{ sourcetype: ST, paths: [file], format: 'parquet', timeField: '_time', index: 'main', partitioned: false }];
    for (const [bindings, expected] of [
      [plain, ['Item.Subject', 'op', 'tags{}']],
      [await formats['ingested Parquet'](), ['Item.Size', 'Item.Subject', 'Items{}.Extra', 'Items{}.Id', 'User', 'tags{}', 'user']],
    ] as const) {
      // One count per leaf over the rows found again in the files, or (few rows) their _raw: the same names.
      const described = await engine.describeSources(bindings);
      const [request] = compileText("* | where isnotnull('tags{}') | table *", { bindings: described }).discoveries;
      expect(request.leaves).toHaveLength(1);
      const byLeaves = (await discover(engine.connection, [request], 0)).get(request.key)!.filter((n) => !['_time', 'index', 'source', 'sourcetype'].includes(n));
      const byRaw = (await discover(engine.connection, [request], Infinity)).get(request.key)!.filter((n) => !['_time', 'index', 'source', 'sourcetype'].includes(n));
      expect(byLeaves).toEqual(expected);
      expect(byRaw).toEqual(byLeaves);
    }
    expect(await columns('op=send | table * | fields - source index sourcetype', plain)).toEqual(['Item.Subject', 'op', 'tags{}']);
    expect(await columns('op=read | table * | fields - source index sourcetype', plain)).toEqual(['Item.Size', 'only_read', 'op']);
    expect(await columns('* | head 1 | table * | fields - source index sourcetype', plain)).toEqual(['Item.Subject', 'op', 'tags{}']);
    expect(await columns('* | head 1 | table * | fields - source index sourcetype', await formats['ingested Parquet']())).toEqual([
      'Item.Size',
      'Item.Subject',
      'Items{}.Extra',
      'Items{}.Id',
      'User',
      'tags{}',
      'user',
    ]);
  });

  it('X130: a key only a stored _raw has is no field of Parquet events (the scan reads the columns)', async () => {
    const file = join(tmp, 'raw-and-columns.parquet');
    await engine.connection.run(`COPY (SELECT 1700000000 AS _time, '{"a": "1", "onlyraw": "x"}' AS _raw, '1' AS a) TO ${sqlString(file)} (FORMAT parquet)`);
    const bindings: SourceBinding[] = [{ sourcetype: ST, paths: [file], format: 'parquet', timeField: '_time', index: 'main', partitioned: false }];
    expect(await columns('* | table * | fields - source index sourcetype', bindings)).toEqual(['a']);
  });
});

describe('cost', () => {
  it('a query that names its fields compiles without a discovery and reads nothing to compile', async () => {
    const bindings = await formats.ndjson();
    const before = engine.discoveryPasses;
    const text = '* | eval n=len(user) | rename user AS u | table u n Item.Subject | fields - n';
    expect(compileText(text, { bindings }).discoveries).toEqual([]);
    await runText(text, { bindings, engine });
    expect(engine.discoveryPasses).toBe(before);
    await runText('* | table *', { bindings, engine });
    expect(engine.discoveryPasses).toBe(before + 1);
  });

  it('a wildcard over rows stats made needs no discovery either', () => {
    const q = compileText('* | stats count by user | table * | fields - count', { bindings: [ndjsonBinding('x', [])] });
    expect(q.discoveries).toEqual([]);
    expect(q.fields.map((f) => f.name)).toEqual(['user']);
  });

  it('a query whose wildcard still needs its discovery cannot run', async () => {
    const q = compileText('* | table *', { bindings: [ndjsonBinding('y', EVENTS)] });
    expect(q.discoveries).toHaveLength(1);
    await expect(engine.run(q, () => {})).rejects.toThrow(/field discovery/);
  });
});

describe('limits', () => {
  it(`more than ${MAX_DISCOVERED_FIELDS} fields is an error at the wildcard, not a silent cut`, async () => {
    const wide = Object.fromEntries(Array.from({ length: MAX_DISCOVERED_FIELDS + 1 }, (_, i) => [`f${i}`, i]));
    const bindings = [ndjsonBinding('wide', [{ _time: 1, ...wide }])];
    const err = await compileWith(engine, '* | eval x=1 | table *', { bindings }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DuckhuntError);
    expect((err as DuckhuntError).message).toContain(`the events have ${(MAX_DISCOVERED_FIELDS + 1).toLocaleString('en-US')} fields`);
    expect((err as DuckhuntError).position).toMatchObject({ line: 1, column: 16 });
  });
});
