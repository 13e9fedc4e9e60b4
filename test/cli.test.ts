// The command line as users run it: formats, compile, check --format json, exit codes, Ctrl-C, a closed pipe,
// -o (never onto an input, never partial), sources read literally, the private spill directory.

import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { linkSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'duckhunt.js');
const tmp = mkdtempSync(join(tmpdir(), 'duckhunt-cli-'));
const cli = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
/** The same without blocking, for tests that run concurrently. */
function cliAsync(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr })));
}

// Long runs started by these tests (endless queries waiting for Ctrl-C) never outlive them, even when one fails.
const children = new Set<ChildProcess>();
afterAll(() => {
  children.forEach((c) => c.kill('SIGKILL'));
  rmSync(tmp, { recursive: true, force: true });
});
const debugRun = (args: string[]) => {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, DUCKHUNT_DEBUG: '1' } });
  children.add(child);
  return child;
};
const QUERY = 'sourcetype=o365:management:activity Operation=HardDelete | stats count by Folder.Path | sort Folder.Path';

describe('duckhunt run', () => {
  it('prints csv, ndjson and json with the same rows', () => {
    const csv = cli(['run', '-e', QUERY, '--format', 'csv']);
    expect(csv.status).toBe(0);
    const lines = csv.stdout.trim().split('\n');
    expect(lines[0]).toBe('Folder.Path,count');
    const json = JSON.parse(cli(['run', '-e', QUERY, '--format', 'json']).stdout) as Array<Record<string, unknown>>;
    const ndjson = cli(['run', '-e', QUERY, '--format', 'ndjson']).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(ndjson).toEqual(json);
    expect(lines.slice(1)).toEqual(json.map((r) => `${r['Folder.Path']},${r.count}`));
    expect(json.some((r) => r['Folder.Path'] === '\\Sent Items')).toBe(true);
  });

  it('writes Parquet with -o, with Splunk field names as columns', () => {
    const out = join(tmp, 'out.parquet');
    expect(cli(['run', '-e', QUERY, '--format', 'parquet', '-o', out]).status).toBe(0);
    const check = cli(['run', '-e', '* | table Folder.Path count', '--source', `t=${out}`, '--format', 'json']);
    const back = JSON.parse(check.stdout);
    const direct = JSON.parse(cli(['run', '-e', QUERY, '--format', 'json']).stdout);
    expect(back).toEqual(direct.map((r: Record<string, unknown>) => ({ ...r, count: String(r.count) })));
  });

  it('exits non-zero with a positioned message on stderr', () => {
    const r = cli(['run', '-e', 'sourcetype=x | stats count by']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('1:30: syntax error');
    expect(r.stdout).toBe('');
  });

  it('reports a missing source file instead of returning nothing', () => {
    const r = cli(['run', '-e', '* | stats count', '--source', 'x=/no/such/file.json']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('no file matches /no/such/file.json');
  });

  it('stops the running query on Ctrl-C and exits 130; its spill directory was private and is gone', async () => {
    const base = mkdtempSync(join(tmp, 'spill-'));
    const child = debugRun(['run', '--temp-dir', base, '-e', '| makeresults count=20000000000 | eval x=md5(tostring(_time)) | stats dc(x)']);
    const { stderr } = await started(child);
    const spill = readdirSync(base);
    expect(spill).toEqual([expect.stringMatching(/^duckhunt-spill-\w{6}$/)]);
    expect(statSync(join(base, spill[0])).mode & 0o777).toBe(0o700);
    child.kill('SIGINT');
    const code = await new Promise((r) => child.on('exit', r));
    expect(code).toBe(130);
    expect(await stderr).toContain('interrupted');
    expect(readdirSync(base)).toEqual([]);
    expect(cli(['run', '--temp-dir', base, '-e', '| makeresults | eval x=1']).status).toBe(0);
    expect(readdirSync(base)).toEqual([]);
  });

  it('exits quietly with 141 when the reader of the help went away (| true), never with a stack trace', () => {
    // The EPIPE of the help's write used to arrive after main had removed its listener: Node's unhandled-error trace.
    for (const args of ['help run', 'run --help', '--help']) {
      const piped = spawnSync('bash', ['-c', `"${process.execPath}" "${BIN}" ${args} | true; echo "status=\${PIPESTATUS[0]}"`], { cwd: ROOT, encoding: 'utf8' });
      expect(piped.stderr).toBe('');
      expect(['status=141\n', 'status=0\n']).toContain(piped.stdout);
    }
  });

  it('exits quietly with 141 when the reader goes away (| head -1), as Unix tools do', () => {
    const piped = spawnSync('bash', ['-c', `"${process.execPath}" "${BIN}" run -f csv -e '| makeresults count=300000 | streamstats count as n' | head -1; echo "status=\${PIPESTATUS[0]}"`], { cwd: ROOT, encoding: 'utf8' });
    expect(piped.stdout).toBe('_time,n\nstatus=141\n');
    expect(piped.stderr).toBe('');
  });
});

/** Resolves once the CLI (run with DUCKHUNT_DEBUG=1) says its query started, to a promise of all its stderr. */
function started(child: ReturnType<typeof spawn>): Promise<{ stderr: Promise<string> }> {
  let stderr = '';
  const all = new Promise<string>((resolve) => child.on('close', () => resolve(stderr)));
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (d) => {
      stderr += d;
      if (stderr.includes('duckhunt debug: query started')) resolve({ stderr: all });
    });
    child.on('exit', () => reject(new Error(`exited before its query started: ${stderr}`)));
  });
}

