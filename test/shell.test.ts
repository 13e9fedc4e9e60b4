// The interactive shell on a real terminal: a pseudo-terminal made by util-linux `script` (as terminal.test.ts),
// whose input is the keyboard — keys, Tab, arrows, Ctrl-C (the terminal's SIGINT while a query runs), Ctrl-D —
// and whose output is the screen.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { completions, type Vocabulary } from '../src/cli/shell/complete.ts';
import { historyEntry, needsMore } from '../src/cli/shell/input.ts';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'duckhunt.js');
const hasScript = spawnSync('script', ['--version']).status === 0;
const tmp = mkdtempSync(join(tmpdir(), 'duckhunt-shell-'));
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const HISTORY = join(tmp, 'history');
const PROMPT = 'duckhunt> ';

// 150 events a second apart from t=1000 (so a result of them all is more than the 100 rows shown), users u0…u2.
mkdirSync(join(tmp, 'logs'));
const EVENTS = join(tmp, 'logs', 'events.json');
writeFileSync(EVENTS, Array.from({ length: 150 }, (_, i) => JSON.stringify({ _time: 1000 + i, user: `u${i % 3}`, src_ip: `10.0.0.${i % 5}` })).join('\n') + '\n');

const children = new Set<ChildProcess>();
afterAll(() => {
  children.forEach((c) => c.kill('SIGKILL'));
  rmSync(tmp, { recursive: true, force: true });
});

/** A shell on a terminal: `until` waits for text on the screen after what was seen so far, `type` presses keys. */
function openShell(args: string[] = ['shell', '--source', `web=${join(tmp, 'logs', '*.json')}`]) {
  const command = `stty cols 120; exec ${quote(process.execPath)} ${quote(BIN)} ${args.map(quote).join(' ')}`;
  const child = spawn('script', ['-qefc', command, '/dev/null'], { cwd: tmp, env: { ...process.env, DUCKHUNT_HISTORY: HISTORY }, stdio: ['pipe', 'pipe', 'pipe'] });
  children.add(child);
  let screen = '';
  let seen = 0;
  let wake = () => {};
  child.stdout!.on('data', (d) => {
    screen += d;
    wake();
  });
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  return {
    type: (keys: string) => child.stdin!.write(keys),
    /** Resolves with the screen from the last wait up to and including the text (fails after 15 s). */
    until: (text: string | RegExp) =>
      new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`not on the screen: ${text}\n--- screen since last wait:\n${screen.slice(seen)}`)), 15_000);
        wake = () => {
          const rest = screen.slice(seen);
          const m = typeof text === 'string' ? (rest.includes(text) ? { index: rest.indexOf(text), 0: text } : null) : text.exec(rest);
          if (!m) return;
          clearTimeout(timer);
          const end = seen + m.index + m[0].length;
          resolve(screen.slice(seen, end));
          seen = end;
        };
        wake();
      }),
    closed,
  };
}

/** The screen without readline's cursor movements and line clearing. */
const plain = (s: string) => s.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').replace(/\r/g, '');

