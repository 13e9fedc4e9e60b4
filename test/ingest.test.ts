// Ingest (NDJSON → day-partitioned Parquet) and time ranges: correct rows, pruning observable in what is read.

import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileText, runText } from '../src/api.ts';
import { resolveTime } from '../src/compile/time.ts';
import { Engine } from '../src/engine/engine.ts';
import { ingest, type IngestReport } from '../src/ingest/ingest.ts';
import { catalogFromFlags } from '../src/sources/catalog.ts';

const tmp = mkdtempSync(join(tmpdir(), 'duckhunt-ingest-'));
const DAY0 = Date.UTC(2024, 2, 1) / 1000; // 2024-03-01
const iso = (t: number) => new Date(t * 1000).toISOString().slice(0, 19);
let engine: Engine;
let report: IngestReport;
const ST = 'o365:management:activity';

beforeAll(async () => {
  engine = await Engine.create({ timezone: 'UTC' });
  // 30 days, one event per hour; a key seen only in the very last record; one broken line; one bad time.
  const lines: string[] = [];
  for (let h = 0; h < 30 * 24; h++) lines.push(JSON.stringify({ CreationTime: iso(DAY0 + h * 3600 + 60), Operation: 'Send', Item: { Subject: `s${h}` }, hour: h }));
  lines.splice(100, 0, '{"CreationTime": "2024-03-05T04:00:00", "Operation": ');
  lines.push(JSON.stringify({ CreationTime: 'not a time', Operation: 'Send', hour: -1 }));
  lines.push(JSON.stringify({ CreationTime: iso(DAY0 + 29 * 86400 + 2 * 3600 + 30 * 60), Operation: 'HardDelete', AffectedItems: [{ Subject: 'late' }], LateOnly: 'yes' }));
  const file = join(tmp, 'audit.ndjson');
  writeFileSync(file, lines.join('\n') + '\n');
  report = await ingest(engine, catalogFromFlags([`${ST}=${file}`]).bindings[0], join(tmp, 'datasets'), { overwrite: false });
});
afterAll(() => engine?.close());

const dataset = () => catalogFromFlags([`${ST}=${join(tmp, 'datasets', 'o365_management_activity')}`]).bindings;

describe('duckhunt ingest', () => {
  it('writes every good record, one partition per day, and reports bad lines and bad times', () => {
    expect(report.events).toBe(30 * 24 + 2);
    expect(report.days).toBe(30);
    expect(report.badLines).toBe(1);
    expect(report.badExamples).toEqual([`${join(tmp, 'audit.ndjson')}:101`]);
    expect(report.untimed).toBe(1);
  });

  it('keeps nested fields and a key first seen in the last record, under the same Splunk names', async () => {
    const bindings = await engine.describeSources(dataset());
    const { rows } = await runText('LateOnly=* | table Operation AffectedItems{}.Subject LateOnly', { bindings, engine });
    expect(rows).toEqual([{ Operation: 'HardDelete', 'AffectedItems{}.Subject': 'late', LateOnly: 'yes' }]);
    const sends = await runText('Operation=Send hour=42 | table Item.Subject _time', { bindings, engine });
    expect(sends.rows).toEqual([{ 'Item.Subject': 's42', _time: '2024-03-02T18:01:00.000+00:00' }]);
  });
});

