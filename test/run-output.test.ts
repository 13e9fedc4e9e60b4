// `duckhunt run`'s outputs end to end: Arrow IPC read back with apache-arrow's reader (DuckDB cannot read Arrow
// IPC here: its arrow extension is not installed and cannot be downloaded), the format taken from -o's
// extension, and the query read from standard input.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC, type Table } from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'duckhunt.js');
const tmp = mkdtempSync(join(tmpdir(), 'duckhunt-output-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function cli(args: string[], input?: string) {
  return spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, timeout: 60_000, input, maxBuffer: 64 * 2 ** 20 });
}
const text = (b: Buffer) => b.toString('utf8');

// Events with a time tie, a missing field, a JSON null, an array (multivalue), a one-element array and numbers.
const EVENTS = [
  { _time: '2024-03-12T13:05:00.123456Z', user: 'alice', n: 3, tags: ['a', 'b'], note: 'x' },
  { _time: '2024-03-12T13:05:00.123456Z', user: 'bob', n: 1.5, tags: ['c'], note: null },
  { _time: '2024-03-12T14:00:00Z', user: 'carol', tags: [] },
];
const ndjson = join(tmp, 'events.json');
writeFileSync(ndjson, EVENTS.map((e) => JSON.stringify(e)).join('\n') + '\n');

const QUERY = '* | eval total=n*2, s=user | table _time user n total tags{} note s';

/** The Arrow table as plain rows: timestamps as epoch microseconds (bigint), lists as arrays. */
function rowsOf(t: Table): Array<Record<string, unknown>> {
  return t.toArray().map((r) => Object.fromEntries(Object.entries(r.toJSON()).map(([k, v]) => [k, v && typeof v === 'object' && 'toArray' in v ? [...(v as unknown as Iterable<unknown>)] : v])));
}

