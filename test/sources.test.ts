// Sources: NDJSON and Parquet give the same events; no field is lost wherever it first appears; _time per
// sourcetype; missing files are errors; malformed lines are skipped and reported, never silently.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileText, runText } from '../src/api.ts';
import { ingest } from '../src/ingest/ingest.ts';
import { Engine } from '../src/engine/engine.ts';
import { DuckhuntError } from '../src/errors.ts';
import { catalogFromFlags, type SourceBinding } from '../src/sources/catalog.ts';

const tmp = mkdtempSync(join(tmpdir(), 'duckhunt-sources-'));
let engine: Engine;
beforeAll(async () => {
  engine = await Engine.create({ timezone: 'UTC' });
});
afterAll(() => engine?.close());

function ndjson(name: string, records: unknown[]): string {
  const file = join(tmp, name);
  writeFileSync(file, records.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n');
  return file;
}

const bind = (sourcetype: string, file: string): SourceBinding[] => catalogFromFlags([`${sourcetype}=${file}`]).bindings;

describe('a key first seen late in a file', () => {
  const N = 30_000;
  const records = Array.from({ length: N }, (_, i) => ({ _time: 1_700_000_000 + i, n: i }));
  records.push({ _time: 1_700_000_000 + N, n: N, LateKey: 'found me' } as never);
  const file = ndjson('late.ndjson', records);

  it("is lost by DuckDB's sampled JSON schema (the trap this design avoids)", async () => {
    const r = await engine.connection.runAndReadAll(`SELECT * FROM read_json_auto('${file}') LIMIT 0`);
    expect(r.columnNames()).not.toContain('LateKey');
  });

  it('is found by duckhunt at record 30,001', async () => {
    const { rows } = await runText('LateKey=* | table n LateKey', { bindings: bind('late:test', file), engine });
    expect(rows).toEqual([{ n: String(N), LateKey: 'found me' }]);
  });
});

describe('time per sourcetype', () => {
  it('reads Received with 7-digit fractions for message trace and CreationTime for management activity', async () => {
    const trace = ndjson('trace.ndjson', [{ Received: '2024-03-12T13:05:43.1234567', Status: 'Delivered' }]);
    const mgmt = ndjson('mgmt.ndjson', [{ CreationTime: '2024-03-12T13:05:41', Operation: 'Send' }]);
    const bindings = [...bind('o365:reporting:messagetrace', trace), ...bind('o365:management:activity', mgmt)];
    const { rows } = await runText('* | eval t=_time | table sourcetype t', { bindings, engine });
    expect(rows).toEqual([
      { sourcetype: 'o365:reporting:messagetrace', t: 1710248743.123456 },
      { sourcetype: 'o365:management:activity', t: 1710248741 },
    ]);
  });

  it('reads a top-level _time as epoch or ISO-8601 (UTC without an offset, the offset when given)', async () => {
    const file = ndjson('times.ndjson', [
      { id: 'epoch', _time: 1700000000.5 },
      { id: 'iso', _time: '2023-11-14T22:13:20' },
      { id: 'offset', _time: '2023-11-14T23:13:21+01:00' },
    ]);
    const { rows } = await runText('* | eval t=_time | table id t', { bindings: bind('x', file), engine });
    expect(rows).toEqual([
      { id: 'offset', t: 1700000001 },
      { id: 'epoch', t: 1700000000.5 },
      { id: 'iso', t: 1700000000 },
    ]);
  });
});

describe('Parquet sources', () => {
  it('resolve Splunk names to struct and list fields and give the same rows as NDJSON', async () => {
    const records = [
      { _time: 2, Operation: 'HardDelete', Folder: { Path: '\\Sent Items' }, AffectedItems: [{ Subject: 'a' }, { Subject: 'b' }], Size: 10 },
      { _time: 1, Operation: 'Send', Item: { Subject: 'hello', SizeInBytes: 1024 }, Size: 20 },
    ];
    const file = ndjson('nested.ndjson', records);
    const parquet = join(tmp, 'nested.parquet');
    await engine.connection.run(`COPY (SELECT * FROM read_json_auto('${file}')) TO '${parquet}' (FORMAT parquet)`);
    const query = '* | eval subjects=mvcount(\'AffectedItems{}.Subject\') | table Operation Folder.Path Item.Subject Item.SizeInBytes AffectedItems{}.Subject subjects Size NoSuchField';
    const fromJson = await runText(query, { bindings: bind('t', file), engine });
    const fromParquet = await runText(query, { bindings: bind('t', parquet), engine });
    expect(fromJson.rows).toEqual([
      { Operation: 'HardDelete', 'Folder.Path': '\\Sent Items', 'AffectedItems{}.Subject': ['a', 'b'], subjects: 2, Size: '10' },
      { Operation: 'Send', 'Item.Subject': 'hello', 'Item.SizeInBytes': '1024', Size: '20' },
    ]);
    expect(fromParquet.rows).toEqual(fromJson.rows);
  });
});

describe('bad input', () => {
  it('skips lines that are not JSON objects and reports them with the first line number', async () => {
    const file = ndjson('mixed.ndjson', [{ _time: 1, a: 'x' }, '{"truncated": ', 'garbage', { _time: 2, a: 'y' }, '']);
    const { rows, notices } = await runText('* | table a', { bindings: bind('m', file), engine });
    expect(rows).toEqual([{ a: 'y' }, { a: 'x' }]);
    expect(notices.map((n) => n.message)).toEqual([`skipped 2 line(s) of ${file} that are not JSON objects (first at line 2); sourcetype m`]);
  });

  it('a path that matches no file is an error naming it', async () => {
    const missing = join(tmp, 'nope-*.json');
    await expect(runText('* | stats count', { bindings: bind('m', missing), engine })).rejects.toThrow(DuckhuntError);
    await expect(runText('* | stats count', { bindings: bind('m', missing), engine })).rejects.toThrow(`no file matches ${missing}`);
  });
});

describe('hostile input', () => {
  it('reads a 10 MB line as an event', async () => {
    const big = 'x'.repeat(10 * 1024 * 1024);
    const file = ndjson('tenmeg.ndjson', [{ _time: 1, blob: big, id: 'big' }, { _time: 2, id: 'small' }]);
    const { rows } = await runText('* | eval n=len(blob) | table id n', { bindings: bind('b', file), engine });
    expect(rows).toEqual([{ id: 'small' }, { id: 'big', n: 10 * 1024 * 1024 }]);
  });

  it('an empty file gives no events, not an error', async () => {
    const file = join(tmp, 'empty.ndjson');
    writeFileSync(file, '');
    const { rows } = await runText('* | stats count', { bindings: bind('e', file), engine });
    expect(rows).toEqual([{ count: 0 }]);
  });

  it('binary garbage and invalid times are reported, the good events kept', async () => {
    const file = ndjson('hostile.ndjson', [
      { _time: 5, id: 'ok' },
      '\u0001\u0002\u00ff\u00fe binary',
      { _time: 'yesterday-ish', id: 'untimed' },
      { _time: 3, id: 'also ok', n: 'not a number' },
      { _time: 4, id: 'numeric', n: 12 },
    ]);
    const { rows, notices } = await runText('* | eval big=if(n > 10, "yes", "no") | table id big', { bindings: bind('h', file), engine });
    expect(rows).toEqual([{ id: 'ok', big: 'no' }, { id: 'numeric', big: 'yes' }, { id: 'also ok', big: 'no' }, { id: 'untimed', big: 'no' }]);
    expect(notices.map((n) => n.message)).toEqual([
      `skipped 1 line(s) of ${file} that are not JSON objects (first at line 2); sourcetype h`,
      `1 event(s) of ${file} have no readable _time (first at line 3); they have no _time and are outside any time range; sourcetype h`,
    ]);
  });

  it('--strict fails on the same input instead', async () => {
    const file = ndjson('strict.ndjson', [{ _time: 1, id: 'ok' }, 'not json']);
    const q = compileText('* | table id', { bindings: bind('s', file) });
    await expect(engine.run(q, () => {}, { strict: true })).rejects.toThrow(`skipped 1 line(s) of ${file} that are not JSON objects (first at line 2)`);
  });
});

describe('lines the reader cannot take, and damaged files (X39, X40)', () => {
  const bytes = (name: string, parts: (string | Buffer)[]) => {
    const file = join(tmp, name);
    writeFileSync(file, Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p))));
    return file;
  };

  it('a line with a raw NUL or bytes that are not UTF-8 is skipped and reported; the other events are kept', async () => {
    const file = bytes('unreadable.ndjson', [
      '{"_time": 1, "id": "a"}\n',
      '{"_time": 2, "id": "nul\u0000 inside"}\n', // a raw NUL
      Buffer.from([0x7b, 0x22, 0x69, 0x64, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d, 0x0a]),
      '{"_time": 3, "id": "b"}\n',
      'not json\n',
    ]);
    const { rows, notices } = await runText('* | table id', { bindings: bind('u', file), engine });
    expect(rows).toEqual([{ id: 'b' }, { id: 'a' }]);
    expect(notices.map((n) => n.message)).toEqual([
      `skipped 1 line(s) of ${file} that are not JSON objects (first at line 5); sourcetype u`,
      `skipped 2 line(s) of ${file} that are not UTF-8 text or hold a NUL byte (first at line 2); sourcetype u`,
    ]);
    await expect(engine.run(compileText('* | table id', { bindings: bind('u', file) }), () => {}, { strict: true })).rejects.toThrow('not UTF-8 text or hold a NUL byte');
  });

  it('a line longer than 16 MB is an error naming the file and the line', async () => {
    const file = bytes('long.ndjson', ['{"_time": 1, "id": "a"}\n', `{"_time": 2, "blob": "${'x'.repeat(17 * 1024 * 1024)}"}\n`]);
    await expect(runText('* | table id', { bindings: bind('l', file), engine })).rejects.toThrow(`line 2 of ${file} is longer than 16 MB`);
  });

  const events = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ _time: i, n: i, pad: 'p'.repeat(40) })).join('\n') + '\n';
  const whole = gzipSync(events);

  it('a whole .gz reads every event', async () => {
    const file = bytes('whole.ndjson.gz', [whole]);
    const { rows } = await runText('* | stats count', { bindings: bind('g', file), engine });
    expect(rows).toEqual([{ count: 3000 }]);
  });

  it('a truncated .gz is an error naming it, in run and in ingest', async () => {
    const file = bytes('cut.ndjson.gz', [whole.subarray(0, Math.floor(whole.length / 2))]);
    await expect(runText('* | stats count', { bindings: bind('g', file), engine })).rejects.toThrow(`${file} is truncated`);
    await expect(ingest(engine, bind('g', file)[0], join(tmp, 'cut-ds'), { overwrite: false })).rejects.toThrow(`${file} is truncated`);
  });

  it('a .gz with a damaged byte is an error naming it', async () => {
    const damaged = Buffer.from(whole);
    damaged[Math.floor(damaged.length / 2)] ^= 0xff;
    const file = bytes('damaged.ndjson.gz', [damaged]);
    await expect(runText('* | stats count', { bindings: bind('g', file), engine })).rejects.toThrow(`${file} is corrupt`);
  });
});

