// The benchmark: the headline detection compiled by duckhunt against the same detection written by hand in DuckDB
// SQL (bench/headline.hand.sql), over generated O365 data of two sizes, as NDJSON and as Parquet. Writes its two
// sections of bench/RESULTS.md: the figures and the machine (between <!-- bench:start --> and <!-- bench:end -->),
// and bench/NOTES.md, what the figures mean and what would close a gap (<!-- notes:start --> … <!-- notes:end -->).
// The rest of the file (hand-written sections, bench/scale.ts's section) is kept as it is.
//
//   npm run bench          sizes 1 M and 10 M events per sourcetype (about 6 minutes on 2 cores, data cached)
//   npm run bench:quick    sizes 100 k and 1 M, fewer repetitions (about 2 minutes); writes bench/out/RESULTS.quick.md
//   npx tsx bench/bench.ts --sizes 1e6 --reps 5 [--out FILE]
//
// Order of work, per size: generate the data (or reuse it), then the agreement check — every contender runs once
// (untimed: it also warms the page cache) and each must return the planted positives and the same rows as the
// others; only then the timed runs, interleaved: each repetition runs the compiled query and the hand-written SQL
// back to back, on NDJSON and on Parquet, alternating which goes first. Every run is a fresh child process
// (bench/run-one.ts), so its peak RSS is its own. The compile time is measured in this process (median of many).

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileText } from '../src/api.ts';
import { Engine } from '../src/engine/engine.ts';
import { readQueryFile } from '../src/query-file.ts';
import { dataDir, generate, parseSize, type ExpectedRow, type Manifest } from './generate.ts';
import { BENCH, bindingsFor, canonicalRow, duckdbVersion, FORMATS, HEADLINE, HEADLINE_FIELDS, machine, median, quantile, ROOT, writeSection, type Contender, type Format } from './lib.ts';
import type { RunResult, RunSpec } from './run-one.ts';

const argv = process.argv.slice(2);
const flag = (name: string) => {
  const k = argv.indexOf(name);
  return k >= 0 ? argv[k + 1] : undefined;
};
const quick = argv.includes('--quick');
const sizes = (flag('--sizes') ?? (quick ? '1e5,1e6' : '1e6,1e7')).split(',').map(parseSize);
const repsFor = (events: number) => Number(flag('--reps') ?? (quick ? 2 : events >= 5e6 ? 2 : 4));
const outFile = flag('--out') ?? (quick ? join(BENCH, 'out', 'RESULTS.quick.md') : join(BENCH, 'RESULTS.md'));
const COMPILE_RUNS = 200;
/** A query whose state does not grow with the input (one group per workload): its RSS should not either. */
const SMALL_STATE_SPL = 'search sourcetype=o365:management:activity Operation=HardDelete | stats count dc(UserId) as users by Workload';

const log = (s: string) => process.stderr.write(s + '\n');
const started = performance.now();

