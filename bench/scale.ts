// The 100 M events campaign (issue 13): the headline detection and three security_content detections over
// generated O365 data of growing size, Parquet only, each run a fresh `duckhunt run` process through the real
// command line with `--memory-limit 8GB` (beyond it DuckDB spills to --temp-dir). Writes its section of
// bench/RESULTS.md (between <!-- scale:start --> and <!-- scale:end -->; the rest of the file is kept) and every
// run's figures to bench/out/scale/ as they come, so a campaign that stops half-way still leaves what it measured.
//
//   npm run bench:scale                            sizes 1 M, 10 M and 100 M events per sourcetype
//   npx tsx bench/scale.ts --sizes 1e5,1e6         a try at small sizes (about a minute)
//   options: --reps N (default 3 up to 1 M, 2 up to 10 M, then 1), --memory-limit 8GB, --threads N, --out FILE
//
// Per size: generate the data or reuse it (bench/generate.ts --parquet-only: 100 M events as NDJSON would be
// ~100 GB), then each detection N times. Per run: wall time from spawn to exit (Node's start included), CPU time
// (user + system, bench/cpu-usage.cjs), peak RSS of the process (bench/peak-rss.mjs), bytes spilled (the peak
// size of DuckDB's temporary directory, polled), events/s (the events of the sourcetypes the detection reads over
// the wall time), and the rows. The headline's rows must be the manifest's planted positives, every field, at every
// size, and each corpus detection's row count its known answer over this data. A run that fails (an error, running
// out of memory) or returns other rows is reported as a failure with its reason, never as a time; the campaign goes
// on with the other runs (a failed detection is not repeated at that size), writes what it measured, and exits 1.

import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, relative } from 'node:path';
import { CORPUS } from '../test/support/corpus.ts';
import { dataDir, generate, parseSize, readManifest, type ExpectedRow, type Manifest } from './generate.ts';
import { BENCH, canonicalRow, duckdbVersion, HEADLINE, HEADLINE_FIELDS, machine, MA, median, MT, OUT, ROOT, writeSection, type Machine } from './lib.ts';

const argv = process.argv.slice(2);
const FLAGS = ['--sizes', '--reps', '--memory-limit', '--threads', '--out'];
if (argv.includes('--help') || argv.includes('-h')) {
  // The usage lines of the comment above.
  process.stdout.write(readFileSync(new URL(import.meta.url), 'utf8').split('\n').filter((l) => l.startsWith('//   ')).map((l) => l.slice(5)).join('\n') + '\n');
  process.exit(0);
}
const unknown = argv.find((a, k) => a.startsWith('-') && !FLAGS.includes(a) && !FLAGS.includes(argv[k - 1]));
if (unknown !== undefined) {
  process.stderr.write(`bench:scale: unknown option ${unknown} (options: ${FLAGS.join(', ')}; --help)\n`);
  process.exit(2);
}
const flag = (name: string) => {
  const k = argv.indexOf(name);
  return k >= 0 ? argv[k + 1] : undefined;
};
const sizes = (flag('--sizes') ?? '1e6,1e7,1e8').split(',').map(parseSize);
const repsFor = (events: number) => Number(flag('--reps') ?? (events <= 1e6 ? 3 : events <= 1e7 ? 2 : 1));
const memoryLimit = flag('--memory-limit') ?? '8GB';
const threads = flag('--threads');
const outFile = flag('--out') ?? join(BENCH, 'RESULTS.md');
const WORK = join(OUT, 'scale');
/** Spill beside the data, not in the OS temporary directory: that may be a RAM disk, which would defeat the limit. */
const SPILL = join(WORK, 'spill');
const CLI = join(ROOT, 'bin', 'duckhunt.js');
const CPU_PRELOAD = join(BENCH, 'cpu-usage.cjs');
const RSS_WRAPPER = join(BENCH, 'peak-rss.mjs');

const log = (s: string) => process.stderr.write(s + '\n');

// ───────────────────────────── the detections ─────────────────────────────

type Stem = 'ma' | 'mt';
const SOURCETYPE: Record<Stem, string> = { ma: MA, mt: MT };

