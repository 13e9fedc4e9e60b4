// Every command-line entry point (run, compile, check, ingest) fed the inputs that used to end in a stack trace:
// each must end with one line of error (plus an optional hint), a non-zero exit code that is not the internal
// error's, and no trace. Most cases call main() in this process (no Node start-up and DuckDB load per case);
// those that need another user or another standard output start bin/duckhunt.js. Permission cases run it as
// `nobody` when the tests run as root (root reads anything), else rely on the modes alone.

import { spawn } from 'node:child_process';
import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'duckhunt.js');
const asRoot = process.getuid?.() === 0;

const tmp = mkdtempSync(join(tmpdir(), 'duckhunt-errors-'));
chmodSync(tmp, 0o755);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const file = (name: string, text: string, mode = 0o644) => {
  const p = join(tmp, name);
  writeFileSync(p, text);
  chmodSync(p, mode);
  return p;
};
const dir = (name: string, mode = 0o755) => {
  const p = join(tmp, name);
  mkdirSync(p, { recursive: true });
  chmodSync(p, mode);
  return p;
};

const events = file('events.json', '{"_time": 1, "user": "alice"}\n');
const source = `t=${events}`;
const macro = (d: string) => writeFileSync(join(d, 'm.yml'), 'name: m\ndefinition: search *\n');
const danglingMacros = dir('macros-dangling');
macro(danglingMacros);
symlinkSync(join(tmp, 'no-such-file.yml'), join(danglingMacros, 'gone.yml'));
const loopMacros = dir('macros-loop');
macro(loopMacros);
symlinkSync(loopMacros, join(loopMacros, 'again'));
const lockedMacros = dir('macros-locked');
macro(lockedMacros);
dir('macros-locked/private', 0o700);
const lockedQueries = dir('queries-locked');
file('queries-locked/q.spl', '* | stats count');
dir('queries-locked/private', 0o700);
const readOnly = dir('read-only', 0o555);
const writable = dir('writable', 0o777);
const emptyDataset = dir('not-a-dataset');
file('not-a-dataset/a.json', '{"_time": 1}\n');
const deep = file('deep.json', '{"_time": 1, "a": ' + '{"b": '.repeat(3000) + '1' + '}'.repeat(3000) + '}\n');
const unreadable = file('unreadable.json', '{"_time": 1}\n', 0o600);
const empty = file('empty.json', '');
const notGzip = file('not-gzip.json.gz', 'plain text, not gzip\n');

interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], opts: { nobody?: boolean; stdout?: number } = {}): Promise<Result> {
  const ids = opts.nobody && asRoot ? { uid: 65534, gid: 65534 } : {};
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', opts.stdout ?? 'pipe', 'pipe'], ...ids });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr })));
}

/** One line of error (hints aside), a non-zero exit that is not an internal error's, no stack trace. */
function expectOneLineError(r: Result, message: RegExp): void {
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.stderr).not.toContain('internal error');
  const lines = r.stderr
    .trimEnd()
    .split('\n')
    .filter((l) => !/^hint: /.test(l) && l !== '(add --help for usage)');
  expect(lines).toEqual([expect.stringMatching(message)]);
  expect(r.status).not.toBe(0);
  expect(r.status).not.toBe(70);
}