function runOne(spec: RunSpec): RunResult {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(BENCH, 'run-one.ts'), JSON.stringify(spec)], { cwd: ROOT, encoding: 'utf8', maxBuffer: 256 * 2 ** 20 });
  if (r.status !== 0) throw new Error(`run-one ${JSON.stringify(spec)} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as RunResult;
}

// ───────────────────────────── compile time ─────────────────────────────

async function compileTimes(dir: string): Promise<{ format: Format; medianMs: number; p90Ms: number; runs: number }[]> {
  const engine = await Engine.create({ timezone: 'UTC' });
  const source = readQueryFile(HEADLINE);
  const out = [];
  for (const format of FORMATS) {
    // Describing the sources (Parquet schemas) is I/O done once per run, not compilation: outside the timing.
    const bindings = await engine.describeSources(bindingsFor(dir, format));
    for (let k = 0; k < 20; k++) compileText(source, { bindings }); // warm the JIT
    const ms: number[] = [];
    for (let k = 0; k < COMPILE_RUNS; k++) {
      const t0 = performance.now();
      compileText(source, { bindings });
      ms.push(performance.now() - t0);
    }
    out.push({ format, medianMs: median(ms), p90Ms: quantile(ms, 0.9), runs: COMPILE_RUNS });
  }
  engine.close();
  return out;
}

// ───────────────────────────── one size ─────────────────────────────

interface SizeResult {
  manifest: Manifest;
  agreement: { contender: Contender; format: Format; rows: number; digest: string }[];
  runs: RunResult[];
  smallState: RunResult[];
}

const CONTENDERS: Contender[] = ['compiled', 'hand'];

async function benchSize(events: number): Promise<SizeResult> {
  const manifest = await generate(events, { log });
  const dir = dataDir(events);
  log(`${events.toLocaleString('en-US')} events per sourcetype: agreement check`);
  // The expected rows, every field of each planted positive, from the generator's plan (not from running a query).
  const expected = manifest.expected.map((e) => canonicalRow(HEADLINE_FIELDS.map((f) => e[f as keyof ExpectedRow]))).sort();
  const agreement: SizeResult['agreement'] = [];
  let reference: string[] | undefined;
  for (const format of FORMATS) {
    for (const contender of CONTENDERS) {
      const r = runOne({ contender, format, dir, keepRows: true });
      if (JSON.stringify(r.canonical) !== JSON.stringify(expected)) {
        const wrong = r.canonical!.filter((x) => !expected.includes(x)).slice(0, 2);
        const missing = expected.filter((x) => !r.canonical!.includes(x)).slice(0, 2);
        throw new Error(
          `${contender} over ${format} does not return the planted positives as planned: ${r.rows} rows, expected ${expected.length}\n` +
            `fields: ${HEADLINE_FIELDS.join(', ')}\nunexpected:\n${wrong.join('\n')}\nmissing:\n${missing.join('\n')}`,
        );
      }
      if (reference && JSON.stringify(r.canonical) !== JSON.stringify(reference)) {
        const diff = r.canonical!.filter((x) => !reference!.includes(x)).slice(0, 3);
        throw new Error(`${contender} over ${format} disagrees with compiled over ndjson; first differing rows:\n${diff.join('\n')}`);
      }
      reference ??= r.canonical;
      agreement.push({ contender, format, rows: r.rows, digest: r.digest });
      log(`  ${contender.padEnd(8)} ${format.padEnd(7)} ${r.rows} rows, digest ${r.digest}`);
    }
  }
  const runs: RunResult[] = [];
  const reps = repsFor(events);
  for (let rep = 0; rep < reps; rep++) {
    for (const format of FORMATS) {
      const order: Contender[] = rep % 2 === 0 ? ['compiled', 'hand'] : ['hand', 'compiled'];
      for (const contender of order) {
        const r = runOne({ contender, format, dir, label: `rep${rep}` });
        runs.push(r);
        log(`  rep ${rep + 1}/${reps} ${contender.padEnd(8)} ${format.padEnd(7)} ${r.querySeconds.toFixed(2)} s (+${r.checkSeconds.toFixed(2)} s input check), peak RSS ${r.maxRssMB.toFixed(0)} MB`);
      }
    }
  }
  const smallState: RunResult[] = [];
  for (const format of FORMATS) {
    const r = runOne({ contender: 'compiled', format, dir, spl: SMALL_STATE_SPL, keepRows: true });
    smallState.push(r);
    log(`  small-state query ${format.padEnd(7)} ${r.querySeconds.toFixed(2)} s, peak RSS ${r.maxRssMB.toFixed(0)} MB`);
  }
  return { manifest, agreement, runs, smallState };
}

// ───────────────────────────── report ─────────────────────────────

const f2 = (x: number) => x.toFixed(2);
const mb = (b: number) => `${(b / 1e6).toLocaleString('en-US', { maximumFractionDigits: 0 })} MB`;
const n = (x: number) => x.toLocaleString('en-US');

function pick(s: SizeResult, contender: Contender, format: Format): RunResult[] {
  return s.runs.filter((r) => r.contender === contender && r.format === format);
}

/** Ratios compiled / hand per repetition (the pair ran back to back). */
function ratios(s: SizeResult, format: Format): number[] {
  const c = pick(s, 'compiled', format);
  const h = pick(s, 'hand', format);
  return c.map((r, k) => r.querySeconds / h[k].querySeconds);
}

const TITLE = '# duckhunt benchmark results';

/** The generated section of the results file (its title and the notes are written apart). */
function report(m: ReturnType<typeof machine>, compile: Awaited<ReturnType<typeof compileTimes>>, results: SizeResult[], pruning: string, totalSeconds: number): string {
  const L: string[] = [];
  L.push(`Generated by \`${quick ? 'npm run bench:quick' : 'npm run bench'}\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, in ${(totalSeconds / 60).toFixed(1)} minutes.`, '');
  L.push('## Machine', '');
  L.push(`- CPU: ${m.cpu}, ${m.cores} cores; RAM ${m.ramGiB} GiB`, `- ${m.os}; Node ${m.node}; DuckDB ${m.duckdb}`, '');
  L.push('## Data', '');
  L.push('| events per sourcetype | management activity NDJSON / Parquet | message trace NDJSON / Parquet | planted positives | generated in |', '|---|---|---|---|---|');
  for (const s of results) {
    const f = s.manifest.files;
    L.push(`| ${n(s.manifest.events)} | ${mb(f['ma.ndjson'].bytes)} / ${mb(f['ma.parquet'].bytes)} | ${mb(f['mt.ndjson'].bytes)} / ${mb(f['mt.parquet'].bytes)} | ${s.manifest.positives} | ${f2(s.manifest.generateSeconds)} s |`);
  }
  L.push('');
  L.push('## Agreement (checked before any timing)', '');
  L.push('Each contender ran once per format; each returned exactly the planted positives with every field as the generator planned it (`manifest.json`), and all four returned the same rows (canonical form: as duckhunt prints them, multivalue order kept, numbers rounded to 9 places).', '');
  L.push('| events | compiled NDJSON | hand NDJSON | compiled Parquet | hand Parquet |', '|---|---|---|---|---|');
  for (const s of results) {
    const cell = (c: Contender, f: Format) => {
      const a = s.agreement.find((x) => x.contender === c && x.format === f)!;
      return `${a.rows} rows, \`${a.digest}\``;
    };
    L.push(`| ${n(s.manifest.events)} | ${cell('compiled', 'ndjson')} | ${cell('hand', 'ndjson')} | ${cell('compiled', 'parquet')} | ${cell('hand', 'parquet')} |`);
  }
  L.push('');
  L.push('## Compile time (target < 10 ms)', '');
  L.push('Macros + parse + bind + emit of the headline detection, in process, sources already described; median of runs after a warm-up.', '');
  L.push('| sources | median | p90 | runs |', '|---|---|---|---|');
  for (const c of compile) L.push(`| ${c.format} | ${c.medianMs.toFixed(2)} ms | ${c.p90Ms.toFixed(2)} ms | ${c.runs} |`);
  L.push('');
  L.push('## Execution: compiled vs hand-written SQL (target ≤ 1.1×)', '');
  L.push('Query time is from the first statement (the subsearch) until the last result row; each run is a fresh process reading warm files. The ratio is taken per repetition, compiled and hand-written back to back. The compiled run then checks its NDJSON input (malformed lines, events without a time — what `duckhunt run` reports), a second pass shown separately.', '');
  L.push('| events | format | compiled (median) | hand-written (median) | ratio per pair (median; min–max) | input check (compiled) | events/s compiled | events/s hand |', '|---|---|---|---|---|---|---|---|');
  for (const s of results) {
    for (const format of FORMATS) {
      const c = pick(s, 'compiled', format);
      const h = pick(s, 'hand', format);
      const rs = ratios(s, format);
      const cq = median(c.map((r) => r.querySeconds));
      const hq = median(h.map((r) => r.querySeconds));
      const total = 2 * s.manifest.events;
      L.push(`| ${n(s.manifest.events)} | ${format} | ${f2(cq)} s | ${f2(hq)} s | **${f2(median(rs))}×** (${f2(Math.min(...rs))}–${f2(Math.max(...rs))}) | ${f2(median(c.map((r) => r.checkSeconds)))} s | ${n(Math.round(total / cq))} | ${n(Math.round(total / hq))} |`);
    }
  }
  L.push('');
  L.push('## NDJSON vs Parquet', '');
  L.push('| events | compiled: NDJSON / Parquet | hand-written: NDJSON / Parquet |', '|---|---|---|');
  for (const s of results) {
    const q = (c: Contender, f: Format) => median(pick(s, c, f).map((r) => r.querySeconds));
    L.push(`| ${n(s.manifest.events)} | ${f2(q('compiled', 'ndjson') / q('compiled', 'parquet'))}× | ${f2(q('hand', 'ndjson') / q('hand', 'parquet'))}× |`);
  }
  L.push('');
  if (results.length > 1) {
    const [a, b] = [results[0], results[results.length - 1]];
    const factor = b.manifest.events / a.manifest.events;
    L.push(`## Growth from ${n(a.manifest.events)} to ${n(b.manifest.events)} events (${factor}× the input)`, '');
    L.push('| contender | format | time grows | peak RSS grows |', '|---|---|---|---|');
    for (const c of CONTENDERS) {
      for (const f of FORMATS) {
        const qa = median(pick(a, c, f).map((r) => r.querySeconds));
        const qb = median(pick(b, c, f).map((r) => r.querySeconds));
        const ra = median(pick(a, c, f).map((r) => r.maxRssMB));
        const rb = median(pick(b, c, f).map((r) => r.maxRssMB));
        L.push(`| ${c} | ${f} | ${f2(qb / qa)}× (${f2(qa)} → ${f2(qb)} s) | ${f2(rb / ra)}× (${ra.toFixed(0)} → ${rb.toFixed(0)} MB) |`);
      }
    }
    L.push('');
  }
  L.push('## Peak RSS (target: flat in the input size for a query with a small result)', '');
  L.push(`Peak resident memory of the whole process (Node + DuckDB), per run. The headline detection's subsearch groups by hour, subject and user: its state grows with the input (the hand-written SQL's too). The small-state query \`${SMALL_STATE_SPL}\` keeps one group per workload.`, '');
  L.push('| events | headline compiled NDJSON | headline compiled Parquet | headline hand NDJSON | headline hand Parquet | small-state NDJSON | small-state Parquet |', '|---|---|---|---|---|---|---|');
  for (const s of results) {
    const r = (c: Contender, f: Format) => `${median(pick(s, c, f).map((x) => x.maxRssMB)).toFixed(0)} MB`;
    const ss = (f: Format) => `${s.smallState.find((x) => x.format === f)!.maxRssMB.toFixed(0)} MB`;
    L.push(`| ${n(s.manifest.events)} | ${r('compiled', 'ndjson')} | ${r('compiled', 'parquet')} | ${r('hand', 'ndjson')} | ${r('hand', 'parquet')} | ${ss('ndjson')} | ${ss('parquet')} |`);
  }
  L.push('');
  if (pruning) {
    L.push('## Time-range pruning (bench/pruning.ts)', '', 'A one-hour window (`--earliest -70m@m --latest -10m@m`, fixed `--now`) over 30 days of management activity ingested into day partitions:', '', '```', pruning.trim(), '```', '');
  }
  L.push('## Every run', '', '<details><summary>raw timings</summary>', '', '| events | contender | format | query s | input check s | peak RSS MB |', '|---|---|---|---|---|---|');
  for (const s of results) for (const r of s.runs) L.push(`| ${n(s.manifest.events)} | ${r.contender} | ${r.format} | ${r.querySeconds.toFixed(3)} | ${r.checkSeconds.toFixed(3)} | ${r.maxRssMB.toFixed(0)} |`);
  L.push('', '</details>', '');
  return L.join('\n');
}

// ───────────────────────────── main ─────────────────────────────

const m = machine(await duckdbVersion());
log(`duckhunt bench: sizes ${sizes.map(n).join(', ')}; ${m.cores} cores, ${m.ramGiB} GiB`);
const results: SizeResult[] = [];
for (const size of sizes) results.push(await benchSize(size));
log('compile time');
const compile = await compileTimes(dataDir(sizes[0]));
let pruning = '';
if (!argv.includes('--no-pruning')) {
  log('time-range pruning');
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(BENCH, 'pruning.ts'), quick ? '5000' : '20000'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`pruning.ts failed:\n${r.stderr}`);
  pruning = r.stdout;
}
writeSection(outFile, 'bench', report(m, compile, results, pruning, (performance.now() - started) / 1000), TITLE);
writeSection(outFile, 'notes', readFileSync(join(BENCH, 'NOTES.md'), 'utf8'), TITLE);
log(`wrote ${outFile} (${((performance.now() - started) / 60000).toFixed(1)} min)`);