interface Detection {
  name: string;
  file: string;
  /** The sourcetypes whose events it reads (for events/s): what its compiled plan scans, checked by hand. */
  reads: Stem[];
  /** Why this one: what it makes the engine do over the generated data. */
  why: string;
  /** Its known answer over the generated data: the manifest's rows, or a row count. */
  expect: 'manifest' | { rows: number; because: string };
}

const corpusFile = (path: string): string => {
  if (!CORPUS) throw new Error('no security_content corpus found (../shared/corpus/security_content, or set DUCKHUNT_CORPUS)');
  return join(CORPUS, 'detections', path);
};

const DETECTIONS: Detection[] = [
  {
    name: 'headline: o365_email_send_and_hard_delete_exfiltration_behavior',
    file: HEADLINE,
    reads: ['ma', 'mt'],
    why: 'the message trace joined with a subsearch over the management activity that groups every send and delete by hour, subject and user (its state grows with the input: 2.9 M groups at 10 M events)',
    expect: 'manifest',
  },
  {
    name: 'detect_password_spray_attack_behavior_on_user',
    file: corpusFile('endpoint/detect_password_spray_attack_behavior_on_user.yml'),
    reads: ['ma'],
    why: "`tstats` over the CIM Authentication data model, which duckhunt's knowledge bundle fills from the management activity's UserLoggedIn events (event type `o365_login`: user, src, action from UserId, ClientIP, Operation): a full scan, 15 % of the events aggregated by action, src and user, then by user with `dc()` and `values()`",
    expect: { rows: 0, because: 'the data has no failed logins, so every user has failure = 0 and `.25 > success/failure` is null' },
  },
  {
    name: 'detect_password_spray_attack_behavior_from_source',
    file: corpusFile('endpoint/detect_password_spray_attack_behavior_from_source.yml'),
    reads: ['ma'],
    why: 'the same data model scan, then grouped by source address instead of user (250 addresses of 8 users each, `values()` and `dc()` of the users): the same first stage with another second one, which shows how much of the time is the scan',
    expect: { rows: 0, because: 'no failed logins, as above' },
  },
  {
    name: 'o365_new_email_forwarding_rule_enabled',
    file: corpusFile('cloud/o365_new_email_forwarding_rule_enabled.yml'),
    reads: ['ma'],
    why: "a production `o365_management_activity` detection whose search terms (Workload=Exchange Operation=UpdateInboxRules) name fields the data has: every event's Workload and Operation are read and compared case-insensitively, the rest of the pipeline (mvfind, spath, mvexpand, dedup, stats) sees no event: the cheapest shape, a needle in a haystack (two columns read, no event kept). Of the 51 detections that read `o365_management_activity`, 47 compile, and 43 of those filter or group by a field the generated Parquet lacks (AppId, SessionId, src_ip, record_type, ModifiedProperties{}.…), so DuckDB answers them from the schema without reading a row (EMPTY_RESULT in their plans); of the four that do read the events, this is the one not deprecated",
    expect: { rows: 0, because: 'the generator writes no UpdateInboxRules operation' },
  },
];

// ───────────────────────────── one run ─────────────────────────────

interface Run {
  events: number;
  detection: string;
  rep: number;
  wallSeconds: number;
  cpuSeconds: number;
  peakRssMB: number;
  spillPeakBytes: number;
  rows: number;
  eventsRead: number;
  eventsPerSecond: number;
  /** Why the run does not count: the CLI's error, or rows that are not the known answer. */
  failure?: string;
  /** The passes a stats ran in after one pass ran out of memory (the CLI's notice; README "Memory"). */
  passes?: number;
}

/** Bytes a directory tree holds on disk now (DuckDB's temporary files may be sparse: allocated blocks, not length). */
function treeBytes(dir: string): number {
  let total = 0;
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return 0; // not created yet, or removed at the run's exit
  }
  for (const e of entries) {
    const p = join(dir, e);
    try {
      const st = lstatSync(p);
      total += st.isDirectory() ? treeBytes(p) : st.blocks * 512;
    } catch {
      // removed while we looked
    }
  }
  return total;
}