/** main() in this process, its output captured. */
async function inProcess(args: string[]): Promise<Result> {
  const { main } = await import('../src/cli/main.ts');
  let stdout = '';
  let stderr = '';
  const capture = (add: (t: string) => void) => (chunk: unknown, ...rest: unknown[]) => {
    add(String(chunk));
    (rest.find((x) => typeof x === 'function') as (() => void) | undefined)?.();
    return true;
  };
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(capture((t) => (stdout += t)) as typeof process.stdout.write);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(capture((t) => (stderr += t)) as typeof process.stderr.write);
  try {
    return { status: await main(['node', 'duckhunt', ...args]), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

const run = (...args: string[]) => ['run', '-e', '* | stats count', '--source', source, ...args];

type Case = [string, string[], RegExp, { nobody?: boolean; stdout?: 'full' }?];

describe('one-line errors, never a stack trace (in process)', () => {
  const cases: Case[] = [
    ['run: -o onto a directory', run('-o', tmp), /^output error: -o .*: is a directory$/],
    ['run: -o into a missing directory', run('-o', join(tmp, 'no/such/dir/out.csv')), /the directory .*no\/such\/dir does not exist/],
    ['run: --memory-limit banana', run('--memory-limit', 'banana'), /--memory-limit.*'banana' is invalid/],
    ['run: --threads=-1', run('--threads=-1'), /--threads.*'-1' is invalid/],
    ['run: --temp-dir that does not exist', run('--temp-dir', join(tmp, 'nowhere')), /cannot make a spill directory in .*nowhere: no such file or directory/],
    ['run: --macros with a dangling symbolic link', run('--macros', danglingMacros), /gone\.yml: a symbolic link to a file that does not exist/],
    ['run: --macros with a loop', run('--macros', loopMacros), /again: it links back to a directory it is inside of \(a loop\)/],
    ['run: a directory with no Parquet files as a source', ['run', '-e', '* | stats count', '--source', `t=${emptyDataset}`], /not-a-dataset is a directory with no \.parquet files under it/],
    ['run: /dev/zero as a source', ['run', '-e', '* | stats count', '--source', 't=/dev/zero'], /\/dev\/zero is a character device, not a regular file/],
    ['run: -f parquet onto a device', run('-f', 'parquet', '-o', '/dev/null'), /Parquet is written to a regular file/],
    ['compile: --macros with a loop', ['compile', '-e', '* | stats count', '--macros', loopMacros], /a loop/],
    ['compile: a directory with no Parquet files as a source', ['compile', '-e', '* | stats count', '--source', `t=${emptyDataset}`], /is a directory with no \.parquet files/],
    ['check: --macros with a dangling symbolic link', ['check', 'queries', '--macros', danglingMacros], /a symbolic link to a file that does not exist/],
    ['ingest: a .gz that is not gzip', ['ingest', '--sourcetype', 't', '--out', join(tmp, 'ds-gz'), notGzip], /not-gzip\.json\.gz is corrupt/],
  ];
  for (const [name, args, message] of cases) it(name, async () => expectOneLineError(await inProcess(args), message));
});

describe.concurrent('one-line errors, never a stack trace (as another user, or into /dev/full)', () => {
  const cases: Case[] = [
    ['run: -o into a directory it cannot write', run('-o', join(readOnly, 'out.csv')), /cannot write in .*read-only: permission denied/, { nobody: true }],
    ['run: standard output is /dev/full', run(), /^output error: cannot write the results to standard output: no space left on device$/, { stdout: 'full' }],
    ['run: --macros with an unreadable directory', run('--macros', lockedMacros), /cannot read macros under .*private: permission denied/, { nobody: true }],
    ['run: an unreadable source', ['run', '-e', '* | stats count', '--source', `t=${unreadable}`], /unreadable\.json.*Permission denied/i, { nobody: true }],
    ['check: a directory it cannot read', ['check', lockedQueries], /cannot read queries under .*private: permission denied/, { nobody: true }],
    ['ingest: an unreadable input', ['ingest', '--sourcetype', 't', '--out', writable, unreadable], /cannot read .*unreadable\.json: .*permission denied/i, { nobody: true }],
    ['ingest: an --out it cannot write', ['ingest', '--sourcetype', 't', '--out', join(readOnly, 'ds'), events], /cannot create --out .*permission denied/i, { nobody: true }],
  ];
  for (const [name, args, message, opts] of cases) {
    it(name, async () => {
      const fd = opts?.stdout === 'full' ? openSync('/dev/full', 'w') : undefined;
      try {
        expectOneLineError(await cli(args, { nobody: opts?.nobody, stdout: fd }), message);
      } finally {
        if (fd !== undefined) closeSync(fd);
      }
    });
  }
});

describe('inputs that are not errors end normally, never with a trace', () => {
  it.each([
    ['ingest: an empty file adds no events', ['ingest', '--sourcetype', 't', '--out', join(tmp, 'ds-empty'), empty], /^added 0 events of t /],
    ['ingest: JSON nested 3,000 deep is stored', ['ingest', '--sourcetype', 't', '--out', join(tmp, 'ds-deep'), deep], /^added 1 events of t /],
  ])('%s', async (_, args, stdout) => {
    const r = await inProcess(args);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(stdout);
    expect(r.status).toBe(0);
  });
});

describe('the last resort', () => {
  // A defect is simulated in process: the check command throws an error duckhunt did not expect.
  async function crash(env: Record<string, string | undefined>): Promise<{ code: number; stderr: string }> {
    vi.resetModules();
    vi.doMock('../src/cli/commands/check.ts', () => ({
      checkCommand: () => {
        throw new TypeError("Cannot read properties of undefined (reading 'x')");
      },
    }));
    const saved = process.env.DUCKHUNT_DEBUG;
    process.env.DUCKHUNT_DEBUG = env.DUCKHUNT_DEBUG;
    if (env.DUCKHUNT_DEBUG === undefined) delete process.env.DUCKHUNT_DEBUG;
    let stderr = '';
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((t) => ((stderr += String(t)), true));
    try {
      const { main } = await import('../src/cli/main.ts');
      return { code: await main(['node', 'duckhunt', 'check', 'queries']), stderr };
    } finally {
      spy.mockRestore();
      vi.doUnmock('../src/cli/commands/check.ts');
      if (saved === undefined) delete process.env.DUCKHUNT_DEBUG;
      else process.env.DUCKHUNT_DEBUG = saved;
    }
  }

  it('is one line asking for a report, exit 70; DUCKHUNT_DEBUG shows the stack', async () => {
    const plain = await crash({});
    expect(plain.code).toBe(70);
    expect(plain.stderr.trimEnd().split('\n')).toEqual([
      "internal error: Cannot read properties of undefined (reading 'x') (this is a duckhunt bug: please report it; DUCKHUNT_DEBUG=1 shows where it happened)",
    ]);
    const debug = await crash({ DUCKHUNT_DEBUG: '1' });
    expect(debug.code).toBe(70);
    expect(debug.stderr).toMatch(/^internal error: TypeError: Cannot read properties of undefined \(reading 'x'\)\n\s+at /);
  });
});