describe('Parquet files that cannot be read together', () => {
  it('a column that is an object in one file and a list in another is an error naming both files', async () => {
    const a = join(tmp, 'shape-a.parquet');
    const b = join(tmp, 'shape-b.parquet');
    await engine.connection.run(`COPY (SELECT 1 AS _time, {'a': 1} AS x) TO '${a}' (FORMAT parquet)`);
    await engine.connection.run(`COPY (SELECT 2 AS _time, [1, 2] AS x) TO '${b}' (FORMAT parquet)`);
    await expect(runText('* | table x.a', { bindings: bind('p', join(tmp, 'shape-*.parquet')), engine })).rejects.toThrow(
      `column x has a different shape in ${a} and ${b}`,
    );
  });

  it('a file that is not Parquet is an error naming it', async () => {
    const f = join(tmp, 'fake.parquet');
    writeFileSync(f, 'this is not parquet');
    await expect(runText('* | stats count', { bindings: bind('p', f), engine })).rejects.toThrow(`cannot read the Parquet files of sourcetype p (${f})`);
  });
});

describe('line numbers only when event order can change the result (D7 ties)', () => {
  const file = ndjson('order.ndjson', [{ _time: 1, a: 'x' }]);
  const sql = (q: string) => compileText(`sourcetype=st ${q}`, { bindings: bind('st', file) }).sql;
  it.each([
    ['| stats count values(a) by a', false],
    ['| eval b=lower(a) | where b="x" | bin _time span=1h | stats dc(a) sum(b) perc95(b) by _time', false],
    ['| head 1', true],
    ['| table a', true],
    ['| stats first(a) by a', true],
    ['| stats list(a)', true],
    ['| dedup a | stats count', true],
  ])('%s → numbered: %s', (q, numbered) => {
    expect(sql(q).includes('WITH ORDINALITY')).toBe(numbered);
  });
});