/** The rows of an NDJSON result file, each in the canonical form of lib.ts (the headline's fields, in order). */
function readRows(file: string): Record<string, unknown>[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Why the rows are not the detection's known answer over this data set, or undefined when they are. */
function wrongRows(d: Detection, manifest: Manifest, rows: Record<string, unknown>[]): string | undefined {
  if (d.expect === 'manifest') {
    const got = rows.map((r) => canonicalRow(HEADLINE_FIELDS.map((f) => r[f]))).sort();
    const want = manifest.expected.map((e) => canonicalRow(HEADLINE_FIELDS.map((f) => e[f as keyof ExpectedRow]))).sort();
    if (got.length === want.length && got.every((r, k) => r === want[k])) return undefined;
    const wantSet = new Set(want);
    const gotSet = new Set(got);
    return (
      `wrong rows: ${got.length}, the manifest plans ${want.length}; fields: ${HEADLINE_FIELDS.join(', ')}\n` +
      `unexpected:\n${got.filter((r) => !wantSet.has(r)).slice(0, 3).join('\n')}\nmissing:\n${want.filter((r) => !gotSet.has(r)).slice(0, 3).join('\n')}`
    );
  }
  return rows.length === d.expect.rows ? undefined : `wrong rows: ${rows.length}, expected ${d.expect.rows} (${d.expect.because})`;
}

interface Measured {
  status: number | null;
  stderr: string;
  wallSeconds: number;
  cpuSeconds: number;
  peakRssMB: number;
  spillPeakBytes: number;
  command: string;
}

/** `duckhunt ARGS` in a fresh process (peak RSS and CPU time reported by the wrapper and the preload), spilling into its own directory. */
/** The run in progress: stopped with the campaign, so that a stopped campaign leaves no run loading the machine. */
let running: ReturnType<typeof spawn> | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    running?.kill('SIGKILL');
    process.exit(130);
  });
}

async function measure(cliArgs: string[]): Promise<Measured> {
  const spill = join(SPILL, `run-${process.pid}`);
  rmSync(spill, { recursive: true, force: true });
  mkdirSync(spill, { recursive: true });
  const args = ['--require', CPU_PRELOAD, RSS_WRAPPER, ...cliArgs, '--temp-dir', spill];
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  running = child;
  let stderr = '';
  child.stdout.resume();
  child.stderr.on('data', (b) => (stderr += b));
  let spillPeakBytes = 0;
  const poll = setInterval(() => (spillPeakBytes = Math.max(spillPeakBytes, treeBytes(spill))), 250);
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  running = undefined;
  const wallSeconds = (performance.now() - started) / 1000;
  clearInterval(poll);
  rmSync(spill, { recursive: true, force: true });
  const peakRssMB = Number(/peak-rss-kb (\d+)/.exec(stderr)?.[1] ?? NaN) / 1024;
  const cpuSeconds = Number(/cpu-us (\d+)/.exec(stderr)?.[1] ?? NaN) / 1e6;
  const command = `node ${args.map((a) => (/\s/.test(a) ? `'${a}'` : a)).join(' ')}`;
  return { status, stderr, wallSeconds, cpuSeconds, peakRssMB, spillPeakBytes, command };
}

/** What every run pays before reading an event: Node, duckhunt and DuckDB starting (`| makeresults`, median of 3). */
async function startCost(): Promise<number> {
  const walls: number[] = [];
  for (let k = 0; k < 3; k++) {
    const r = await measure(['run', '-e', '| makeresults', '-f', 'csv']);
    if (r.status !== 0) throw new Error(`${r.command} failed:\n${r.stderr}`);
    walls.push(r.wallSeconds);
  }
  return median(walls);
}

