// One timed execution in a fresh process, so that its peak RSS is its own. The orchestrator (bench.ts) spawns it:
//
//   node --import tsx bench/run-one.ts '{"contender":"compiled","format":"ndjson","dir":"bench/out/data/1000000"}'
//
// compiled: what `duckhunt run` does — Engine.create with the CLI's settings, the sources described, the query
//           compiled, then Engine.run: the subsearch statements, the main query streamed chunk by chunk, then the
//           input check (lines that are not JSON, events without a time) that the CLI reports.
// hand:     bench/headline.hand.sql over the same files through the same Engine (same DuckDB settings),
//           streamed chunk by chunk the same way.
// The rows are never gathered: each chunk is reduced to canonical strings (small results) or counted.
// Prints one JSON line: times, rows, a digest of the canonical rows, peak RSS.
//
// With "profile": DIR, each statement also runs under DuckDB's profiler and its plan with timings is written to
// DIR (the JSON profile, and as text: the operator tree with each operator's time), for the analysis in RESULTS.md.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JSDuckDBValueConverter } from '@duckdb/node-api';
import { compileText } from '../src/api.ts';
import { Engine } from '../src/engine/engine.ts';
import { readQueryFile } from '../src/query-file.ts';
import { TYPED_SCAN_VARIABLE } from '../src/sources/ndjson-typed.ts';
import { renderProfile, type ProfileNode } from './profile.ts';
import { bindingsFor, canonicalRow, digest, handSql, handViews, HEADLINE, type Contender, type Format } from './lib.ts';

export interface RunSpec {
  contender: Contender;
  format: Format;
  dir: string;
  /** The SPL query (compiled contender only); default the headline detection. */
  spl?: string;
  /** Keep canonical rows (for the agreement check); otherwise only count them. */
  keepRows?: boolean;
  profile?: string;
  label?: string;
}

export interface RunResult {
  contender: Contender;
  format: Format;
  /** Subsearches + main query, until the last row is streamed out. */
  querySeconds: number;
  /** Compiled only: the CLI's input check after the query (a second pass over NDJSON files). */
  checkSeconds: number;
  /** Compiled only: describe sources + macros + parse + bind + emit, the first (cold) time in this process. */
  coldCompileMs: number;
  rows: number;
  chunks: number;
  digest: string;
  canonical?: string[];
  maxRssMB: number;
  /** RSS right before the query started (engine open, sources described): the baseline. */
  startRssMB: number;
}

async function main(spec: RunSpec): Promise<RunResult> {
  const engine = await Engine.create({ timezone: 'UTC' });
  const canonical: string[] = [];
  let rows = 0;
  let chunks = 0;
  const onRows = (chunk: unknown[][]) => {
    chunks++;
    rows += chunk.length;
    if (spec.keepRows) for (const r of chunk) canonical.push(canonicalRow(r));
  };
  let querySeconds: number;
  let checkSeconds = 0;
  let coldCompileMs = 0;
  let startRssMB: number;
  if (spec.contender === 'compiled') {
    const c0 = performance.now();
    const bindings = await engine.describeSources(bindingsFor(spec.dir, spec.format));
    const source = spec.spl ? { file: undefined, text: spec.spl, detectionName: undefined } : readQueryFile(HEADLINE);
    const q = compileText(source, { bindings });
    coldCompileMs = performance.now() - c0;
    if (spec.profile) await profileCompiled(engine, q.subsearches.map((s) => `CREATE OR REPLACE TEMP TABLE "${s.table}" AS\n${s.sql}`), q.sql, spec);
    startRssMB = process.memoryUsage().rss / 2 ** 20;
    const t0 = performance.now();
    let lastRow = t0;
    await engine.run(q, (chunk) => {
      onRows(chunk);
      lastRow = performance.now();
    });
    const end = performance.now();
    querySeconds = ((rows > 0 ? lastRow : end) - t0) / 1000;
    checkSeconds = rows > 0 ? (end - lastRow) / 1000 : 0;
  } else {
    for (const v of handViews(spec.dir, spec.format)) await engine.connection.run(v);
    const sql = handSql();
    if (spec.profile) await profileCompiled(engine, [], sql, spec);
    startRssMB = process.memoryUsage().rss / 2 ** 20;
    const t0 = performance.now();
    const result = await engine.connection.stream(sql);
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      onRows(chunk.convertRows(JSDuckDBValueConverter) as unknown[][]);
    }
    querySeconds = (performance.now() - t0) / 1000;
  }
  engine.close();
  canonical.sort();
  return {
    contender: spec.contender,
    format: spec.format,
    querySeconds,
    checkSeconds,
    coldCompileMs,
    rows,
    chunks,
    digest: spec.keepRows ? digest(canonical) : '',
    canonical: spec.keepRows ? canonical : undefined,
    maxRssMB: process.resourceUsage().maxRSS / 1024,
    startRssMB,
  };
}

/** Runs the statements once under DuckDB's profiler (not timed) and writes each plan with its timings. */
async function profileCompiled(engine: Engine, before: string[], main: string, spec: RunSpec): Promise<void> {
  const dir = spec.profile!;
  mkdirSync(dir, { recursive: true });
  const name = spec.label ?? `${spec.contender}-${spec.format}`;
  const statements = [...before, main];
  // As Engine.run reads NDJSON first: with the typed scan (src/sources/ndjson-typed.ts), not the line scan.
  await engine.connection.run(`SET VARIABLE ${TYPED_SCAN_VARIABLE} = true`);
  for (let k = 0; k < statements.length; k++) {
    const file = join(dir, `${name}.${k}.json`);
    await engine.connection.run(`PRAGMA enable_profiling = 'json'`);
    await engine.connection.run(`PRAGMA profiling_output = '${file}'`);
    if (k < before.length) await engine.connection.run(statements[k]);
    else await engine.connection.runAndReadAll(statements[k]);
    await engine.connection.run('PRAGMA disable_profiling');
    writeFileSync(join(dir, `${name}.${k}.txt`), renderProfile(JSON.parse(readFileSync(file, 'utf8')) as ProfileNode));
  }
}

const spec = JSON.parse(process.argv[2] ?? '{}') as RunSpec;
try {
  const r = await main(spec);
  process.stdout.write(JSON.stringify(r) + '\n');
} catch (e) {
  process.stderr.write(`run-one failed: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
}
