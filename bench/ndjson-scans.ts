// The NDJSON scans compared by process CPU time (which a busy machine distorts far less than wall time): the
// headline compiled and run with the typed scan (X135), the same SQL reading lines (the scan before it), and the
// hand-written SQL, interleaved in one process, then the input check. Prints each run and the medians.
//
//   npx tsx bench/ndjson-scans.ts bench/out/data/1000000 3

import { compileText } from '../src/api.ts';
import { Engine } from '../src/engine/engine.ts';
import { readQueryFile } from '../src/query-file.ts';
import { TYPED_SCAN_VARIABLE } from '../src/sources/ndjson-typed.ts';
import { bindingsFor, handSql, handViews, HEADLINE } from './lib.ts';

const dir = process.argv[2] ?? 'bench/out/data/1000000';
const reps = Number(process.argv[3] ?? 3);
const engine = await Engine.create({ timezone: 'UTC' });
const bindings = await engine.describeSources(bindingsFor(dir, 'ndjson'));
const q = compileText(readQueryFile(HEADLINE), { bindings });
for (const v of handViews(dir, 'ndjson')) await engine.connection.run(v);
const measure = async (f: () => Promise<unknown>) => { const t = performance.now(); const c0 = process.cpuUsage(); await f(); const c = process.cpuUsage(c0); return { wall: (performance.now() - t) / 1000, cpu: (c.user + c.system) / 1e6 }; };
const compiled = (typed: boolean) => async () => {
  await engine.connection.run(`SET VARIABLE ${TYPED_SCAN_VARIABLE} = ${typed}`);
  for (const s of q.subsearches) await engine.connection.run(`CREATE OR REPLACE TEMP TABLE "${s.table}" AS ${s.sql}`);
  const r = await engine.connection.runAndReadAll(q.sql);
  if (r.getRowsJS().length === 0) throw new Error('no rows');
};
const out: Record<string, { wall: number; cpu: number }[]> = {};
for (let i = 0; i < reps; i++) {
  const order = i % 2 === 0 ? ['typed', 'lines', 'hand'] : ['hand', 'lines', 'typed'];
  for (const name of order) {
    const m = name === 'hand' ? await measure(async () => engine.connection.runAndReadAll(handSql())) : await measure(compiled(name === 'typed'));
    (out[name] ??= []).push(m);
    console.log(i, name, 'cpu', m.cpu.toFixed(2), 'wall', m.wall.toFixed(2));
  }
  const chk = await measure(() => engine.inputProblems(q.bindings));
  (out.check ??= []).push(chk);
  console.log(i, 'check', 'cpu', chk.cpu.toFixed(2), 'wall', chk.wall.toFixed(2));
}
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const [k, v] of Object.entries(out)) console.log(k, 'median cpu', med(v.map((x) => x.cpu)).toFixed(2), 'median wall', med(v.map((x) => x.wall)).toFixed(2));
