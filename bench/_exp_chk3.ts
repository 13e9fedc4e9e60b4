import { Engine } from '../src/engine/engine.ts';
import { ndjsonProblems } from '../src/sources/input-check.ts';
const engine = await Engine.create({ timezone: 'UTC' });
const c = engine.connection;
const D = process.argv[2];
const sets = [[`${D}/ma.ndjson`, 'CreationTime'], [`${D}/mt.ndjson`, 'Received']] as const;
const res: Record<string, number[]> = {};
for (let rep = 0; rep < Number(process.argv[3] ?? 3); rep++) for (const screen of [false, true]) {
  const t = performance.now();
  for (const [f, key] of sets) await ndjsonProblems(c, [f], key, undefined, { screen });
  (res[String(screen)] ??= []).push((performance.now() - t) / 1000);
}
for (const [k, v] of Object.entries(res)) console.log('screen', k, v.map((x) => x.toFixed(2)).join(' '));