describe.concurrent('-o FILE', () => {
  const logs = mkdtempSync(join(tmp, 'out-'));
  const input = join(logs, 'audit.json');
  const original = '{"_time": 1, "user": "alice"}\n{"_time": 2, "user": "bob"}\n';
  writeFileSync(input, original);
  symlinkSync(input, join(logs, 'link.json'));
  linkSync(input, join(logs, 'hard.json'));
  const count = ['run', '-e', '* | stats count', '-f', 'csv'];

  it.each([
    ['the input itself', input, `t=${input}`],
    ['a symbolic link to it', join(logs, 'link.json'), `t=${input}`],
    ['a hard link to it', join(logs, 'hard.json'), `t=${input}`],
    ['a relative path to it', relative(ROOT, input), `t=${input}`],
    ['a file a bound glob matches', join(logs, 'a-new-one.json'), `t=${join(logs, '*.json')}`],
    ['an input bound but not read by the query', input, `other=${input}`],
  ])('refuses %s, leaving the logs as they were', async (_, out, binding) => {
    // No -f: a .json output with -f csv would be refused for the format first (X125).
    const r = await cliAsync(['run', '-e', '* | stats count', '--source', binding, '--source', `t=${input}`, '-o', out]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^output error: -o .*: (is the input file .*audit\.json|matches the bound path .*\*\.json)/);
    expect(readFileSync(input, 'utf8')).toBe(original);
    expect(readdirSync(logs).sort()).toEqual(['audit.json', 'hard.json', 'link.json']);
  });

  it('a failed run (DuckDB out of memory, said in terms of flags) leaves the previous file whole and no partial file', async () => {
    const out = join(tmp, 'kept.csv');
    expect((await cliAsync([...count, '--source', `t=${input}`, '-o', out])).status).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe('count\n2\n');
    const oom = '| makeresults count=2000000 | streamstats count as n | eval s=md5(tostring(n)) | stats values(s) as v';
    const failed = await cliAsync(['run', '-e', oom, '--memory-limit', '30MB', '--threads', '1', '-f', 'csv', '-o', out]);
    expect(failed.status).toBe(2);
    expect(failed.stderr).toMatch(/^runtime error: DuckDB ran out of memory: .* \(memory limit 30MB\)\nhint: raise --memory-limit, or lower --threads/);
    // values() keeps its groups' values in memory, which DuckDB cannot spill: the hint says what helps instead.
    expect(failed.stderr).toContain('narrow the time range (--earliest/--latest)');
    expect(failed.stderr).not.toContain('spills to --temp-dir');
    expect(failed.stderr).not.toContain('SET ');
    expect(readFileSync(out, 'utf8')).toBe('count\n2\n');
    expect(readdirSync(tmp).filter((f) => f.includes('kept.csv'))).toEqual(['kept.csv']);
  });

  it('writes through a symbolic link to its target', async () => {
    const target = join(tmp, 'target.csv');
    writeFileSync(target, 'old\n');
    symlinkSync(target, join(tmp, 'via-link.csv'));
    expect((await cliAsync([...count, '--source', `t=${input}`, '-o', join(tmp, 'via-link.csv')])).status).toBe(0);
    expect(readFileSync(target, 'utf8')).toBe('count\n2\n');
    expect(lstatSync(join(tmp, 'via-link.csv')).isSymbolicLink()).toBe(true);
  });

  it('-f parquet -o works again when the file exists (re-running the same command)', async () => {
    const out = join(tmp, 'again.parquet');
    const args = ['run', '-e', '* | stats count by user', '--source', `t=${input}`, '-f', 'parquet', '-o', out];
    expect((await cliAsync(args)).status).toBe(0);
    const again = await cliAsync(args);
    expect(again.stderr).toBe('');
    expect(again.status).toBe(0);
    const back = await cliAsync(['run', '-e', '* | table user count', '--source', `p=${out}`, '-f', 'json']);
    expect(JSON.parse(back.stdout)).toEqual([{ user: 'alice', count: '1' }, { user: 'bob', count: '1' }]);
  });

  it('gives up on a blocked output after Ctrl-C (a FIFO nobody reads): ends by SIGINT, spill directory removed', async () => {
    const fifo = join(tmp, 'nobody-reads');
    execFileSync('mkfifo', [fifo]);
    const base = mkdtempSync(join(tmp, 'spill-'));
    const child = debugRun([...count, '--source', `t=${input}`, '-o', fifo, '--temp-dir', base]);
    const { stderr } = await started(child);
    const sent = Date.now();
    child.kill('SIGINT');
    const [code, signal] = await new Promise<[number | null, string | null]>((r) => child.on('exit', (...end) => r(end)));
    // DuckDB is not stopped (nothing runs), so after the grace period the process ends by SIGINT itself.
    expect([code, signal]).toEqual([null, 'SIGINT']);
    expect(Date.now() - sent).toBeLessThan(10_000);
    expect(await stderr).toContain('interrupted');
    expect(readdirSync(base)).toEqual([]);
  });
});

