// Time-range pruning over an ingested dataset: 30 days of management-activity events, ingested into
// day partitions, then a one-hour window (`--earliest -70m@m --latest -10m@m` at a fixed now). Reports the files
// and bytes the Parquet scan read, against a full scan, and the time of both; and `… | head 10`, which reads the
// newest days first (src/compile/newest.ts), against the same head not pushed down (`head limit=10`).
// Run: npx tsx bench/pruning.ts [events-per-day]

import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileText } from '../src/api.ts';
import { resolveTime } from '../src/compile/time.ts';
import { Engine } from '../src/engine/engine.ts';
import { ingest } from '../src/ingest/ingest.ts';
import { catalogFromFlags } from '../src/sources/catalog.ts';

const perDay = Number(process.argv[2] ?? 20_000);
const DAYS = 30;
const out = join(import.meta.dirname, 'out', 'pruning');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const engine = await Engine.create({ timezone: 'UTC' });
const ndjson = join(out, 'audit.ndjson');
const day0 = Date.UTC(2024, 2, 1) / 1000;
// DuckDB writes the NDJSON (fast, deterministic): one event every 86400/perDay seconds for 30 days.
await engine.connection.run(`
  COPY (
    SELECT strftime(make_timestamp(CAST((${day0} + i * (86400.0 / ${perDay})) * 1000000 AS BIGINT)), '%Y-%m-%dT%H:%M:%S') AS CreationTime,
           CASE i % 7 WHEN 0 THEN 'HardDelete' WHEN 1 THEN 'Send' ELSE 'MailItemsAccessed' END AS Operation,
           'Exchange' AS Workload,
           'user' || (i % 500) || '@contoso.com' AS UserId,
           {'Subject': 'subject ' || (i % 997), 'SizeInBytes': i % 100000} AS Item
    FROM range(${DAYS * perDay}) t(i)
  ) TO '${ndjson}' (FORMAT json)`);
const binding = catalogFromFlags([`o365:management:activity=${ndjson}`]).bindings[0];
const t0 = performance.now();
const report = await ingest(engine, binding, join(out, 'datasets'), { overwrite: true });
const ingestSeconds = (performance.now() - t0) / 1000;

const dataset = await engine.describeSources(catalogFromFlags([`o365:management:activity=${join(out, 'datasets', 'o365_management_activity')}`]).bindings);
const now = day0 + 20 * 86400 + 14 * 3600 + 5 * 60; // day 21, 14:05
const query = 'sourcetype=o365:management:activity Operation=HardDelete | stats count by UserId';
const windowed = compileText(query, { bindings: dataset, compile: { now, timeRange: { earliest: resolveTime('-70m@m', now), latest: resolveTime('-10m@m', now) } } });
const full = compileText(query, { bindings: dataset, compile: { now } });

async function measure(q: typeof full) {
  const start = performance.now();
  const [scan] = await engine.scanReport(q);
  return { ...scan, seconds: (performance.now() - start) / 1000 };
}
const w = await measure(windowed);
const f = await measure(full);
const fromNdjson = compileText(query, { bindings: [binding], compile: { now, timeRange: { earliest: resolveTime('-70m@m', now), latest: resolveTime('-10m@m', now) } } });
const ndjsonStart = performance.now();
await engine.run(fromNdjson, () => {});
const ndjsonSeconds = (performance.now() - ndjsonStart) / 1000;
// The newest ten HardDelete events: pushed down (the newest day), and not (`limit=` is the same head, read whole).
const newest = await measure(compileText('sourcetype=o365:management:activity Operation=HardDelete | head 10', { bindings: dataset, compile: { now } }));
const floors = engine.dayFloors.length;
const whole = await measure(compileText('sourcetype=o365:management:activity Operation=HardDelete | head limit=10', { bindings: dataset, compile: { now } }));
const mb = (b: number) => (b / 1024 / 1024).toFixed(1);
const ndjsonBytes = statSync(ndjson).size;
const lines = [
  `events: ${report.events.toLocaleString('en-US')} over ${report.days} days (${mb(ndjsonBytes)} MB NDJSON, ingested in ${ingestSeconds.toFixed(1)} s)`,
  `one-hour window: read ${w.filesRead} of ${w.filesMatched} files, ${mb(w.bytesRead)} MB, ${w.seconds.toFixed(3)} s`,
  `no time range:   read ${f.filesRead} of ${f.filesMatched} files, ${mb(f.bytesRead)} MB, ${f.seconds.toFixed(3)} s`,
  `the same one-hour window over the NDJSON (no pruning possible): ${ndjsonSeconds.toFixed(2)} s`,
  `head 10, newest days first: read ${newest.filesRead} of ${newest.filesMatched} files, ${mb(newest.bytesRead)} MB, ${newest.seconds.toFixed(3)} s (${floors} read(s))`,
  `head 10, every day (limit=10): read ${whole.filesRead} of ${whole.filesMatched} files, ${mb(whole.bytesRead)} MB, ${whole.seconds.toFixed(3)} s`,
];
console.log(lines.join('\n'));
writeFileSync(join(out, 'pruning.txt'), lines.join('\n') + '\n');
engine.close();