/** `duckhunt run` of a detection in a fresh process, its result written as NDJSON to a file; the figures of the run. */
async function runOnce(d: Detection, manifest: Manifest, dir: string, rep: number): Promise<Run> {
  const result = join(WORK, `result-${process.pid}.ndjson`);
  rmSync(result, { force: true });
  const sources = ['--source', `${MA}=${join(dir, 'ma.parquet')}`, '--source', `${MT}=${join(dir, 'mt.parquet')}`];
  const m = await measure(['run', d.file, ...sources, '--memory-limit', memoryLimit, ...(threads ? ['--threads', threads] : []), '-f', 'ndjson', '-o', result]);
  const { wallSeconds, cpuSeconds, peakRssMB, spillPeakBytes } = m;
  let failure: string | undefined;
  let rows: Record<string, unknown>[] = [];
  if (m.status !== 0 || !Number.isFinite(peakRssMB) || !Number.isFinite(cpuSeconds)) {
    // The CLI's own message (its warnings about the detection's semantics are not the reason).
    const lines = m.stderr.split('\n').filter((l) => l.trim() !== '' && !/^(warning: |peak-rss-kb |cpu-us )/.test(l));
    failure = `exit ${m.status}: ${lines.join(' ').slice(0, 400) || '(no message)'}`;
    log(`  failed: ${m.command}\n${m.stderr.trim()}`);
  } else {
    rows = readRows(result);
    failure = wrongRows(d, manifest, rows);
  }
  rmSync(result, { force: true });
  const eventsRead = d.reads.length * manifest.events;
  const passes = /computed in (\d+) passes/.exec(m.stderr)?.[1];
  return {
    failure,
    ...(passes ? { passes: Number(passes) } : {}),
    events: manifest.events,
    detection: d.name,
    rep,
    wallSeconds,
    cpuSeconds,
    peakRssMB,
    spillPeakBytes,
    rows: rows.length,
    eventsRead,
    eventsPerSecond: eventsRead / wallSeconds,
  };
}

// ───────────────────────────── report ─────────────────────────────

const n = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: 0 });
const mb = (bytes: number) => `${n(bytes / 1e6)} MB`;
const secs = (s: number) => (s >= 100 ? `${n(s)} s` : `${s.toFixed(s >= 10 ? 1 : 2)} s`);
const sizeName = (events: number) => (events >= 1e6 ? `${events / 1e6} M` : `${events / 1e3} k`);

interface Summary {
  events: number;
  detection: Detection;
  /** The runs that count (none when the detection failed at this size). */
  runs: Run[];
  failed?: Run;
  wall: number;
  cpu: number;
  rss: number;
  spill: number;
}

function summarize(runs: Run[], manifests: Manifest[]): Summary[] {
  return manifests.flatMap((m) =>
    DETECTIONS.map((d) => {
      const all = runs.filter((r) => r.events === m.events && r.detection === d.name);
      const failed = all.find((r) => r.failure);
      const ok = failed ? [] : all;
      return { events: m.events, detection: d, runs: ok, failed, wall: median(ok.map((r) => r.wallSeconds)), cpu: median(ok.map((r) => r.cpuSeconds)), rss: median(ok.map((r) => r.peakRssMB)), spill: Math.max(0, ...ok.map((r) => r.spillPeakBytes)) };
    }),
  );
}