describe('time ranges', () => {
  const now = DAY0 + 29 * 86400 + 3 * 3600 + 15 * 60; // 2024-03-30 03:15
  it('--earliest/--latest with Splunk modifiers read only the day they touch', async () => {
    const bindings = await engine.describeSources(dataset());
    const timeRange = { earliest: resolveTime('-70m@m', now), latest: resolveTime('-10m@m', now) };
    const q = compileText('sourcetype=o365:management:activity | table _time Operation', { bindings, compile: { now, timeRange } });
    const [scan] = await engine.scanReport(q);
    expect(scan.filesRead).toBe(1);
    expect(scan.filesMatched).toBe(31); // 30 days and the day=NULL partition of the record without a time
    const { rows } = await runText('sourcetype=o365:management:activity | table _time Operation', { bindings, engine, compile: { now, timeRange } });
    // The window is 02:05–03:05 (newest first): the 03:01 send and the 02:30 delete, not the 02:01 send.
    expect(rows).toEqual([
      { _time: '2024-03-30T03:01:00.000+00:00', Operation: 'Send' },
      { _time: '2024-03-30T02:30:00.000+00:00', Operation: 'HardDelete' },
    ]);
  });

  it('earliest= and latest= in the search prune the same way and override the time picker', async () => {
    const bindings = await engine.describeSources(dataset());
    const text = 'sourcetype=o365:management:activity earliest=2024-03-10T00:00:00 latest=2024-03-10T01:00:00 | stats count';
    const q = compileText(text, { bindings, compile: { now, timeRange: { earliest: 0 } } });
    const [scan] = await engine.scanReport(q);
    expect(scan.filesRead).toBe(1);
    expect(scan.bytesRead).toBeGreaterThan(0);
    const { rows } = await runText(text, { bindings, engine, compile: { now } });
    expect(rows).toEqual([{ count: 1 }]);
  });

  it('the same window over the NDJSON gives the same rows', async () => {
    const timeRange = { earliest: resolveTime('-70m@m', now), latest: resolveTime('-10m@m', now) };
    const bindings = catalogFromFlags([`${ST}=${join(tmp, 'audit.ndjson')}`]).bindings;
    const { rows } = await runText('sourcetype=o365:management:activity | table _time Operation', { bindings, engine, compile: { now, timeRange } });
    expect(rows.map((r) => r.Operation)).toEqual(['Send', 'HardDelete']);
  });
});

describe('a field that is text in one record and an object or array in another', () => {
  it('reads the same from the ingested dataset as from the NDJSON', async () => {
    const file = join(tmp, 'mixed.ndjson');
    writeFileSync(
      file,
      [
        { _time: 1, Parameters: 'plain text', n: 1 },
        { _time: 2, Parameters: { Name: 'Identity', Value: 'bob' }, n: 2 },
        { _time: 3, Parameters: [{ Name: 'a' }, { Name: 'b' }], n: 3 },
      ]
        .map((r) => JSON.stringify(r))
        .join('\n'),
    );
    await ingest(engine, catalogFromFlags([`mixed=${file}`]).bindings[0], join(tmp, 'mixed-ds'), { overwrite: false });
    const query = '* | table n Parameters Parameters.Name Parameters{}.Name';
    const expected = [{ n: '3', 'Parameters{}.Name': ['a', 'b'] }, { n: '2', 'Parameters.Name': 'Identity' }, { n: '1', Parameters: 'plain text' }];
    const fromJson = await runText(query, { bindings: catalogFromFlags([`mixed=${file}`]).bindings, engine });
    const fromParquet = await runText(query, { bindings: await engine.describeSources(catalogFromFlags([`mixed=${join(tmp, 'mixed-ds', 'mixed')}`]).bindings), engine });
    expect(fromJson.rows).toEqual(expected);
    expect(fromParquet.rows).toEqual(expected);
  });
});

// ───────────────────────────── atomic, locked, incremental (issue 10.3, X41) ─────────────────────────────

