// The output writers in process: the table (escaping, widths from a sample, fitting a terminal, large results),
// CSV (verbatim, and --csv-safe), JSON keeping data verbatim, the column order Splunk shows after `fields`, Arrow's
// batches and types, and the format an -o file's extension names.

import { describe, expect, it } from 'vitest';
import { compileText } from '../src/api.ts';
import type { Field } from '../src/compile/types.ts';
import type { Row } from '../src/engine/engine.ts';
import { tableFromIPC } from 'apache-arrow';
import { arrowWriter } from '../src/output/arrow.ts';
import { chooseFormat } from '../src/output/choose.ts';
import { createWriter, type WriterOptions } from '../src/output/format.ts';
import { SAMPLE_ROWS } from '../src/output/table.ts';
import { displayWidth, escapeControls } from '../src/output/terminal.ts';

const str = (name: string): Field => ({ name, column: name, type: 'str' });
const num = (name: string): Field => ({ name, column: name, type: 'num' });
const mv = (name: string): Field => ({ name, column: name, type: 'mv' });

async function render(format: 'table' | 'csv' | 'json' | 'ndjson', fields: Field[], chunks: Row[][], opts: WriterOptions = {}): Promise<string> {
  let text = '';
  const writer = createWriter(format, fields, async (t) => void (text += t), opts);
  for (const c of chunks) await writer.write(c);
  await writer.end();
  return text;
}

describe('table: data never reaches a terminal raw', () => {
  it('escapes line breaks, tabs, escape sequences, C1 controls and bidi overrides, one row per line', async () => {
    const evil = 'a\r\nb\tc \x1b[2J\x1b]0;title\x07 \x9b31m \u202egnp.exe';
    const out = await render('table', [str('user'), str('msg')], [[['alice', evil]]]);
    expect(out).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]/);
    const lines = out.split('\n');
    expect(lines[2]).toBe('alice | a\\r\\nb\\tc \\x1b[2J\\x1b]0;title\\x07 \\x9b31m \\u202egnp.exe');
    expect(lines).toHaveLength(5); // header, rule, the row, the count, and the final newline
  });

  it('escapes field names and every value of a multivalue cell', async () => {
    const out = await render('table', [mv('x\ny')], [[[['one\rtwo', 'three']]]]);
    expect(out.split('\n').slice(0, 4)).toEqual(['x\\ny', '--------', 'one\\rtwo', 'three']);
  });

  it('csv, json and ndjson keep the same data verbatim (they are read by programs)', async () => {
    const value = 'a\r\nb\t\x1b[31m';
    expect(await render('json', [str('v')], [[[value]]])).toBe(`[\n${JSON.stringify({ v: value })}\n]\n`);
    expect(await render('ndjson', [str('v')], [[[value]]])).toBe(`${JSON.stringify({ v: value })}\n`);
    expect(await render('csv', [str('v')], [[[value]]])).toBe(`v\n"${value}"\n`);
  });
});

describe('table: streaming, widths from a sample', () => {
  it(`sizes columns from the first ${SAMPLE_ROWS} rows and writes later rows as they come`, async () => {
    const rows: Row[] = Array.from({ length: SAMPLE_ROWS }, (_, i) => [String(i % 10), 'x']);
    const later: Row[] = [['a much longer value than the sample had', 'y']];
    const chunks: string[] = [];
    const writer = createWriter('table', [str('k'), str('v')], async (t) => void chunks.push(t));
    await writer.write(rows);
    expect(chunks).toHaveLength(1); // the sample is full: header and sampled rows are out before the end
    await writer.write(later);
    expect(chunks[1]).toBe('a much longer value than the sample had | y\n'); // it runs over its column, whole
    await writer.end();
    expect(chunks[2]).toBe(`(${(SAMPLE_ROWS + 1).toLocaleString('en-US')} rows)\n`);
  });

  it('writes 150,000 rows and a cell of 150,000 values (Math.max over a spread used to throw)', async () => {
    const many: Row[] = Array.from({ length: 150_000 }, (_, i) => [i]);
    const out = await render('table', [num('n')], [many.slice(0, 75_000), many.slice(75_000)]);
    expect(out.endsWith('(150,000 rows)\n')).toBe(true);
    expect(out.split('\n')).toHaveLength(150_004);
    const values = Array.from({ length: 150_000 }, (_, i) => `v${i}`);
    const cell = await render('table', [mv('v')], [[[values]]]);
    expect(cell.split('\n')).toHaveLength(150_004);
    expect(cell).toContain('\nv149999\n');
  });

  it('starts rules between rows at the first multivalue row after the sample', async () => {
    const out = await render('table', [mv('v')], [Array.from({ length: SAMPLE_ROWS }, () => [['a']]), [[['b', 'c']], [['d']]]]);
    expect(out.split('\n').slice(-8)).toEqual(['a', '-', 'b', 'c', '-', 'd', '(1,002 rows)', '']);
  });
});

