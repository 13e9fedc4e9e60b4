// The command line as users run it: formats, compile, check --format json, exit codes, Ctrl-C.

import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'duckhunt.js');
const tmp = mkdtempSync(join(tmpdir(), 'duckhunt-cli-'));
const cli = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8' });
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

  it('stops the running query on Ctrl-C and exits 130', async () => {
    const child = spawn(process.execPath, [BIN, 'run', '-e', '| makeresults count=20000000000 | eval x=md5(tostring(_time)) | stats dc(x)'], { cwd: ROOT });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    await new Promise((r) => setTimeout(r, 2500));
    child.kill('SIGINT');
    const code = await new Promise((r) => child.on('exit', r));
    expect(code).toBe(130);
    expect(stderr).toContain('interrupted');
  }, 30_000);
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