describe('re-running ingest', () => {
  const line = (t: number, extra: Record<string, unknown> = {}) => JSON.stringify({ _time: DAY0 + t, id: `e${t}`, ...extra });
  let n = 0;
  /** A fresh log directory and dataset root; `files` maps names to lines. */
  const setup = (files: Record<string, string[]>) => {
    const dir = join(tmp, `grow-${++n}`);
    mkdirSync(join(dir, 'logs'), { recursive: true });
    for (const [name, lines] of Object.entries(files)) writeFileSync(join(dir, 'logs', name), lines.join('\n') + '\n');
    const binding = () => catalogFromFlags([`grow=${join(dir, 'logs', '*.ndjson')}`]).bindings[0];
    const run = () => ingest(engine, binding(), join(dir, 'out'), { overwrite: false });
    const count = async () => {
      const bindings = await engine.describeSources(catalogFromFlags([`grow=${join(dir, 'out', 'grow')}`]).bindings);
      const { rows } = await runText('* | stats count dc(id) as ids', { bindings, engine });
      return rows[0];
    };
    return { dir, logs: join(dir, 'logs'), run, count };
  };

  it('adds only new files and the lines appended to ingested ones, and says so', async () => {
    const g = setup({ 'a.ndjson': [line(1), line(2)], 'b.ndjson': [line(3)] });
    const first = await g.run();
    expect(first.events).toBe(3);
    appendFileSync(join(g.logs, 'a.ndjson'), line(4, { NewKey: 'appended' }) + '\n');
    writeFileSync(join(g.logs, 'c.ndjson'), line(5) + '\n');
    const second = await g.run();
    expect(second.events).toBe(2);
    expect(second.datasetEvents).toBe(5);
    expect(second.added.map((a) => [a.path.split('/').pop(), a.from > 0])).toEqual([['a.ndjson', true], ['c.ndjson', false]]);
    expect(second.skipped.map((s) => s.path.split('/').pop())).toEqual(['b.ndjson']);
    expect(await g.count()).toEqual({ count: 5, ids: 5 });
    const third = await g.run();
    expect(third.events).toBe(0);
    expect(third.skipped).toHaveLength(3);
    expect(await g.count()).toEqual({ count: 5, ids: 5 });
    // The appended line's new key, and the D7 order of the file's lines across the two batches.
    const bindings = await engine.describeSources(catalogFromFlags([`grow=${join(g.dir, 'out', 'grow')}`]).bindings);
    const { rows } = await runText('* | table id NewKey', { bindings, engine });
    expect(rows).toEqual([{ id: 'e5' }, { id: 'e4', NewKey: 'appended' }, { id: 'e3' }, { id: 'e2' }, { id: 'e1' }]);
  });

  it('a file matched by two patterns is one input', async () => {
    const g = setup({ 'a.ndjson': [line(1), line(2)] });
    const b = catalogFromFlags([`grow=${join(g.logs, '*.ndjson')}`, `grow=${join(g.logs, 'a.ndjson')}`]).bindings[0];
    expect((await ingest(engine, b, join(g.dir, 'out'), { overwrite: false })).events).toBe(2);
    expect(await g.count()).toEqual({ count: 2, ids: 2 });
  });

  it('refuses a file whose ingested content changed, writing nothing', async () => {
    const g = setup({ 'a.ndjson': [line(1), line(2)], 'b.ndjson': [line(3)] });
    await g.run();
    writeFileSync(join(g.logs, 'a.ndjson'), [line(1), line(9)].join('\n') + '\n');
    writeFileSync(join(g.logs, 'new.ndjson'), line(7) + '\n');
    await expect(g.run()).rejects.toThrow(`${join(g.logs, 'a.ndjson')} (its first`);
    expect(await g.count()).toEqual({ count: 3, ids: 3 });
  });

  it('does not ingest a copy or a rotated log twice: only what follows the known content is added', async () => {
    const g = setup({ 'app.ndjson': [line(1), line(2)] });
    await g.run();
    // Rotation: app.ndjson grew, then was renamed app.1.ndjson; a new app.ndjson starts; and a plain copy.
    renameSync(join(g.logs, 'app.ndjson'), join(g.logs, 'app.1.ndjson'));
    appendFileSync(join(g.logs, 'app.1.ndjson'), line(3) + '\n');
    writeFileSync(join(g.logs, 'app.ndjson'), line(4) + '\n');
    writeFileSync(join(g.logs, 'copy.ndjson'), [line(1), line(2)].join('\n') + '\n');
    const r = await g.run();
    expect(r.events).toBe(2);
    expect(r.skipped).toEqual([{ path: join(g.logs, 'copy.ndjson'), of: join(g.logs, 'app.ndjson') }]);
    expect(await g.count()).toEqual({ count: 4, ids: 4 });
  });

  it('holds back a last line still being written, and adds it once complete', async () => {
    const g = setup({ 'live.ndjson': [line(1)] });
    appendFileSync(join(g.logs, 'live.ndjson'), '{"_time": 1709251300, "id": "e2", "pa');
    const first = await g.run();
    expect(first.events).toBe(1);
    expect(first.heldBack).toEqual([{ path: join(g.logs, 'live.ndjson'), bytes: 37 }]);
    expect(first.badLines).toBe(0);
    appendFileSync(join(g.logs, 'live.ndjson'), 'rt": 2}\n' + line(3) + '\n');
    const second = await g.run();
    expect(second.events).toBe(2);
    expect(second.heldBack).toEqual([]);
    expect(await g.count()).toEqual({ count: 3, ids: 3 });
  });

  it('lines appended while an ingest runs are neither lost nor doubled once the next ingest ran', async () => {
    const g = setup({ 'busy.ndjson': Array.from({ length: 2000 }, (_, i) => line(i)) });
    let k = 0;
    const timer = setInterval(() => appendFileSync(join(g.logs, 'busy.ndjson'), line(10_000 + k++, { [`Key${k}`]: 'v' }) + '\n'), 1);
    try {
      await g.run();
    } finally {
      clearInterval(timer);
    }
    await g.run();
    expect(k).toBeGreaterThan(0);
    expect(await g.count()).toEqual({ count: 2000 + k, ids: 2000 + k });
    const bindings = await engine.describeSources(catalogFromFlags([`grow=${join(g.dir, 'out', 'grow')}`]).bindings);
    const { rows } = await runText(`Key${k}=v | table id`, { bindings, engine });
    expect(rows).toEqual([{ id: `e${10_000 + k - 1}` }]);
  });

  it('--overwrite replaces the dataset: its report and the dataset count only the new inputs', async () => {
    const g = setup({ 'a.ndjson': [line(1), line(2)] });
    await g.run();
    rmSync(join(g.logs, 'a.ndjson'));
    writeFileSync(join(g.logs, 'b.ndjson'), line(3) + '\n');
    const r = await ingest(engine, catalogFromFlags([`grow=${join(g.logs, '*.ndjson')}`]).bindings[0], join(g.dir, 'out'), { overwrite: true });
    expect([r.events, r.datasetEvents]).toEqual([1, 1]);
    expect(await g.count()).toEqual({ count: 1, ids: 1 });
  });

  it('a failed --overwrite leaves the previous dataset as it was', async () => {
    const g = setup({ 'a.ndjson': [line(1), line(2)] });
    await g.run();
    writeFileSync(join(g.logs, 'bad.ndjson.gz'), gzipSync(line(3) + '\n').subarray(0, 10));
    const b = catalogFromFlags([`grow=${join(g.logs, '*.ndjson')}`, `grow=${join(g.logs, '*.ndjson.gz')}`]).bindings[0];
    await expect(ingest(engine, b, join(g.dir, 'out'), { overwrite: true })).rejects.toThrow('is truncated');
    expect(await g.count()).toEqual({ count: 2, ids: 2 });
    expect(readdirSync(join(g.dir, 'out')).sort()).toEqual(['grow']); // no staging, lock or moved-aside dataset left
  });

  it('a dataset of an older layout is not mixed with a new batch', async () => {
    const g = setup({ 'a.ndjson': [line(1)] });
    mkdirSync(join(g.dir, 'out', 'grow', 'day=2024-03-01'), { recursive: true });
    await expect(g.run()).rejects.toThrow('which is not a batch of a duckhunt ingest dataset');
  });
});