describe('--format arrow', () => {
  let parquet: string;

  it('keeps types: _time a UTC microsecond timestamp, numbers Float64, strings Utf8, multivalue List<Utf8>', () => {
    const out = join(tmp, 'ndjson.arrow');
    const r = cli(['run', '-e', QUERY, '--source', `t=${ndjson}`, '-o', out]);
    expect(text(r.stderr)).toBe('');
    expect(r.status).toBe(0);
    const bytes = readFileSync(out);
    expect(text(bytes.subarray(0, 6))).toBe('ARROW1'); // the IPC file format, footer and all
    const t = tableFromIPC(bytes);
    expect(t.schema.fields.map((f) => `${f.name}: ${f.type}`)).toEqual([
      '_time: Timestamp<MICROSECOND, UTC>',
      'user: Utf8',
      'n: Utf8', // a field from the data is text, as Splunk holds it (X35); computed numbers are numbers
      'total: Float64',
      'tags{}: List<Utf8>',
      'note: Utf8',
      's: Utf8',
    ]);
    const rows = rowsOf(t);
    // Newest first, as Splunk returns events; the tie keeps the file's order.
    expect(rows.map((r) => r.user)).toEqual(['carol', 'alice', 'bob']);
    expect([...(t.getChild('_time')!.data[0].values as BigInt64Array)]).toEqual([1710252000000000n, 1710248700123456n, 1710248700123456n]);
    expect(rows.map((r) => r.total)).toEqual([null, 6, 3]);
    expect(rows.map((r) => r['tags{}'])).toEqual([null, ['a', 'b'], ['c']]);
    expect(rows.map((r) => r.note)).toEqual([null, 'x', null]);
    expect(rows.map((r) => r.n)).toEqual([null, '3', '1.5']);
  });

  it('reads the same from Parquet (an ingested dataset) as from NDJSON', () => {
    const dataset = join(tmp, 'dataset');
    expect(cli(['ingest', '--sourcetype', 't', ndjson, '--out', dataset]).status).toBe(0);
    parquet = join(dataset, 't');
    const fromNdjson = tableFromIPC(readFileSync(join(tmp, 'ndjson.arrow')));
    const r = cli(['run', '-e', QUERY, '--source', `t=${parquet}`, '-f', 'arrow', '-o', join(tmp, 'parquet.arrow')]);
    expect(text(r.stderr)).toBe('');
    const fromParquet = tableFromIPC(readFileSync(join(tmp, 'parquet.arrow')));
    expect(fromParquet.schema.fields.map(String)).toEqual(fromNdjson.schema.fields.map(String));
    expect(rowsOf(fromParquet)).toEqual(rowsOf(fromNdjson));
  });

  it('writes the stream format to a pipe, every row in several batches', () => {
    const r = cli(['run', '-e', '| makeresults count=40000 | streamstats count as n | eval s="v".n, m=if(n%2=0, split("a,b", ","), null())', '-f', 'arrow']);
    expect(text(r.stderr)).toBe('');
    expect(text(r.stdout.subarray(0, 6))).not.toBe('ARROW1');
    const t = tableFromIPC(r.stdout);
    expect(t.numRows).toBe(40000);
    expect(t.batches.length).toBeGreaterThan(1);
    expect(t.getChild('n')!.get(39999)).toBe(40000);
    expect(t.getChild('s')!.get(39999)).toBe('v40000');
    expect([...t.getChild('m')!.get(1)]).toEqual(['a', 'b']);
    expect(t.getChild('m')!.get(0)).toBeNull();
  });

  it.skipIf(spawnSync('script', ['--version']).status !== 0)('refuses to write its binary to a terminal', () => {
    // util-linux `script` gives duckhunt a pseudo-terminal as standard output.
    const command = `exec '${process.execPath}' '${BIN}' run -e '| makeresults' -f arrow`;
    const r = spawnSync('script', ['-qefc', command, '/dev/null'], { cwd: ROOT, timeout: 60_000, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stdout).toContain('--format arrow is binary and standard output is a terminal');
    expect(r.stdout).not.toContain('ARROW1');
  });

  it('writes an empty result as a valid file with its columns', () => {
    const out = join(tmp, 'empty.arrow');
    const r = cli(['run', '-e', '* | where user="nobody" | table _time user tags{}', '--source', `t=${ndjson}`, '-o', out]);
    expect(r.status).toBe(0);
    const t = tableFromIPC(readFileSync(out));
    expect(t.numRows).toBe(0);
    expect(t.schema.fields.map(String)).toEqual(['_time: Timestamp<MICROSECOND, UTC>', 'user: Utf8', 'tags{}: List<Utf8>']);
  });

  it('agrees with the JSON output cell by cell', () => {
    const json = JSON.parse(text(cli(['run', '-e', QUERY, '--source', `t=${parquet}`, '-f', 'json']).stdout)) as Array<Record<string, unknown>>;
    const arrow = rowsOf(tableFromIPC(readFileSync(join(tmp, 'parquet.arrow'))));
    const asJson = arrow.map((r) =>
      Object.fromEntries(
        Object.entries(r)
          .filter(([, v]) => v !== null)
          .map(([k, v]) => [k, k === '_time' ? new Date(Math.round(v as number)).toISOString().replace('Z', '+00:00') : Array.isArray(v) && v.length === 1 ? v[0] : v]),
      ),
    );
    expect(asJson).toEqual(json);
  });
});

describe('-o picks the format from its extension', () => {
  const q = ['-e', '* | table user n', '--source', `t=${ndjson}`];

  it('writes csv, ndjson and parquet by extension (any case; the rest: output.test.ts)', () => {
    expect(cli(['run', ...q, '-o', join(tmp, 'r.csv')]).status).toBe(0);
    expect(readFileSync(join(tmp, 'r.csv'), 'utf8')).toBe('user,n\ncarol,\nalice,3\nbob,1.5\n');
    expect(cli(['run', ...q, '-o', join(tmp, 'R.NDJSON')]).status).toBe(0);
    expect(readFileSync(join(tmp, 'R.NDJSON'), 'utf8').split('\n')[0]).toBe('{"user":"carol"}');
    expect(cli(['run', ...q, '-o', join(tmp, 'r.parquet')]).status).toBe(0);
    expect(readFileSync(join(tmp, 'r.parquet')).subarray(0, 4).toString()).toBe('PAR1');
  });

  it('refuses a format that contradicts the extension, naming both', () => {
    const r = cli(['run', ...q, '-f', 'csv', '-o', join(tmp, 'x.json')]);
    expect(r.status).toBe(2);
    expect(text(r.stderr)).toContain('--format csv conflicts with -o');
    expect(text(r.stderr)).toContain('whose extension .json means json');
  });

  it('writes the table for an unknown extension and says so', () => {
    const r = cli(['run', ...q, '-o', join(tmp, 'r.txt')]);
    expect(r.status).toBe(0);
    expect(text(r.stderr)).toContain('the extension .txt names no format, so the table is written');
    expect(readFileSync(join(tmp, 'r.txt'), 'utf8').split('\n')[0]).toMatch(/^user +\| n/);
  });
});

describe('the query from standard input (-)', () => {
  it('runs it, and error positions name <stdin>', () => {
    const ok = cli(['run', '-', '--source', `t=${ndjson}`, '-f', 'csv'], '* | stats count by user\n');
    expect(text(ok.stdout)).toBe('user,count\nalice,1\nbob,1\ncarol,1\n');
    const bad = cli(['run', '-', '--source', `t=${ndjson}`], '*\n| stats foo(user)\n');
    expect(bad.status).toBe(2);
    expect(text(bad.stderr)).toMatch(/^<stdin>:2:9: unsupported: stats function 'foo\(\)'/);
  });

  it('compile - and check - read it too; a detection YAML on standard input is a detection', () => {
    expect(text(cli(['compile', '-'], '| makeresults count=2').stdout)).toContain('range(2)');
    const check = cli(['check', '-'], '| makeresults\n| bogus');
    expect(check.status).toBe(1);
    expect(text(check.stdout)).toContain("unsupported    <stdin>:2:3: command 'bogus' is not supported");
    const yml = 'name: My Test Detection\nsearch: "| makeresults | `my_test_detection_filter`"\n';
    const r = cli(['run', '-', '-f', 'csv'], yml);
    expect(text(r.stderr)).toBe('');
    expect(text(r.stdout).split('\n')[0]).toBe('_time');
  });
});
