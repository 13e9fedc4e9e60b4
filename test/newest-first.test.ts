// `search … | head N` over an ingested dataset reads the newest day partitions first (src/compile/newest.ts,
// Engine.runNewestFirst): the same rows as reading every day, D7's order of ties in _time included, from fewer
// partitions when the newest days hold N matching events.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runText } from '../src/api.ts';
import { Engine } from '../src/engine/engine.ts';
import { datasetDirName, ingest } from '../src/ingest/ingest.ts';
import { catalogFromFlags, type SourceBinding } from '../src/sources/catalog.ts';

const ST = 'test:newest';
const DAY = 86400;
const T0 = Date.UTC(2024, 2, 1) / 1000;
let engine: Engine;
let ndjson: SourceBinding[];
let dataset: SourceBinding[];

beforeAll(async () => {
  engine = await Engine.create({ timezone: 'UTC' });
  const tmp = mkdtempSync(join(tmpdir(), 'duckhunt-newest-'));
  // Eight days, four events a day; on the newest day two files share each time (ties: source, then line order).
  const lines = (file: string) =>
    Array.from({ length: 8 * 4 }, (_, i) => ({ _time: T0 + Math.floor(i / 4) * DAY + (i % 4) * 60, op: i % 2 === 0 ? 'send' : 'read', n: `${file}${i}` }));
  const a = lines('a').map((e) => JSON.stringify(e));
  const b = lines('b').filter((e) => e._time >= T0 + 7 * DAY).map((e) => JSON.stringify(e));
  // Events without a time sort last (D7), after every day.
  a.push(JSON.stringify({ op: 'late', n: 'untimed1' }), JSON.stringify({ op: 'late', n: 'untimed2' }));
  writeFileSync(join(tmp, 'a.ndjson'), a.join('\n') + '\n');
  writeFileSync(join(tmp, 'b.ndjson'), b.join('\n') + '\n');
  ndjson = catalogFromFlags([`${ST}=${join(tmp, '*.ndjson')}`]).bindings;
  await ingest(engine, ndjson[0], join(tmp, 'ds'), { overwrite: false });
  dataset = catalogFromFlags([`${ST}=${join(tmp, 'ds', datasetDirName(ST))}`]).bindings;
});
afterAll(() => engine?.close());

const run = async (query: string, bindings: SourceBinding[]) => (await runText(query, { bindings, engine })).rows;

describe('head over the newest days of a dataset', () => {
  it('the newest day alone when it holds N events: same rows as every day, ties in file order (D7)', async () => {
    const q = `sourcetype=${ST} | head 5 | table _time n`;
    const rows = await run(q, dataset);
    expect(engine.dayFloors).toEqual(['2024-03-08']);
    // `head limit=5` is the same head, not pushed down: every day is read.
    expect(await run(`sourcetype=${ST} | head limit=5 | table _time n`, dataset)).toEqual(rows);
    expect(await run(q, ndjson)).toEqual(rows);
    expect(rows.map((r) => r.n)).toEqual(['a31', 'b31', 'a30', 'b30', 'a29']);
  });

  it('older days are added until the head is full; a filter before it counts', async () => {
    const q = `sourcetype=${ST} op=send | eval m=n | head 9 | fields m`;
    const rows = await run(q, dataset);
    // The newest day has 4 sends (2 files), the two newest 6, the four newest 10.
    expect(engine.dayFloors).toEqual(['2024-03-08', '2024-03-07', '2024-03-05']);
    expect(await run(q, ndjson)).toEqual(rows);
    expect(rows).toHaveLength(9);
  });

  it('events without a time come after every day: a head that reaches them reads everything', async () => {
    const q = `sourcetype=${ST} | head 50 | table n`;
    const rows = await run(q, dataset);
    expect(engine.dayFloors.at(-1)).toBeNull();
    expect(rows.slice(-2)).toEqual([{ n: 'untimed1' }, { n: 'untimed2' }]);
    expect(await run(q, ndjson)).toEqual(rows);
  });

  it('a command that needs every event before the head is not pushed down', async () => {
    engine.dayFloors = [];
    const q = `sourcetype=${ST} | dedup op | head 2 | table n`;
    expect(await run(q, dataset)).toEqual(await run(q, ndjson));
    expect(engine.dayFloors).toEqual([]);
  });
});