describe('one ingest at a time', () => {
  const file = join(tmp, 'locked.ndjson');
  writeFileSync(file, JSON.stringify({ _time: DAY0, id: 'x' }) + '\n');
  const binding = () => catalogFromFlags([`locked=${file}`]).bindings[0];

  it('a lock held by a running process refuses the second ingest, naming the holder', async () => {
    const out = join(tmp, 'locked-live');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, '.locked.lock'), JSON.stringify({ pid: process.pid, host: hostname(), started: 'now' }));
    await expect(ingest(engine, binding(), out, { overwrite: false })).rejects.toThrow(`another duckhunt ingest (process ${process.pid} on ${hostname()}`);
  });

  it('a lock left by a process that is gone is taken over, with a message', async () => {
    const out = join(tmp, 'locked-stale');
    mkdirSync(out, { recursive: true });
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    writeFileSync(join(out, '.locked.lock'), JSON.stringify({ pid: dead, host: hostname(), started: 'then' }));
    const r = await ingest(engine, binding(), out, { overwrite: false });
    expect(r.events).toBe(1);
    expect(r.notices).toEqual([`took over the lock of ingest process ${dead}, which is no longer running (it was started then)`]);
    expect(existsSync(join(out, '.locked.lock'))).toBe(false);
  });
});

