// Regression (issue 9, item 1): a join must keep every event when many events share a second. When nothing
// after the join needs the event order, NDJSON lines are not numbered (the scan runs on every core), so events of
// the same second in the same file have the same row-order key; a join used to treat them as one row and lost
// the rest (9 % of 1 M generated events, 4 of the sample's 622). 50,000 generated events, counted exactly.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runText } from '../src/api.ts';
import { Engine } from '../src/engine/engine.ts';
import { catalogFromFlags } from '../src/sources/catalog.ts';

const N = 50_000;
const SECONDS = 400; // about 125 events in every second
const events = Array.from({ length: N }, (_, i) => ({
  _time: 1_700_000_000 + (i % SECONDS),
  user: `u${(i * 7) % 41}`,
  kind: i % 3 === 0 ? 'a' : 'b',
}));

const dir = mkdtempSync(join(tmpdir(), 'duckhunt-join-ties-'));
const file = join(dir, 'events.ndjson');
writeFileSync(file, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
const bindings = catalogFromFlags([`ties=${file}`]).bindings;

let engine: Engine;
beforeAll(async () => {
  engine = await Engine.create({ timezone: 'UTC' });
});
afterAll(() => engine?.close());

const countBy = <T>(items: T[], key: (t: T) => string) => {
  const m = new Map<string, number>();
  for (const t of items) m.set(key(t), (m.get(key(t)) ?? 0) + 1);
  return m;
};
const kindA = countBy(
  events.filter((e) => e.kind === 'a'),
  (e) => e.user,
);

async function run(spl: string) {
  const r = await runText(spl, { bindings, engine });
  // The point of the test: lines are not numbered, so ties in _time are real ties in the row-order key.
  expect(r.query.sql).toContain('0::BIGINT AS _dh_line');
  return r.rows;
}

describe('join over 50,000 events with about 125 in every second', () => {
  it('a left join keeps every event', async () => {
    expect(await run('* | join type=left user [ search * kind=a | stats count as na by user ] | stats count')).toEqual([{ count: N }]);
  });

  it('a left join gives each event its own match (max=1)', async () => {
    const expected = events.reduce((sum, e) => sum + (kindA.get(e.user) ?? 0), 0);
    expect(await run('* | join type=left user [ search * kind=a | stats count as na by user ] | stats sum(na) as total')).toEqual([{ total: expected }]);
  });

  it('an inner join keeps every event that has a match', async () => {
    const matched = new Set([...kindA.keys()].filter((u) => u.startsWith('u1')));
    const expected = events.filter((e) => matched.has(e.user)).length;
    expect(expected).toBeGreaterThan(1000);
    expect(await run('* | join user [ search * kind=a user=u1* | stats count by user ] | stats count')).toEqual([{ count: expected }]);
  });

  it('max=0 joins every event with every match', async () => {
    // Each user has events of both kinds, so every event matches two rows.
    expect(await run('* | join user max=0 [ search * | stats count by user kind ] | stats count')).toEqual([{ count: 2 * N }]);
  });
});
