// What `duckhunt run` holds in memory, measured as the peak RSS of the whole process (Node, DuckDB and the
// output writer), each run a fresh process:
//
// 1. against --memory-limit, for queries whose working state exceeds the limit (a values() aggregation, a
//    full sort, a join): the flag bounds DuckDB's buffer pool, not the process;
// 2. every output format as the result grows from 100,000 to 1,000,000 and 3,000,000 rows (DuckDB held to 100 MB):
//    table, csv, json, ndjson and arrow written to a pipe, parquet and arrow to a file (-o). Parquet is written
//    by DuckDB alone, so its growth is DuckDB's (the result's sort filling its pool); a writer that kept rows
//    would grow beyond it, and on from 1 M to 3 M.
//
//   npm run bench:memory                 writes bench/MEMORY.md and prints it
//   npm run bench:memory -- --outputs    only part 2, replacing its section of bench/MEMORY.md
//
// The queries generate their rows (makeresults), so no data set is needed. About 10 minutes on 2 cores.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { BENCH, ROOT } from './lib.ts';

const WRAPPER = join(BENCH, 'peak-rss.mjs');

interface Measured {
  peakMB: number;
  seconds: number;
  status: number | null;
  error: string;
}

/** Runs the CLI with `args`, its standard output drained (a pipe, as when piped to another program). */
function measure(args: string[]): Promise<Measured> {
  const started = Date.now();
  const child = spawn(process.execPath, [WRAPPER, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stdout.resume();
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) =>
    child.on('close', (status) => {
      const kb = Number(/peak-rss-kb (\d+)/.exec(stderr)?.[1] ?? NaN);
      const error = stderr.replace(/\npeak-rss-kb \d+\n/, '').trim().split('\n')[0] ?? '';
      resolve({ peakMB: kb / 1024, seconds: (Date.now() - started) / 1000, status, error });
    }),
  );
}

const rows = (n: number) => `| makeresults count=${n} | streamstats count as n`;
const QUERIES: Record<string, string> = {
  'values() and dc() by 3 M groups': `${rows(3_000_000)} | eval k=tostring(n), v=md5(tostring(n)) | stats values(v) as vs dc(v) as d by k | stats count`,
  'sort of 3 M events': `${rows(3_000_000)} | eval k=md5(tostring(n)) | sort 0 k | head 1 | table n`,
  'join of 1 M × 1 M events': `${rows(1_000_000)} | eval k=md5(tostring(n)) | join k max=0 [${rows(1_000_000)} | eval k=md5(tostring(n)), other=n] | stats count`,
};
const LIMITS = ['100MB', '250MB', '500MB', '1GB', '2GB'];
const OUTPUT_ROWS = [100_000, 1_000_000, 3_000_000];
/** Each output as measured: its flags (a file under `dir` for -o). */
const OUTPUTS: Record<string, (dir: string) => string[]> = {
  table: () => ['-f', 'table'],
  csv: () => ['-f', 'csv'],
  json: () => ['-f', 'json'],
  ndjson: () => ['-f', 'ndjson'],
  'arrow (pipe)': () => ['-f', 'arrow'],
  'arrow (-o file)': (dir) => ['-o', join(dir, 'out.arrow')],
  'parquet (-o file)': (dir) => ['-o', join(dir, 'out.parquet')],
};
const OUTPUTS_HEADING = '## Every output format as the result grows';

const fmt = (m: Measured) => (m.status === 0 ? `${m.peakMB.toFixed(0)} MB (${m.seconds.toFixed(1)} s)` : `failed: ${m.error.slice(0, 80)}`);

/** Part 2: one row per result size, one column per output; a 100 k → 1 M ratio near 1 is flat. */
async function outputSection(): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'duckhunt-memory-'));
  const names = Object.keys(OUTPUTS);
  const lines = [
    OUTPUTS_HEADING,
    '',
    'A makeresults query with a 32-character string per row (`eval s=md5(tostring(n))`), `--memory-limit 100MB --threads 2`; table, csv, json, ndjson and arrow (stream format) written to a pipe that is read as fast as it comes, arrow (file format) and parquet with `-o`. Parquet is written by DuckDB alone (`COPY`): its growth from 100 k to 1 M rows is DuckDB\'s, the result\'s sort (`ORDER BY` the event order) filling the 100 MB pool; the writers add their own constant (apache-arrow\'s library and one 16,384-row batch for arrow) and nothing per row, so every column stays put from 1 M to 3 M rows. ' +
      `Measured on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, load average ${loadavg()[0].toFixed(1)} at the start.`,
    '',
    `| rows | ${names.join(' | ')} |`,
    `|---|${names.map(() => '---').join('|')}|`,
  ];
  const peaks: Record<string, number[]> = {};
  try {
    for (const n of OUTPUT_ROWS) {
      const cells: string[] = [];
      for (const name of names) {
        const m = await measure(['run', '-e', `${rows(n)} | eval s=md5(tostring(n))`, ...OUTPUTS[name](dir), '--threads', '2', '--memory-limit', '100MB']);
        (peaks[name] ??= []).push(m.peakMB);
        cells.push(fmt(m));
        process.stderr.write(`${name} ${n}: ${fmt(m)}\n`);
      }
      lines.push(`| ${n.toLocaleString('en-US')} | ${cells.join(' | ')} |`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  lines.push(`| growth 1 M → 3 M | ${names.map((name) => `${(peaks[name][2] / peaks[name][1]).toFixed(2)}×`).join(' | ')} |`);
  return lines;
}

async function main(): Promise<void> {
  const file = join(BENCH, 'MEMORY.md');
  if (process.argv.includes('--outputs') && existsSync(file)) {
    const before = readFileSync(file, 'utf8');
    const at = before.indexOf(OUTPUTS_HEADING);
    const kept = (at < 0 ? before : before.slice(0, at)).trimEnd();
    const text = `${kept}\n\n${(await outputSection()).join('\n')}\n`;
    writeFileSync(file, text);
    process.stdout.write(text);
    return;
  }
  const lines = [
    '# duckhunt memory: peak RSS of `duckhunt run`',
    '',
    `Generated by \`npm run bench:memory\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC; ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}. Each cell is one fresh process (its peak RSS, and its wall time: for orientation only, speed is measured by \`npm run bench\`); \`--threads 2\`.`,
    '',
    '## Peak RSS against --memory-limit',
    '',
    `A query with a one-row result (\`| makeresults\`) peaks at ${(await measure(['run', '-e', '| makeresults'])).peakMB.toFixed(0)} MB: Node, the DuckDB library and the compiler, whatever the limit.`,
    '',
    `| query | ${LIMITS.join(' | ')} |`,
    `|---|${LIMITS.map(() => '---').join('|')}|`,
  ];
  for (const [name, spl] of Object.entries(QUERIES)) {
    const cells: string[] = [];
    for (const limit of LIMITS) {
      const m = await measure(['run', '-e', spl, '--memory-limit', limit, '--threads', '2', '--subsearch-maxout', '2000000', '-f', 'csv']);
      cells.push(fmt(m));
      process.stderr.write(`${name} @ ${limit}: ${fmt(m)}\n`);
    }
    lines.push(`| ${name} | ${cells.join(' | ')} |`);
  }
  lines.push('', ...(await outputSection()));
  const text = lines.join('\n') + '\n';
  writeFileSync(file, text);
  process.stdout.write(text);
}

await main();