describe('table on a terminal', () => {
  const term = { width: 40, maxRows: 3, maxValues: 2 };

  it('cuts long cells to the terminal width with a marker, keeping narrow columns whole', async () => {
    const out = await render('table', [str('_time'), str('_raw')], [[['2024-03-12T13:05:00.000+00:00', 'x'.repeat(100)]]], { table: term });
    const [header, , row] = out.split('\n');
    expect(row).toBe(`2024-03-12T13:05:00.000+00:00 | ${'x'.repeat(7)}…`);
    for (const l of out.split('\n')) expect(displayWidth(l)).toBeLessThanOrEqual(40);
    expect(header.startsWith('_time ')).toBe(true);
  });

  it('counts wide characters as two columns when cutting', async () => {
    const out = await render('table', [str('a'), str('b')], [[['短い', '日本語のテキストはとても長い長い長い長い長い長い長い長い長い']]], { table: { width: 30 } });
    const row = out.split('\n')[2];
    expect(displayWidth(row)).toBeLessThanOrEqual(30);
    expect(row.endsWith('…')).toBe(true);
  });

  it('shows the first rows and says how many there were; multivalue cells show their first values', async () => {
    const rows: Row[] = Array.from({ length: 1234 }, (_, i) => [String(i), ['a', 'b', 'c', 'd']]);
    const out = await render('table', [str('n'), mv('v')], [rows.slice(0, 1000), rows.slice(1000)], { table: term });
    expect(out).toContain('(first 3 of 1,234 rows; -o FILE or a pipe gets them all)');
    expect(out).not.toContain('\n3 ');
    expect(out).toContain('… 2 more values');
  });
});

describe('csv', () => {
  const payloads = ['=HYPERLINK("http://x","y")', '+1+cmd|\'/c calc\'!A0', '-2+3', '@SUM(A1)', '\tx', '\rx'];

  it('writes cells starting with = + - @ verbatim by default (documented)', async () => {
    const out = await render('csv', [str('v')], payloads.map((p) => [[p]]));
    const lines = out.split('\n');
    expect(lines[1]).toBe('"=HYPERLINK(""http://x"",""y"")"');
    expect(lines.slice(2, 5)).toEqual(["+1+cmd|'/c calc'!A0", '-2+3', '@SUM(A1)']);
  });

  it('--csv-safe quotes every cell and neutralises formulas with a leading quote; computed numbers stay numbers', async () => {
    const out = await render('csv', [str('v'), num('n')], payloads.map((p) => [[p, -5]]), { csvSafe: true });
    const lines = out.split('\n');
    expect(lines[0]).toBe('"v","n"');
    expect(lines[1]).toBe(`"'=HYPERLINK(""http://x"",""y"")",-5`);
    expect(lines[3]).toBe(`"'-2+3",-5`);
    expect(lines[4]).toBe(`"'@SUM(A1)",-5`);
    expect(lines[5]).toBe(`"'\tx",-5`);
    expect(lines[6]).toBe(`"'\rx",-5`);
    expect(await render('csv', [str('v')], [[['plain']]], { csvSafe: true })).toBe('"v"\n"plain"\n');
  });
});