describe.concurrent('sources', () => {
  it('binds a file whose name has glob characters literally (a[1].json is that file, not a1.json)', async () => {
    const dir = mkdtempSync(join(tmp, 'literal-'));
    writeFileSync(join(dir, 'a[1].json'), '{"_time": 1, "who": "literal"}\n');
    writeFileSync(join(dir, 'a1.json'), '{"_time": 1, "who": "glob"}\n');
    writeFileSync(join(dir, 'b*.json'), '{"_time": 1, "who": "star"}\n');
    writeFileSync(join(dir, 'bx.json'), '{"_time": 1, "who": "other"}\n');
    const who = async (path: string) => JSON.parse((await cliAsync(['run', '-e', '* | table who', '--source', `t=${path}`, '-f', 'json'])).stdout);
    const [literal, star, glob] = await Promise.all([who(join(dir, 'a[1].json')), who(join(dir, 'b*.json')), who(join(dir, 'a[0-9].json'))]);
    expect(literal).toEqual([{ who: 'literal' }]);
    expect(star).toEqual([{ who: 'star' }]);
    expect(glob).toEqual([{ who: 'glob' }]);
  });

  it('says a FIFO is one, instead of blocking on it', async () => {
    const fifo = join(tmp, 'stream.json');
    execFileSync('mkfifo', [fifo]);
    const r = await cliAsync(['run', '-e', '* | stats count', '--source', `t=${fifo}`]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${fifo} is a FIFO (named pipe), not a regular file`);
  });
});

describe('duckhunt compile', () => {
  it('prints one CTE per command, each labelled with its SPL', () => {
    const sql = execFileSync(process.execPath, [BIN, 'compile', 'queries/o365_email_send_and_hard_delete_exfiltration_behavior.spl'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(sql).toContain('CREATE OR REPLACE TEMP TABLE');
    expect(sql).toContain('-- bin _time span=1hr');
    expect(sql).toContain('-- join InternetMessageId, user, max=0');
    expect(sql.match(/^-- /gm)?.length).toBeGreaterThanOrEqual(16);
  });

  it('with --prelude prints SQL that DuckDB runs as it is', async () => {
    const sql = execFileSync(process.execPath, [BIN, 'compile', '--prelude', '-e', QUERY], { cwd: ROOT, encoding: 'utf8' });
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const conn = await (await DuckDBInstance.create(':memory:')).connect();
    const statements = (await conn.extractStatements(sql));
    let last;
    for (let i = 0; i < statements.count; i++) last = await (await statements.prepare(i)).runAndReadAll();
    expect(last!.getRowsJS().length).toBeGreaterThan(0);
  });
});

describe('duckhunt check', () => {
  it('--format json follows the contract and the exit code says whether all passed', () => {
    const r = cli(['check', 'queries', 'test/fixtures/detections/ml_scored_logins.yml', '--format', 'json', '--macros', 'test/fixtures/macros']);
    const results = JSON.parse(r.stdout);
    expect(results).toEqual([
      { file: 'queries/o365_email_send_and_hard_delete_exfiltration_behavior.spl', status: 'ok', message: null, line: null, column: null },
      {
        file: 'test/fixtures/detections/ml_scored_logins.yml',
        status: 'unsupported',
        message: "command 'apply' is not supported",
        line: 1,
        column: 65,
      },
    ]);
    expect(r.status).toBe(1);
    expect(cli(['check', 'queries']).status).toBe(0);
  });

  it('prints one line per file and a summary', () => {
    const r = cli(['check', '--parse-only', 'queries']);
    expect(r.stdout).toBe('ok             queries/o365_email_send_and_hard_delete_exfiltration_behavior.spl\n1 query: 1 ok\n');
  });
});

describe('help', () => {
  it('teaches each command with examples', () => {
    expect(cli(['run', '--help']).stdout).toContain('duckhunt run queries/o365_email_send_and_hard_delete_exfiltration_behavior.spl');
    expect(cli(['check', '--help']).stdout).toContain('Statuses: ok, syntax_error, macro_error, unsupported, compile_error.');
    expect(cli(['ingest', '--help']).stdout).toContain('--source o365:management:activity=datasets/o365_management_activity');
  });

  // bin/duckhunt.js loads a smaller bundle (dist/help.cjs, the commands left out) for these forms: each must
  // print the same help as the whole command line does, and a form that runs something must not get it.
  it('every help form prints the help of the whole command line, and --version the package version', () => {
    const whole = (args: string[]) => spawnSync(process.execPath, ['-e', `require(${JSON.stringify(join(ROOT, 'dist', 'duckhunt.cjs'))}).main(['node', 'duckhunt', ...${JSON.stringify(args)}]).then((c) => (process.exitCode = c))`], { cwd: ROOT, encoding: 'utf8' });
    for (const args of [['--help'], ['-h'], ['help'], ['help', 'run'], ['run', '--help'], ['check', '-h'], ['shell', '--help'], ['help', 'ingest'], ['test', '--help'], ['compile', '-h']]) {
      const r = cli(args);
      expect(r.status, args.join(' ')).toBe(0);
      expect(r.stderr, args.join(' ')).toBe('');
      expect(r.stdout, args.join(' ')).toBe(whole(args).stdout);
      expect(r.stdout).toMatch(/^Usage: duckhunt/);
    }
    const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    expect(cli(['--version']).stdout).toBe(`${version}\n`);
    expect(cli(['-V']).stdout).toBe(`${version}\n`);
    // Not help forms: they run (`-e --help` is a query), so they must reach the whole command line.
    expect(cli(['run', '-e', '| makeresults | eval help="--help"', '-f', 'csv']).stdout).toMatch(/^_time,help\n.*,--help\n$/);
  });

  it('the built bundles come with a V8 code cache that this Node accepts (start-up: README "Start-up")', () => {
    for (const bundle of ['duckhunt.cjs', 'help.cjs']) {
      const file = join(ROOT, 'dist', bundle);
      const probe = `const vm = require('node:vm'), fs = require('node:fs'), M = require('node:module');
        const s = new vm.Script(M.wrap(fs.readFileSync(${JSON.stringify(file)}).latin1Slice()), { filename: ${JSON.stringify(file)}, cachedData: fs.readFileSync(${JSON.stringify(file + '.cache')}) });
        process.stdout.write(String(s.cachedDataRejected));`;
      expect(spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8' }).stdout, bundle).toBe('false');
    }
  });
});

describe('confinement in the CLI', () => {
  it('a glob binding still reads its files once the engine is locked down', () => {
    const dir = mkdtempSync(join(tmpdir(), 'duckhunt-glob-'));
    writeFileSync(join(dir, 'a.json'), '{"_time": 1, "n": "1"}\n');
    writeFileSync(join(dir, 'b.json'), '{"_time": 2, "n": "2"}\n');
    const r = cli(['run', '-e', '* | stats count', '--source', `t=${join(dir, '*.json')}`, '--format', 'json']);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual([{ count: 2 }]);
  });
});