describe.skipIf(!hasScript)('the shell on a terminal', () => {
  it('runs queries, continues lines, completes, cancels with Ctrl-C, and keeps its history', async () => {
    const sh = openShell();
    await sh.until(PROMPT);

    // A query, its rows and its row count; a result of more than 100 rows shows the first 100.
    sh.type('sourcetype=web | stats count by user\r');
    let out = plain(await sh.until(/\(3 rows in [\d.]+ s\)/));
    expect(out).toMatch(/u0\s+\| 50\n/);
    await sh.until(PROMPT);
    sh.type('* | table _time user\r');
    out = plain(await sh.until(/\(150 rows in [\d.]+ s; the first 100 shown, \.save FILE writes them all\)/));
    expect(out.match(/^\d{4}-\d\d-\d\dT/gm)).toHaveLength(100);

    // A line ending in | goes on on the next line.
    await sh.until(PROMPT);
    sh.type('* |\r');
    await sh.until('...> ');
    sh.type('stats dc(src_ip) AS ips\r');
    out = plain(await sh.until(/\(1 row in/));
    expect(out).toMatch(/ips\n-+\n5\n/);

    // Tab completes a command after |, then a field name of the bound events.
    await sh.until(PROMPT);
    sh.type('* | sta');
    sh.type('\t');
    await sh.until('stats ');
    sh.type('count by src_');
    sh.type('\t');
    await sh.until('src_ip');
    sh.type('\r');
    out = plain(await sh.until(/\(5 rows in/));
    expect(out).toMatch(/src_ip\s+\| count/);

    // An error shows with its caret, as `run` prints it; the next query works.
    await sh.until(PROMPT);
    sh.type('* | eval x=len(\r');
    out = plain(await sh.until(/\^\r?\n/));
    expect(out).toContain('syntax error');
    expect(out).toContain('   1 | * | eval x=len(');
    await sh.until(PROMPT);
    sh.type('| makeresults | eval ok="yes" | table ok\r');
    expect(plain(await sh.until(/\(1 row in/))).toMatch(/ok\n-+\nyes\n/);

    // .sql prints the last query's SQL; .time sets the range of later queries; .save writes every row.
    await sh.until(PROMPT);
    sh.type('.sql\r');
    expect(plain(await sh.until(PROMPT))).toMatch(/SELECT 'yes' AS|"ok"/);
    sh.type('.time 1010 1020\r');
    expect(plain(await sh.until(PROMPT))).toContain('time range: 1010 to 1020 (1970-01-01T00:16:50.000Z to 1970-01-01T00:17:00.000Z)');
    sh.type('* | stats count\r');
    expect(plain(await sh.until(/\(1 row in/))).toMatch(/count\n-+\n10\n/);
    await sh.until(PROMPT);
    sh.type('.time all\r');
    await sh.until('all time');
    await sh.until(PROMPT);
    sh.type('* | table _time user\r');
    await sh.until('150 rows in');
    await sh.until(PROMPT);
    sh.type('.save out.csv\r');
    await sh.until('(150 rows written to out.csv as csv)');
    const csv = readFileSync(join(tmp, 'out.csv'), 'utf8').trimEnd().split('\n');
    expect(csv[0]).toBe('_time,user');
    expect(csv).toHaveLength(151);
    expect(csv[1]).toBe('1970-01-01T00:19:09.000+00:00,u2');
    // Parquet is written by DuckDB, confined to its own directory, then copied into place (the count read back).
    await sh.until(PROMPT);
    sh.type('.save out.parquet\r');
    await sh.until('(150 rows written to out.parquet as parquet)');
    expect(readFileSync(join(tmp, 'out.parquet')).subarray(0, 4).toString()).toBe('PAR1');
    // Arrow: the IPC file format, typed columns, every row.
    await sh.until(PROMPT);
    sh.type('.save out.arrow\r');
    await sh.until('(150 rows written to out.arrow as arrow)');
    const arrow = tableFromIPC(readFileSync(join(tmp, 'out.arrow')));
    expect(arrow.numRows).toBe(150);
    expect(arrow.schema.fields.map((f) => f.name)).toEqual(['_time', 'user']);
    expect(arrow.getChild('user')?.get(0)).toBe('u2');

    // Ctrl-C during a long query cancels it and keeps the shell; Ctrl-C at an empty prompt says how to leave.
    await sh.until(PROMPT);
    sh.type('| makeresults count=200000000 | eval h=sha256(tostring(random())) | stats dc(h)\r');
    await new Promise((r) => setTimeout(r, 1500));
    sh.type('\x03');
    await sh.until('cancelled');
    await sh.until(PROMPT);
    sh.type('| makeresults | eval after="cancel" | table after\r');
    expect(plain(await sh.until(/\(1 row in/))).toMatch(/after\n-+\ncancel\n/);
    await sh.until(PROMPT);
    sh.type('\x03');
    await sh.until('(to leave the shell: Ctrl-D, or .quit)');
    // Ctrl-C at a continuation prompt drops the query typed so far, the line being typed included.
    await sh.until(PROMPT);
    sh.type('* |\r');
    await sh.until('...> ');
    sh.type('stats cou');
    await sh.until('stats cou');
    sh.type('\x03');
    await sh.until('^C');
    await sh.until(PROMPT);

    // A file the bound glob matches that came after the shell started is read, and its bad line reported.
    writeFileSync(join(tmp, 'logs', 'late.json'), '{"_time":5000,"user":"late"}\nnot json\n');
    sh.type('* | stats count\r');
    out = plain(await sh.until(/\(1 row in/));
    expect(out).toMatch(/count\n-+\n151\n/);
    expect(out).toMatch(/warning: skipped 1 .*late\.json/);
    await sh.until(PROMPT);
    sh.type('\x04');
    expect(await sh.closed).toBe(0);

    // The history outlives the session: a new shell recalls the last query with the up arrow.
    const history = readFileSync(HISTORY, 'utf8').trimEnd().split('\n');
    expect(history).toContain('* | stats dc(src_ip) AS ips');
    expect(history.slice(-2)).toEqual(['| makeresults | eval after="cancel" | table after', '* | stats count']);
    // `duckhunt` alone on a terminal is the shell (here over the embedded sample data).
    const again = openShell([]);
    await again.until(PROMPT);
    again.type('\x1b[A\x1b[A');
    await again.until('| makeresults | eval after="cancel" | table after');
    again.type('\r');
    expect(plain(await again.until(/\(1 row in/))).toMatch(/after\n-+\ncancel\n/);
    await again.until(PROMPT);
    again.type('.quit\r');
    expect(await again.closed).toBe(0);
  }, 60_000);
});

describe('duckhunt alone', () => {
  it('prints the help, naming the shell, when standard input is not a terminal', () => {
    const r = spawnSync(process.execPath, [BIN], { cwd: tmp, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(r.stdout + r.stderr).toMatch(/shell \[options\]\s+an interactive shell/);
  });
});

describe('the shell reading a file of queries', () => {
  it('runs them one after another without prompts, an error in between, lookups written by one read by the next', () => {
    // A lookup file outputlookup writes is there for the next query.
    const input = 'sourcetype=web |\n  stats count\n* | eval x=len(\n.format csv\n* | stats dc(user) AS users | outputlookup users.csv\n| inputlookup users.csv\n.save logs/events.json\n';
    const lookups = mkdtempSync(join(tmp, 'lookups-'));
    const r = spawnSync(process.execPath, [BIN, 'shell', '--source', `web=${EVENTS}`, '--lookup-dir', lookups], { cwd: tmp, input, encoding: 'utf8', env: { ...process.env, DUCKHUNT_HISTORY: '' } });
    // Two failed (the syntax error, the .save): a script's run is not a clean one.
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/duckhunt shell: 2 queries or commands failed\n$/);
    expect(r.stdout).not.toContain(PROMPT);
    expect(r.stdout).toMatch(/^count\n-+\n150\n\(1 row in [\d.]+ s\)\nformat: csv\nusers\n3\n\(1 row in [\d.]+ s\)\nusers\n3\n\(1 row in [\d.]+ s\)\n$/);
    expect(r.stderr).toContain('1:16: syntax error');
    // .save never writes over what the query reads.
    expect(r.stderr).toContain(`output error: .save logs/events.json: is the input file ${EVENTS}`);
    expect(readFileSync(EVENTS, 'utf8')).toMatch(/^\{"_time":1000,/);
  });

  it('.save picks the format from the extension as run -o does, .txt the table, else .format', () => {
    const input = 'sourcetype=web | stats count\n.format csv\n.save saved.feather\n.save saved.txt\n.save saved.out\n';
    const r = spawnSync(process.execPath, [BIN, 'shell', '--source', `web=${EVENTS}`], { cwd: tmp, input, encoding: 'utf8', env: { ...process.env, DUCKHUNT_HISTORY: '' } });
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('(1 row written to saved.feather as arrow)\n(1 row written to saved.txt as table)\n(1 row written to saved.out as csv)\n');
    expect(tableFromIPC(readFileSync(join(tmp, 'saved.feather'))).getChild('count')?.get(0)).toBe(150);
    expect(readFileSync(join(tmp, 'saved.out'), 'utf8')).toBe('count\n150\n');
  });

  it('exits 0 when every query of the file ran', () => {
    const r = spawnSync(process.execPath, [BIN, 'shell', '--source', `web=${EVENTS}`], { cwd: tmp, input: 'sourcetype=web | stats count\n.format csv\n', encoding: 'utf8', env: { ...process.env, DUCKHUNT_HISTORY: '' } });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});

describe('reading the shell input', () => {
  it('goes on after a line ending in |, inside [ ] or an open double-quoted string', () => {
    expect(needsMore('sourcetype=a |')).toBe(true);
    expect(needsMore('sourcetype=a | ')).toBe(true);
    expect(needsMore('* | search user="a|"')).toBe(false);
    expect(needsMore('* [search x')).toBe(true);
    expect(needsMore('* [search x | fields u]')).toBe(false);
    expect(needsMore('* | eval m="open')).toBe(true);
    expect(needsMore('* | eval m="a \\" [" | stats count')).toBe(false);
    expect(needsMore("* | eval x='it''s'")).toBe(false);
    expect(historyEntry(['* |', '  stats count'])).toBe('* | stats count');
  });

  it('completes by position: commands, macros, sourcetypes, indexes, fields of the named sourcetype, functions', async () => {
    const asked: (string | undefined)[] = [];
    const v: Vocabulary = {
      commands: ['stats', 'search', 'eval'],
      functions: ['count', 'coalesce', 'len'],
      macros: ['security_content_ctime(', 'o365_management_activity'],
      sourcetypes: ['o365:management:activity', 'o365:reporting:messagetrace'],
      indexes: ['main', 'o365'],
      fields: async (st) => (asked.push(st), st === 'o365:management:activity' ? ['Operation', 'UserId'] : ['Operation', 'UserId', 'SenderAddress']),
    };
    expect(await completions('* | s', v)).toEqual([['search ', 'stats '], 's']);
    expect(await completions('* [S', v)).toEqual([['search ', 'stats '], 'S']);
    expect(await completions('`o365', v)).toEqual([['o365_management_activity`'], 'o365']);
    expect(await completions('`sec', v)).toEqual([['security_content_ctime('], 'sec']);
    expect(await completions('sourcetype=o365:r', v)).toEqual([['o365:reporting:messagetrace'], 'o365:r']);
    expect(await completions('index=o', v)).toEqual([['o365'], 'o']);
    expect(await completions('sourcetype=o365:management:activity | stats count by u', v)).toEqual([['UserId'], 'u']);
    expect(asked.at(-1)).toBe('o365:management:activity');
    expect(await completions('* | stats c', v)).toEqual([['coalesce(', 'count('], 'c']);
    expect(await completions('* | table S', v)).toEqual([['SenderAddress'], 'S']);
    expect(asked.at(-1)).toBeUndefined();
  });
});
