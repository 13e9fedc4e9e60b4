// Ingest (NDJSON → day-partitioned Parquet) and time ranges: correct rows, pruning observable in what is read.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
