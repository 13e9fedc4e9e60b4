// Sources: NDJSON and Parquet give the same events; no field is lost wherever it first appears; _time per
// sourcetype; missing files are errors; malformed lines are skipped and reported, never silently.

import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { compileText, runText } from '../src/api.ts';
import { ingest } from '../src/ingest/ingest.ts';
import { Engine } from '../src/engine/engine.ts';
import { DuckhuntError } from '../src/errors.ts';
import { catalogFromFlags, type SourceBinding } from '../src/sources/catalog.ts';
import { CheckedFiles, ndjsonProblems, screenNdjson } from '../src/sources/input-check.ts';

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

  it("the check's findings are remembered per unchanged file (a shell's next query), and a file written to is checked again", async () => {
    const file = ndjson('remembered.ndjson', [{ _time: 1, a: 'x' }, 'garbage', { a: 'untimed' }]);
    const checked = new CheckedFiles(0);
    const queries = vi.spyOn(engine.connection, 'runAndReadAll');
    const first = await checked.problems(engine.connection, [file], '_time');
    expect(first).toMatchObject([{ file, bad: 1, firstBad: 2, untimed: 1, firstUntimed: 3 }]);
    queries.mockClear();
    // Unchanged: the same findings, said again, without reading the file.
    expect(await checked.problems(engine.connection, [file], '_time')).toEqual(first);
    expect(queries).not.toHaveBeenCalled();
    // Another time field is another check.
    expect(await checked.problems(engine.connection, [file], 'a')).toMatchObject([{ bad: 1, untimed: 2 }]);
    expect(queries).toHaveBeenCalled();
    appendFileSync(file, 'more garbage\n');
    expect(await checked.problems(engine.connection, [file], '_time')).toMatchObject([{ file, bad: 2, untimed: 1 }]);
    // A file changed too recently to tell is never remembered.
    const recent = new CheckedFiles();
    await recent.problems(engine.connection, [file], '_time');
    queries.mockClear();
    await recent.problems(engine.connection, [file], '_time');
    expect(queries).toHaveBeenCalled();
    queries.mockRestore();
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

  it('a file whose line ends are mixed (CRLF and LF) is an error naming the file and the fix, never a CSV message', async () => {
    const file = bytes('mixed-line-ends.ndjson', ['{"_time": 1, "id": "a"}\r\n{"_time": 2, "id": "b"}\n\n{"_time": 3, "id": "c"}\r\n']);
    const message = `${file} mixes line ends (CRLF and LF, or a lone CR), which duckhunt's line reader cannot read`;
    // Reading lines (the query reads _raw), the input check after a query on the typed scan, the check of its
    // lines, and ingest all say so.
    await expect(runText('* | table _raw', { bindings: bind('mx', file), engine })).rejects.toThrow(message);
    await expect(runText('* | stats count', { bindings: bind('mx', file), engine })).rejects.toThrow(message);
    expect(await screenNdjson(engine.connection, [file], '_time')).toEqual([file]);
    await expect(ndjsonProblems(engine.connection, [file], '_time')).rejects.toThrow(message);
    await expect(ingest(engine, bind('mx', file)[0], join(tmp, 'mixed-ds'), { overwrite: false })).rejects.toThrow(message);
  });

  // The input check's screen (screenNdjson) clears a file without reading its lines only when read_json gave each
  // of its rows a time. Every kind of line the line check reports must keep its file uncleared, and the report
  // must be the line check's own.
  it.each([
    ['not JSON', ['garbage']],
    ['an array', ['[1, 2]']],
    ['an array of objects', ['[{"_time": 5}]']],
    ['a string', ['"str"']],
    ['a number', ['42']],
    ['an object with text after it', ['{"_time": 5} trailing']],
    ['two objects on a line', ['{"_time": 5}{"_time": 6}']],
    ['an object over several lines', ['{"_time": 5,', '"x": 1}']],
    ['a truncated object', ['{"_time": 5']],
    ['an empty object', ['{}']],
    ['no time key', ['{"other": 5}']],
    ['the time key in another case', ['{"_TIME": 5}']],
    ['a null time', ['{"_time": null}']],
    ['an object as the time', ['{"_time": {"a": 5}}']],
    ['a time that is not one', ['{"_time": "not a time"}']],
    ['a time out of range', ['{"_time": 1e400}']],
    ['a null time before a time of the same key', ['{"_time": null, "_time": 5}']],
    ['a raw NUL', ['{"_time": 5, "id": "nul\u0000 inside"}']],
    ['a tab before the object', ['\t{"_time": 5}']],
    ['a form feed before the object', ['\f{"_time": 5}']],
    ['a vertical tab after the object', ['{"_time": 5}\v']],
    ['spaces and a form feed after the object', ['{"_time": 5} \f ']],
    ['only a tab', ['\t']],
    ['spaces around a vertical tab', ['  \v  ']],
    ['bytes that are not UTF-8', [Buffer.from([0x7b, 0x22, 0x5f, 0x74, 0x69, 0x6d, 0x65, 0x22, 0x3a, 0x35, 0x2c, 0x22, 0x69, 0x64, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d])]],
  ])('the screen does not clear a file with a line that is %s', async (what, lines) => {
    const parts = [`{"_time": 1, "id": "a"}`, ...lines, `{"_time": 2, "id": "b"}`].flatMap((l) => [l, '\n']);
    for (const gz of [false, true]) {
      const body = Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));
      const file = join(tmp, `screen-${what.replace(/\W+/g, '-')}.ndjson${gz ? '.gz' : ''}`);
      writeFileSync(file, gz ? gzipSync(body) : body);
      expect(await screenNdjson(engine.connection, [file], '_time')).toEqual([file]);
      const lineByLine = await ndjsonProblems(engine.connection, [file], '_time', undefined, { screen: false });
      expect(lineByLine).toHaveLength(1);
      expect(await ndjsonProblems(engine.connection, [file], '_time')).toEqual(lineByLine);
    }
  });

  it('the screen clears clean files, and only those, whatever the time looks like', async () => {
    const clean = ndjson('screen-clean.ndjson', [{ _time: 1 }, { _time: 1.5 }, { _time: '2024-01-02T03:04:05Z' }, { _time: '/Date(1700000000000)/' }, { _time: -0 }, { _time: '7' }]);
    const blank = bytes('screen-blank-lines.ndjson', ['{"_time": 1}\r\n', '\r\n', '   \r\n', '{"_time": 2}\r\n']);
    const bad = ndjson('screen-bad.ndjson', [{ _time: 1 }, 'garbage']);
    expect(await screenNdjson(engine.connection, [clean, bad, blank], '_time')).toEqual([bad]);
    expect(await ndjsonProblems(engine.connection, [clean, blank], '_time', undefined, { screen: false })).toEqual([]);
    // A time key the screen cannot read as one column, or a TIME_FORMAT, leaves every file to the line check.
    expect(await screenNdjson(engine.connection, [clean], 'a.b')).toEqual([clean]);
    expect(await screenNdjson(engine.connection, [clean], '_time', "strptime(%s, '%Y')")).toEqual([clean]);
  });

  it('a line longer than 16 MB is an error naming the file and the line', async () => {
    const file = bytes('long.ndjson', ['{"_time": 1, "id": "a"}\n', `{"_time": 2, "blob": "${'x'.repeat(17 * 1024 * 1024)}"}\n`]);
    await expect(runText('* | table id', { bindings: bind('l', file), engine })).rejects.toThrow(`line 2 of ${file} is longer than 16 MB`);
    // read_json reads such a line whatever its maximum_object_size: the screen must not clear the file.
    expect(await screenNdjson(engine.connection, [file], '_time')).toEqual([file]);
    await expect(runText('* | stats count', { bindings: bind('l', file), engine })).rejects.toThrow(`line 2 of ${file} is longer than 16 MB`);
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

describe('the typed NDJSON scan (X135): exact, or the line scan', () => {
  // A query whose result cannot depend on event order reads NDJSON with read_json (sources/ndjson-typed.ts); where
  // that cannot be exact it stops and the query reads lines. Each case checks the answer and which scan gave it.
  const typed = async (q: string, file: string) => {
    const before = engine.typedScanFallbacks;
    const { rows, notices } = await runText(q, { bindings: bind('ty', file), engine });
    return { rows, notices, fellBack: engine.typedScanFallbacks > before };
  };
  const raw = (name: string, text: string | Buffer) => {
    const file = join(tmp, name);
    writeFileSync(file, text);
    return file;
  };

  it('is what reads such a query, and only such a query', () => {
    const file = ndjson('typed-sql.ndjson', [{ _time: 1, a: 'x' }]);
    const sql = (q: string) => compileText(`sourcetype=ty ${q}`, { bindings: bind('ty', file) }).sql;
    expect(sql('| stats count by a')).toContain('read_json(');
    expect(sql('| table a')).not.toContain('read_json(');
  });

  it('finds a key first seen after 30,000 records', async () => {
    const file = ndjson('typed-late.ndjson', [...Array.from({ length: 30_000 }, (_, i) => ({ _time: i, n: i })), { _time: 1, LateKey: 'found me' }]);
    expect(await typed('* | stats count by LateKey', file)).toMatchObject({ rows: [{ LateKey: 'found me', count: 1 }], fellBack: false });
  });

  it('reads a key that is a string in one record and an object in another, both ways', async () => {
    const file = ndjson('typed-shape.ndjson', [{ _time: 1, k: 's' }, { _time: 2, k: { x: 'o' } }, { _time: 3, k: ['a', 'b'] }]);
    expect(await typed('* | stats count by k', file)).toMatchObject({ rows: [{ k: 's', count: 1 }], fellBack: false });
    expect(await typed('* | stats count by k.x', file)).toMatchObject({ rows: [{ 'k.x': 'o', count: 1 }], fellBack: false });
    expect(await typed('* | stats count by k{}', file)).toMatchObject({ rows: [{ 'k{}': 'a', count: 1 }, { 'k{}': 'b', count: 1 }], fellBack: false });
  });

  it('reads a flat key with a dot and the nested key as one name, the nested first (X10, X36)', async () => {
    const file = ndjson('typed-dots.ndjson', [{ _time: 1, 'a.b': 'flat' }, { _time: 2, a: { b: 'nested' } }, { _time: 3, 'a.b': 'flat2', a: { b: 'nested2' } }]);
    const r = await typed('* | stats count by a.b', file);
    expect(r).toMatchObject({ rows: [{ 'a.b': 'flat', count: 1 }, { 'a.b': 'nested', count: 1 }, { 'a.b': 'nested2', count: 1 }], fellBack: false });
  });

  it('reads the first of duplicate keys, as the line scan does', async () => {
    const file = ndjson('typed-dup.ndjson', ['{"_time": 1, "d": "first", "d": "second", "o": {"x": 1, "x": 2}}']);
    const lines = await runText('* | table d o.x', { bindings: bind('ty', file), engine });
    expect(lines.rows).toEqual([{ d: 'first', 'o.x': '1' }]);
    expect(await typed('* | stats count by d o.x', file)).toMatchObject({ rows: [{ d: 'first', 'o.x': '1', count: 1 }], fellBack: false });
  });

  it('keeps keys that differ only in case apart: typed when one is read, lines when both are', async () => {
    const file = ndjson('typed-case.ndjson', [{ _time: 1, user: 'b' }, { _time: 2, User: 'A' }, { _time: 3, User: 'C', user: 'c' }]);
    expect(await typed('* | stats count by User', file)).toMatchObject({ rows: [{ User: 'A', count: 1 }, { User: 'C', count: 1 }], fellBack: false });
    expect(compileText('* | stats count by User user', { bindings: bind('ty', file) }).sql).not.toContain('read_json(');
    expect((await typed('* | stats count by User user', file)).rows).toEqual([{ User: 'C', user: 'c', count: 1 }]);
  });

  it('falls back to reading lines when read_json stops on an object split over lines', async () => {
    const file = raw('typed-split.ndjson', '{"_time": 1, "a": "x"}\n{"_time": 3,\n"a": "z"}\n{"_time": 2, "a": "y"}\n');
    const r = await typed('* | stats count by a', file);
    expect(r).toMatchObject({ rows: [{ a: 'x', count: 1 }, { a: 'y', count: 1 }], fellBack: true });
    expect(r.notices.map((n) => n.message)).toEqual([`skipped 2 line(s) of ${file} that are not JSON objects (first at line 2); sourcetype ty`]);
  });

  it('counts only JSON objects as events: lines that are not are skipped and reported', async () => {
    const file = ndjson('typed-bad.ndjson', [{ _time: 1, a: 'x' }, 'garbage', '[1, 2]', '"str"', '42', '{"a": 1} trailing', '{}', { _time: 2, a: 'y' }]);
    const r = await typed('sourcetype=ty | stats count', file);
    expect(r.rows).toEqual([{ count: 3 }]);
    expect(r.fellBack).toBe(true);
    expect(r.notices.map((n) => n.message)).toEqual([
      `skipped 5 line(s) of ${file} that are not JSON objects (first at line 2); sourcetype ty`,
      `1 event(s) of ${file} have no readable _time (first at line 7); they have no _time and are outside any time range; sourcetype ty`,
    ]);
    expect((await typed('* | stats count by a', file)).rows).toEqual([{ a: 'x', count: 1 }, { a: 'y', count: 1 }]);
  });

  it('gives numbers as written (X35): a number read_json may respell sends the query to the line scan', async () => {
    const file = ndjson('typed-numbers.ndjson', ['{"_time": 1, "n": 1.50, "m": 7}', '{"_time": 2, "n": -0, "m": 7}', '{"_time": 3, "n": 1E5, "m": 7}', '{"_time": 4, "l": [2.50]}']);
    expect(await typed('* | stats count by m', file)).toMatchObject({ rows: [{ m: '7', count: 3 }], fellBack: false });
    const r = await typed('* | stats count by n', file);
    expect(r).toMatchObject({ rows: [{ n: '-0', count: 1 }, { n: '1.50', count: 1 }, { n: '1E5', count: 1 }], fellBack: true });
    expect(await typed('* | stats values(l{}) as l', file)).toMatchObject({ rows: [{ l: '2.50' }], fellBack: true });
  });

  it('reads a file with a BOM and CRLF line ends', async () => {
    const file = raw('typed-bom.ndjson', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"_time":1,"a":"x"}\r\n{"_time":2,"a":"y"}\r\n')]));
    expect((await typed('* | stats count by a', file)).rows).toEqual([{ a: 'x', count: 1 }, { a: 'y', count: 1 }]);
  });

  // read_json gives the BOM-prefixed first line as a row of nulls; the line scan reads it. Whichever field a
  // filter reads, and wherever DuckDB's optimizer evaluates that filter, the row must stop the typed scan rather
  // than be dropped by it.
  it.each([
    ['a whole top-level value', 'a=x | stats count'],
    ['a nested value', 'o.k=1 | stats count'],
    ['a multivalue', 'l{}=p | stats count'],
    ['the time', '_time<2 | stats count'],
    ['an eval of a field', '* | eval z=lower(a) | where z="x" | stats count'],
  ])('does not drop a line it cannot read when a filter reads %s', async (what, q) => {
    const file = raw(`typed-bom-${what.replace(/\W+/g, '-')}.ndjson`, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"_time":1,"a":"x","o":{"k":1},"l":["p"]}\n{"_time":2,"a":"y","o":{"k":2},"l":["q"]}\n')]));
    expect(await typed(q, file)).toMatchObject({ rows: [{ count: 1 }], fellBack: true });
  });

  it('reads .gz files', async () => {
    const file = raw('typed.ndjson.gz', gzipSync(Array.from({ length: 500 }, (_, i) => JSON.stringify({ _time: i, k: `v${i % 3}` })).join('\n') + '\n'));
    expect(await typed('* | stats count by k', file)).toMatchObject({ rows: [{ k: 'v0', count: 167 }, { k: 'v1', count: 167 }, { k: 'v2', count: 166 }], fellBack: false });
  });

  it('has no _raw: a query that reads it reads lines', async () => {
    const file = ndjson('typed-raw.ndjson', [{ _time: 1, a: 'needle' }, { _time: 2, a: 'hay' }]);
    expect(await typed('needle | stats count', file)).toMatchObject({ rows: [{ count: 1 }], fellBack: true });
  });
});
