// A daily top-up of an ingested dataset (issue 13, "incremental ingest"): 30 days of management-activity logs, one
// NDJSON file per day. The first 29 days are ingested, then day 30 arrives and `ingest` runs again over the whole
// directory; then once more with nothing new. Compared with rebuilding all 30 days (--overwrite). Reports the
// times and checks that the dataset holds every event once. Run: npx tsx bench/topup.ts [events-per-day]

import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runText } from '../src/api.ts';
import { Engine } from '../src/engine/engine.ts';
import { ingest, type IngestReport } from '../src/ingest/ingest.ts';
import { catalogFromFlags } from '../src/sources/catalog.ts';

const perDay = Number(process.argv[2] ?? 20_000);
const DAYS = 30;
const ST = 'o365:management:activity';
const out = join(import.meta.dirname, 'out', 'topup');
rmSync(out, { recursive: true, force: true });
const logs = join(out, 'logs');
mkdirSync(logs, { recursive: true });

const engine = await Engine.create({ timezone: 'UTC' });
const day0 = Date.UTC(2024, 2, 1) / 1000;
const dayFile = (d: number) => join(logs, `audit-${new Date((day0 + d * 86400) * 1000).toISOString().slice(0, 10)}.ndjson`);
// DuckDB writes each day's NDJSON (fast, deterministic): one event every 86400/perDay seconds.
async function writeDay(d: number): Promise<void> {
  await engine.connection.run(`
    COPY (
      SELECT strftime(make_timestamp(CAST((${day0 + d * 86400} + i * (86400.0 / ${perDay})) * 1000000 AS BIGINT)), '%Y-%m-%dT%H:%M:%S') AS CreationTime,
             CASE i % 7 WHEN 0 THEN 'HardDelete' WHEN 1 THEN 'Send' ELSE 'MailItemsAccessed' END AS Operation,
             'Exchange' AS Workload,
             'user' || (i % 500) || '@contoso.com' AS UserId,
             {'Subject': 'subject ' || (i % 997), 'SizeInBytes': i % 100000} AS Item,
             CASE WHEN i % 7 = 0 THEN [{'Subject': 'deleted ' || (i % 13)}] END AS AffectedItems
      FROM range(${perDay}) t(i)
    ) TO '${dayFile(d)}' (FORMAT json)`);
}
for (let d = 0; d < DAYS - 1; d++) await writeDay(d);

const binding = () => catalogFromFlags([`${ST}=${join(logs, '*.ndjson')}`]).bindings[0];
const datasets = join(out, 'datasets');
async function timed(label: string, overwrite: boolean): Promise<{ label: string; seconds: number; report: IngestReport }> {
  const t0 = performance.now();
  const report = await ingest(engine, binding(), datasets, { overwrite });
  return { label, seconds: (performance.now() - t0) / 1000, report };
}

const initial = await timed(`initial ingest of ${DAYS - 1} days`, false);
await writeDay(DAYS - 1);
const topup = await timed('top-up: day 30 arrives, ingest the directory again', false);
const noop = await timed('again, nothing new', false);
const rebuild = await timed(`rebuild all ${DAYS} days (--overwrite)`, true);

const bindings = await engine.describeSources(catalogFromFlags([`${ST}=${join(datasets, 'o365_management_activity')}`]).bindings);
const { rows } = await runText('sourcetype=o365:management:activity | stats count', { bindings, engine });
const expected = DAYS * perDay;
if (rows[0].count !== expected) throw new Error(`the dataset holds ${rows[0].count} events, not ${expected}`);

const mb = (b: number) => (b / 1024 / 1024).toFixed(1);
const dayBytes = statSync(dayFile(DAYS - 1)).size;
const lines = [
  `${DAYS} days × ${perDay.toLocaleString('en-US')} events (${mb(dayBytes)} MB NDJSON per day); after all runs the dataset holds ${expected.toLocaleString('en-US')} events, each once`,
  ...[initial, topup, noop, rebuild].map(
    (r) =>
      `${r.label.padEnd(52)} ${r.seconds.toFixed(2).padStart(6)} s  added ${r.report.events.toLocaleString('en-US')} events from ${r.report.added.length} file(s), skipped ${r.report.skipped.length}`,
  ),
];
console.log(lines.join('\n'));
writeFileSync(join(out, 'topup.txt'), lines.join('\n') + '\n');
engine.close();