function report(m: Machine, manifests: Manifest[], runs: Run[], load: { start: number[]; end: number[] }, totalSeconds: number, generatedSeconds: Map<number, number>, start: number): string {
  const command = argv.length === 0 ? 'npm run bench:scale' : `npx tsx bench/scale.ts ${argv.join(' ')}`;
  const la = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(' / ');
  const summaries = summarize(runs, manifests);
  const L: string[] = [];
  L.push('## 100 M events: the headline and three corpus detections as the data grows (bench/scale.ts; `npm run bench:scale`)', '');
  L.push(
    `Generated by \`${command}\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, in ${(totalSeconds / 60).toFixed(1)} minutes (data generation included). ` +
      `Machine: ${m.cpu}, ${m.cores} cores, ${m.ramGiB} GiB RAM; ${m.os}; Node ${m.node}; DuckDB ${m.duckdb}. ` +
      `Load average (1 / 5 / 15 min) ${la(load.start)} at the start, ${la(load.end)} at the end.`,
    '',
  );
  L.push(
    `Each run is a fresh \`node bin/duckhunt.js run DETECTION --source o365:management:activity=ma.parquet --source o365:reporting:messagetrace=mt.parquet --memory-limit ${memoryLimit}${threads ? ` --threads ${threads}` : ''} -f ndjson -o FILE\` ` +
      'over Parquet-only data (`bench/generate.ts --parquet-only`), files warm from their generation or the run before (at 100 M they are larger than the page cache can keep). ' +
      `Wall: spawn to exit, start-up included (\`duckhunt run -e '| makeresults'\` took ${secs(start)} here, median of 3: the fixed part of every figure). ` +
      "CPU: user + system time of the process (all of DuckDB's threads). Peak RSS: the whole process. Spilled: the peak size of DuckDB's temporary directory during the run (polled every 250 ms). " +
      'Events/s: the events of the sourcetypes the detection reads (both for the headline, the management activity for the others) over the wall time. Each figure is the median of the runs at that size (listed under "Every run"). ' +
      "The headline's rows were checked against the generator's planted positives (every field of every row) at every size, and each corpus detection's row count against its known answer: a run that failed or returned other rows shows as **failed**, with its reason below the table, never as a time.",
    '',
  );
  L.push('| events per sourcetype | management activity Parquet | message trace Parquet | planted positives | generated in |', '|---|---|---|---|---|');
  for (const man of manifests) {
    const g = generatedSeconds.get(man.events);
    L.push(`| ${n(man.events)} | ${mb(man.files['ma.parquet'].bytes)} | ${mb(man.files['mt.parquet'].bytes)} | ${n(man.positives)} | ${g === undefined ? `reused (${secs(man.generateSeconds)} when generated)` : secs(g)} |`);
  }
  L.push('');
  L.push('| detection | events per sourcetype | rows | wall | CPU | peak RSS | spilled | events/s |', '|---|---|---|---|---|---|---|---|');
  const failures: string[] = [];
  for (const s of summaries) {
    if (s.failed) {
      const f = s.failed;
      failures.push(`- ${s.detection.name} at ${n(s.events)} events: ${f.failure!.replace(/\n/g, ' ')} (after ${secs(f.wallSeconds)}, peak RSS ${n(f.peakRssMB)} MB, ${mb(f.spillPeakBytes)} spilled)`);
      L.push(`| ${s.detection.name} | ${n(s.events)} | **failed** (${failures.length}) | — | — | — | — | — |`);
      continue;
    }
    const passes = s.runs.map((r) => r.passes).filter((p) => p !== undefined);
    const rows = (s.detection.expect === 'manifest' ? `${n(s.runs[0].rows)} (= manifest)` : n(s.runs[0].rows)) + (passes.length > 0 ? `, its stats in ${[...new Set(passes)].join('/')} passes` : '');
    L.push(`| ${s.detection.name} | ${n(s.events)} | ${rows} | ${secs(s.wall)} | ${secs(s.cpu)} | ${n(s.rss)} MB | ${s.spill > 0 ? mb(s.spill) : '0'} | ${n((s.detection.reads.length * s.events) / s.wall)} |`);
  }
  L.push('');
  if (failures.length > 0) L.push('Failures:', '', ...failures, '');
  if (manifests.length > 1) {
    const steps = manifests.slice(1).map((b, k) => [manifests[k], b] as const);
    L.push('### How time grows', '');
    L.push(`Wall time at each size over the size before (input ${steps.map(([a, b]) => `${n(b.events / a.events)}×`).join(', then ')}); a factor below the input's is the fixed start-up (${secs(start)}) being spread, above it is super-linear work.`, '');
    L.push(`| detection | ${steps.map(([a, b]) => `${sizeName(a.events)} → ${sizeName(b.events)}: time`).join(' | ')} | ${steps.map(([a, b]) => `${sizeName(a.events)} → ${sizeName(b.events)}: peak RSS`).join(' | ')} |`);
    L.push(`|---|${steps.map(() => '---').join('|')}|${steps.map(() => '---').join('|')}|`);
    for (const d of DETECTIONS) {
      const at = (events: number) => summaries.find((s) => s.events === events && s.detection === d)!;
      const cell = (a: Summary, b: Summary, v: (s: Summary) => number, show: (x: number) => string) =>
        a.failed || b.failed ? '— (failed)' : `${(v(b) / v(a)).toFixed(2)}× (${show(v(a))} → ${show(v(b))})`;
      const time = steps.map(([a, b]) => cell(at(a.events), at(b.events), (s) => s.wall, secs));
      const rss = steps.map(([a, b]) => cell(at(a.events), at(b.events), (s) => s.rss, (x) => `${n(x)} MB`));
      L.push(`| ${d.name} | ${time.join(' | ')} | ${rss.join(' | ')} |`);
    }
    L.push('');
  }
  L.push('### The detections', '');
  const shown = (file: string) => (CORPUS && file.startsWith(CORPUS) ? `security_content/${relative(CORPUS, file)}` : relative(ROOT, file));
  for (const d of DETECTIONS) L.push(`- **${d.name}** (\`${shown(d.file)}\`): ${d.why}.${d.expect === 'manifest' ? '' : ` Known answer: ${d.expect.rows} rows (${d.expect.because}).`}`);
  L.push('');
  L.push('<details><summary>Every run</summary>', '', '| events | detection | run | wall s | CPU s | peak RSS MB | spilled MB | rows |', '|---|---|---|---|---|---|---|---|');
  for (const r of runs) L.push(`| ${n(r.events)} | ${r.detection} | ${r.rep + 1} | ${r.wallSeconds.toFixed(2)} | ${r.cpuSeconds.toFixed(2)} | ${r.peakRssMB.toFixed(0)} | ${(r.spillPeakBytes / 1e6).toFixed(0)} | ${r.failure ? `failed: ${r.failure.split('\n')[0]}` : r.rows} |`);
  L.push('', '</details>', '');
  if (runs.some((r) => r.passes)) {
    L.splice(L.indexOf('### The detections'), 0, '"Its stats in N passes": one pass of the statement\'s last `stats` ran out of memory, and duckhunt ran it again in N passes, each over the rows reaching it whose BY values hash to the pass (written once to a temporary table; README "Memory"); the time includes the failed pass.', '');
  }
  return L.join('\n');
}

