// A stats whose groups do not fit in memory runs in passes (PassesPlan in src/compile/pipeline.ts): DuckDB 1.5
// cannot spill the lists values() keeps per group, so the engine computes the groups of one hash partition of
// the BY values at a time. These cases hold it to the one-pass answer, and to running in passes only where the
// commands after the stats cannot tell.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runText } from '../src/api.ts';
import { Engine, passCounts } from '../src/engine/engine.ts';
import { catalogFromFlags } from '../src/sources/catalog.ts';

const tmp = mkdtempSync(join(tmpdir(), 'duckhunt-passes-'));
const events = join(tmp, 'events.ndjson');
// Keys that are numbers and text, a multivalue BY field, events without a BY value, ties.
writeFileSync(
  events,
  Array.from({ length: 300 }, (_, i) =>
    JSON.stringify({
      _time: 1_700_000_000 + (i % 17),
      user: i % 7 === 0 ? undefined : `u${i % 11}`,
      port: i % 5 === 0 ? 'none' : i % 13,
      tags: [`t${i % 5}`, `t${(i + 2) % 5}`],
      bytes: i,
    }),
  ).join('\n') + '\n',
);
const bindings = catalogFromFlags([`test:events=${events}`]).bindings;

let onePass: Engine;
let inPasses: Engine;
beforeAll(async () => {
  onePass = await Engine.create({ timezone: 'UTC' });
  inPasses = await Engine.create({ timezone: 'UTC', statsPasses: 4 });
});
afterAll(() => {
  onePass?.close();
  inPasses?.close();
});

const both = async (query: string) => {
  const one = await runText(query, { bindings, engine: onePass });
  const four = await runText(query, { bindings, engine: inPasses });
  return { one, four, planned: Boolean(one.query.passes) || one.query.subsearches.some((s) => s.passes) };
};

describe('stats in passes', () => {
  it.each([
    [0, [4, 16, 64, 256]],
    [100, [4, 16, 64, 256]],
    [50, [4, 16, 64, 256]],
    [20, [16, 64, 256]],
    [3, [128]],
    [0.5, [256]],
  ])('after one pass ran out of memory at %s%% of its input, tries %j passes', (reached, counts) => {
    expect(passCounts(reached)).toEqual(counts);
  });

  it.each([
    ['numbers and text as keys, in Splunk order', 'sourcetype=test:events | stats count sum(bytes) as b values(user) as users by port'],
    ['two keys, events without one dropped', 'sourcetype=test:events | stats count values(port) as ports by user, port | where count > 1'],
    ['a multivalue BY field splits its events', 'sourcetype=test:events | stats count dc(user) as users list(bytes) as b by tags{} | eval x = users * 2'],
    ['row-by-row commands after it', 'sourcetype=test:events | stats values(bytes) as b by user | eval n = mvcount(b) | where n > 20 | rename n as size | fields user size'],
    ['row order: list(), first(), last(), earliest()', 'sourcetype=test:events | stats list(bytes) as l first(bytes) as f last(user) as lu earliest(bytes) as e latest(user) as lt by port'],
    ['a join subsearch ending in a stats', 'sourcetype=test:events | stats count by user | join user [search sourcetype=test:events | stats values(port) as ports by user | search ports=3]'],
  ])('%s: the same rows as one pass', async (_name, query) => {
    const { one, four, planned } = await both(query);
    expect(planned).toBe(true);
    expect(one.rows.length).toBeGreaterThan(3);
    expect(four.rows).toEqual(one.rows);
  });

  it.each([
    ['head', 'sourcetype=test:events | stats count by user | head 2', 2],
    ['sort', 'sourcetype=test:events | stats count by user | sort - count | head 3', 3],
    ['a second stats', 'sourcetype=test:events | stats count by user | stats count', 1],
    ['streamstats', 'sourcetype=test:events | stats count by user | streamstats count as n | where n = 1', 1],
    ['dedup', 'sourcetype=test:events | stats count by user, port | dedup user | stats count', 1],
  ])('not after a stats followed by %s, which sees every group', async (_name, query, rows) => {
    // In passes, these would see one partition's groups at a time: head 2 would keep 2 rows per pass.
    const { one, four, planned } = await both(query);
    expect(planned).toBe(false);
    expect(one.rows).toHaveLength(rows);
    expect(four.rows).toEqual(one.rows);
  });

  it('when one pass runs out of memory, runs again in passes and says so', { timeout: 60_000 }, async () => {
    // ~1 M lists of values in 300,000 groups do not fit in 100 MB (DuckDB cannot spill them); 4 passes do.
    const query = '| makeresults count=1000000 | streamstats count as n | eval k = n % 300000, v = md5(tostring(n)) | stats values(v) as v count by k | where count > 3';
    const small = await Engine.create({ timezone: 'UTC', memoryLimit: '100MB', threads: 2 });
    const large = await Engine.create({ timezone: 'UTC', memoryLimit: '2GB', threads: 2 });
    try {
      const expected = await runText(query, { bindings: [], engine: large });
      expect(expected.notices).toEqual([]);
      const got = await runText(query, { bindings: [], engine: small });
      expect(got.notices.map((n) => n.kind)).toEqual(['stats_passes']);
      expect(got.notices[0].message).toMatch(/^stats at 1:100 \(stats values\(v\) as v count by k\) ran out of memory in one pass \(memory limit 100MB\), so its groups were computed in \d+ passes/);
      expect(got.rows.length).toBe(100_000);
      expect(got.rows).toEqual(expected.rows);
    } finally {
      small.close();
      large.close();
    }
  });

  it('a stats the engine cannot run in passes still fails with the memory advice', async () => {
    const query = '| makeresults count=1000000 | streamstats count as n | eval k = n % 300000, v = md5(tostring(n)) | stats values(v) as v count by k | sort - count';
    const small = await Engine.create({ timezone: 'UTC', memoryLimit: '100MB', threads: 2 });
    try {
      await expect(runText(query, { bindings: [], engine: small })).rejects.toThrow(/ran out of memory.*memory limit 100MB/);
    } finally {
      small.close();
    }
  });

  it('writes Parquet from passes (run -o x.parquet)', async () => {
    const q = (await runText('sourcetype=test:events | stats count values(user) as users by port', { bindings, engine: onePass })).query;
    const [one, four] = [join(tmp, 'one.parquet'), join(tmp, 'four.parquet')];
    await onePass.copyToParquet(q, one);
    await inPasses.copyToParquet(q, four);
    const read = async (file: string) => (await onePass.connection.runAndReadAll(`SELECT * FROM read_parquet('${file}')`)).getRowsJS();
    const rows = await read(four);
    expect(rows).toHaveLength(14);
    expect(rows).toEqual(await read(one));
  });
});