describe('an ingest stopped midway', () => {
  const BIN = join(import.meta.dirname, '..', 'bin', 'duckhunt.js');
  const big = join(tmp, 'big.ndjson');
  const small = join(tmp, 'small.ndjson');

  /** Starts `duckhunt ingest` of the big file into `out`, and sends `signal` once it has started building. */
  async function interrupted(out: string, signal: NodeJS.Signals): Promise<{ code: number | null; stderr: string }> {
    // The spill directory goes in tmp: a SIGKILL leaves it behind (nothing can remove it then).
    const child = spawn(process.execPath, [BIN, 'ingest', '--sourcetype', 'stop', big, '--out', out, '--temp-dir', tmp], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += String(d)));
    const done = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    for (let i = 0; i < 600 && !readdirSync(out).some((e) => e.startsWith('.stop.staging-')); i++) await new Promise((r) => setTimeout(r, 25));
    await new Promise((r) => setTimeout(r, 300));
    child.kill(signal);
    return { code: await done, stderr };
  }

  beforeAll(() => {
    writeFileSync(big, Array.from({ length: 150_000 }, (_, i) => JSON.stringify({ _time: DAY0 + i, id: `b${i}`, Item: { Subject: `s${i % 97}` }, n: i })).join('\n') + '\n');
    writeFileSync(small, JSON.stringify({ _time: DAY0, id: 'small' }) + '\n');
  });

  const count = async (out: string) => {
    const bindings = await engine.describeSources(catalogFromFlags([`stop=${join(out, 'stop')}`]).bindings);
    return (await runText('* | stats count', { bindings, engine })).rows[0].count;
  };

  it('Ctrl-C leaves the dataset as it was, and no staging or lock behind', async () => {
    const out = join(tmp, 'sigint');
    await ingest(engine, catalogFromFlags([`stop=${small}`]).bindings[0], out, { overwrite: false });
    const r = await interrupted(out, 'SIGINT');
    expect(r.code).toBe(130);
    expect(readdirSync(out)).toEqual(['stop']);
    expect(await count(out)).toBe(1);
  }, 60_000);

  it('SIGKILL leaves the dataset whole; the next ingest clears what was left and takes over the lock', async () => {
    const out = join(tmp, 'sigkill');
    await ingest(engine, catalogFromFlags([`stop=${small}`]).bindings[0], out, { overwrite: false });
    await interrupted(out, 'SIGKILL');
    expect([1, 150_001]).toContain(await count(out)); // never a partial batch
    const r = await ingest(engine, catalogFromFlags([`stop=${small}`]).bindings[0], out, { overwrite: false });
    expect(r.notices.some((m) => m.startsWith('took over the lock of ingest process'))).toBe(true);
    expect(readdirSync(out)).toEqual(['stop']);
  }, 60_000);
});