describe('escapeControls', () => {
  it('leaves printable text, backslashes and non-Latin scripts alone', () => {
    expect(escapeControls('\\Sent Items 日本 émoji 😀')).toBe('\\Sent Items 日本 émoji 😀');
    expect(escapeControls('\0\x7f\u2066')).toBe('\\x00\\x7f\\u2066');
  });
});

describe('X30: column order after fields', () => {
  it('_time first, the named fields in the order named, _raw last', () => {
    const q = compileText('sourcetype=o365:management:activity | fields UserId Operation Workload', { bindings: [] });
    expect(q.fields.map((f) => f.name)).toEqual(['_time', 'UserId', 'Operation', 'Workload', '_raw']);
    const t = compileText('sourcetype=o365:management:activity | table Workload _raw UserId', { bindings: [] });
    expect(t.fields.map((f) => f.name)).toEqual(['Workload', '_raw', 'UserId']);
  });
});

describe('arrow: batch by batch, never a wrong value', () => {
  const time = (name: string): Field => ({ name, column: name, type: 'num' });

  it('hands each record batch to the destination before the next rows arrive, and the bytes read back whole', async () => {
    const chunks: Uint8Array[] = [];
    const writer = arrowWriter([time('_time'), num('n'), str('s'), mv('m')], async (b) => void chunks.push(b as Uint8Array), { file: false });
    const rows = (from: number, count: number): Row[] => Array.from({ length: count }, (_, i) => [1_700_000_000.5 + from + i, from + i, `v${from + i}`, (from + i) % 3 === 0 ? null : ['a', `${from + i}`]]);
    for (let i = 0; i < 20; i++) await writer.write(rows(i * 2048, 2048));
    const before = chunks.length;
    expect(before).toBeGreaterThanOrEqual(2); // 40,960 rows: two batches of 16,384 are out before the end
    await writer.end();
    const t = tableFromIPC(Buffer.concat(chunks));
    expect(t.numRows).toBe(40_960);
    expect(t.batches.length).toBe(3);
    expect([...(t.getChild('_time')!.data[0].values as BigInt64Array)].slice(0, 2)).toEqual([1_700_000_000_500_000n, 1_700_000_001_500_000n]);
    expect(t.getChild('n')!.get(40_959)).toBe(40_959);
    expect(t.getChild('m')!.get(0)).toBeNull();
    expect([...t.getChild('m')!.get(40_958)]).toEqual(['a', '40958']);
  });

  it('a value that does not fit its field type is an error, never a converted value', async () => {
    const writer = arrowWriter([num('count')], async () => {}, { file: true });
    await writer.write([['12abc']]);
    await expect(writer.end()).rejects.toThrow(/field count is typed as a number but holds string/);
  });
});

describe('the format -o names (X125)', () => {
  it('comes from the extension, any case; -f wins when they agree, and is an error when they do not', () => {
    expect(chooseFormat(undefined, 'out/r.PARQUET')).toEqual({ format: 'parquet' });
    expect(chooseFormat(undefined, 'r.jsonl')).toEqual({ format: 'ndjson' });
    expect(chooseFormat(undefined, 'r.feather')).toEqual({ format: 'arrow' });
    expect(chooseFormat('ndjson', 'r.json')).toEqual({ format: 'ndjson' });
    expect(() => chooseFormat('table', 'r.csv')).toThrow('--format table conflicts with -o r.csv, whose extension .csv means csv');
    expect(chooseFormat('csv', 'r.txt')).toEqual({ format: 'csv' });
  });

  it('is the table, said so, for an unknown extension or none; a device or standard output needs none', () => {
    expect(chooseFormat(undefined, 'results')).toMatchObject({ format: 'table', note: expect.stringContaining('has no extension') });
    expect(chooseFormat(undefined, 'dir.v2/results')).toMatchObject({ format: 'table', note: expect.stringContaining('has no extension') });
    expect(chooseFormat(undefined, '/dev/stdout')).toEqual({ format: 'table' });
    expect(chooseFormat(undefined, undefined)).toEqual({ format: 'table' });
  });
});