// ───────────────────────────── main ─────────────────────────────

async function main(): Promise<number> {
  const started = performance.now();
  const load = { start: loadavg(), end: [] as number[] };
  const m = machine(await duckdbVersion());
  mkdirSync(WORK, { recursive: true });
  const record = join(WORK, `scale-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  log(`duckhunt bench:scale: sizes ${sizes.map(n).join(', ')}; --memory-limit ${memoryLimit}; ${m.cores} cores, ${m.ramGiB} GiB; load average ${load.start.map((x) => x.toFixed(2)).join(' ')}; figures in ${relative(ROOT, record)}`);
  for (const d of DETECTIONS) if (!existsSync(d.file)) throw new Error(`detection not found: ${d.file}`);
  const start = await startCost();
  log(`start-up (| makeresults): ${secs(start)}`);
  const manifests: Manifest[] = [];
  const runs: Run[] = [];
  const generatedSeconds = new Map<number, number>();
  for (const events of sizes) {
    const reused = readManifest(dataDir(events)) !== undefined;
    const manifest = await generate(events, { parquetOnly: true, log });
    if (!reused) generatedSeconds.set(events, manifest.generateSeconds);
    manifests.push(manifest);
    const dir = dataDir(events);
    const reps = repsFor(events);
    const failed = new Set<string>();
    for (let rep = 0; rep < reps; rep++) {
      for (const d of DETECTIONS) {
        if (failed.has(d.name)) continue; // once is enough to know
        const r = await runOnce(d, manifest, dir, rep);
        runs.push(r);
        writeFileSync(record, JSON.stringify({ machine: m, memoryLimit, sizes, runs }, null, 1));
        const figures = `${secs(r.wallSeconds)} wall, ${secs(r.cpuSeconds)} CPU, peak RSS ${n(r.peakRssMB)} MB, spilled ${mb(r.spillPeakBytes)}`;
        if (r.failure) failed.add(d.name);
        log(`  ${n(events)} ${d.name} run ${rep + 1}/${reps}: ${r.failure ? `FAILED after ${figures}: ${r.failure}` : `${figures}, ${n(r.eventsPerSecond)} events/s, ${r.rows} rows${r.passes ? `, its stats in ${r.passes} passes` : ''}`}`);
      }
    }
  }
  load.end = loadavg();
  rmSync(SPILL, { recursive: true, force: true });
  writeSection(outFile, 'scale', report(m, manifests, runs, load, (performance.now() - started) / 1000, generatedSeconds, start), '# duckhunt benchmark results');
  log(`wrote the scale section of ${outFile} (${((performance.now() - started) / 60000).toFixed(1)} min)`);
  const failures = runs.filter((r) => r.failure);
  for (const f of failures) log(`FAILED: ${f.detection} at ${n(f.events)} events: ${f.failure}`);
  return failures.length > 0 ? 1 : 0;
}

try {
  process.exitCode = await main();
} catch (e) {
  log(`bench:scale failed: ${(e as Error).stack ?? e}`);
  process.exitCode = 1;
}
