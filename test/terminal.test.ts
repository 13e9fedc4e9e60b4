// duckhunt on a real terminal: a pseudo-terminal made by util-linux `script`, whose input is the keyboard (a
// Ctrl-C written to it reaches duckhunt as the terminal's SIGINT) and whose output is the screen.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { displayWidth } from '../src/output/terminal.ts';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'duckhunt.js');
const hasScript = spawnSync('script', ['--version']).status === 0;
const tmp = mkdtempSync(join(tmpdir(), 'duckhunt-tty-'));
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

const children = new Set<ChildProcess>();
afterAll(() => {
  children.forEach((c) => c.kill('SIGKILL'));
  rmSync(tmp, { recursive: true, force: true });
});

/** Runs duckhunt on a terminal `cols` wide; `onScreen` sees the screen so far and may type into the terminal. */
function onTerminal(args: string[], cols: number, onScreen: (screen: string, type: (keys: string) => void) => void = () => {}) {
  const command = `stty cols ${cols}; exec ${quote(process.execPath)} ${quote(BIN)} ${args.map(quote).join(' ')}`;
  const child = spawn('script', ['-qefc', command, '/dev/null'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  children.add(child);
  let screen = '';
  child.stdout!.on('data', (d) => {
    screen += d;
    onScreen(screen, (keys) => child.stdin!.write(keys));
  });
  return new Promise<{ status: number | null; screen: string }>((resolve) => child.on('close', (status) => resolve({ status, screen })));
}

describe.skipIf(!hasScript)('on a terminal', () => {
  it('shows DuckDB progress while a query runs, and Ctrl-C typed at the terminal stops it (exit 130)', async () => {
    const big = join(tmp, 'big.json');
    const lines: string[] = [];
    for (let i = 0; i < 400_000; i++) lines.push(`{"_time":${1_700_000_000 + i},"user":"u${i % 997}","n":"${i}"}`);
    writeFileSync(big, lines.join('\n') + '\n');
    const spill = mkdtempSync(join(tmp, 'spill-'));
    let typed = false;
    const hash = 'sha256(sha256(sha256(sha256(sha256(md5(_raw))))))';
    const { status, screen } = await onTerminal(['run', '-e', `* | eval h=${hash} | stats dc(h)`, '--source', `t=${big}`, '--temp-dir', spill], 100, (s, type) => {
      if (!typed && /running… \d+%/.test(s)) {
        typed = true;
        type('\x03');
      }
    });
    expect(screen).toMatch(/running… \d+%/);
    expect(screen).toContain('interrupted');
    expect(status).toBe(130);
    expect(readdirSync(spill)).toEqual([]);
  }, 120_000);

  it('fits the table to the terminal, escapes what the data holds, and shows the first 100 rows of many', async () => {
    const events = join(tmp, 'events.json');
    const lines = Array.from({ length: 250 }, (_, i) => JSON.stringify({ _time: i, user: `user${i}`, msg: `row ${i}\r\n\x1b[2J${'x'.repeat(200)}` }));
    writeFileSync(events, lines.join('\n') + '\n');
    const { status, screen } = await onTerminal(['run', '-e', '* | table _time user msg', '--source', `t=${events}`], 60);
    expect(status).toBe(0);
    const rows = screen.split('\r\n').filter((l) => l.length > 0);
    for (const l of rows.slice(0, -1)) expect(displayWidth(l)).toBeLessThanOrEqual(60);
    expect(screen).not.toContain('\x1b[2J');
    expect(rows[2]).toBe('1970-01-01T00:04:09.000+00:00 | user249 | row 249\\r\\n\\x1b[2…');
    expect(rows.at(-1)).toBe('(first 100 of 250 rows; -o FILE or a pipe gets them all)');
    expect(rows).toHaveLength(2 + 100 + 1);
    const wide = await onTerminal(['run', '-e', '* | head 1 | table user msg', '--source', `t=${events}`, '--wide'], 60);
    expect(wide.screen).toContain(`row 249\\r\\n\\x1b[2J${'x'.repeat(200)}`);
  }, 120_000);
});
