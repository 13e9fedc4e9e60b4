// The cost of field discovery (src/sources/discover.ts): for wildcard queries over a generated data set, the time
// of the discovery pass (compiling with it) and of the query, over NDJSON and Parquet; and a query that names its
// fields, which runs no discovery. Run: npx tsx bench/discovery.ts [size] [ndjson|parquet] (data from
// bench/generate.ts; both formats unless one is named).

import { loadavg } from 'node:os';
import { join } from 'node:path';
import { compileWith } from '../src/api.ts';
import { Engine } from '../src/engine/engine.ts';
import { bindingsFor, FORMATS, OUT, type Format } from './lib.ts';

const size = Number(process.argv[2] ?? 1e6);
const dir = join(OUT, 'data', String(size));
const formats = process.argv[3] ? [process.argv[3] as Format] : FORMATS;
const QUERIES = [
  'sourcetype=o365:management:activity Operation=HardDelete | table *',
  'sourcetype=o365:management:activity | head 100 | table *',
  'sourcetype=o365:management:activity | stats values(*) AS * by Workload',
  'sourcetype=o365:management:activity | stats dc(*) AS *',
  'sourcetype=o365:management:activity | stats dc(UserId) AS users by Workload',
];

const lines = ['| format | query | discovery passes | compile (s) | run (s) | rows | fields |', '|---|---|---|---|---|---|---|'];
for (const format of formats) {
  for (const query of QUERIES) {
    // A fresh engine per query: no cached file state from the previous one.
    const engine = await Engine.create({ timezone: 'UTC' });
    const t0 = performance.now();
    const q = await compileWith(engine, query, { bindings: bindingsFor(dir, format) });
    const t1 = performance.now();
    let rows = 0;
    await engine.run(q, (chunk) => {
      rows += chunk.length;
    });
    const t2 = performance.now();
    lines.push(`| ${format} | \`${query}\` | ${engine.discoveryPasses} | ${((t1 - t0) / 1000).toFixed(2)} | ${((t2 - t1) / 1000).toFixed(2)} | ${rows} | ${q.fields.length} |`);
    process.stderr.write(lines[lines.length - 1] + '\n');
    engine.close();
  }
}
// Other work on the machine slows every figure alike: say how busy it was.
console.log(lines.join('\n'));
console.log(`\n${size.toLocaleString('en-US')} events per sourcetype; load average at the end ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
