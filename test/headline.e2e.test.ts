// End to end: the shipped detection, unchanged, through the CLI exactly as the README's first command runs it,
// on the embedded sample data. Every row and every field must equal what the independent oracle
// (test/oracle/headline-oracle.ts, plain TypeScript, no SQL) computes from the same files: exactly the planted
// positives of data/README.md, none of the near misses.

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { headlineOracle, type Row } from './oracle/headline-oracle.ts';

const ROOT = join(import.meta.dirname, '..');
const QUERY = 'queries/o365_email_send_and_hard_delete_exfiltration_behavior.spl';
const readNdjson = (file: string) =>
  readFileSync(join(ROOT, 'data', file), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

function runCli(args: string[]): { stdout: string; stderr: string } {
  const stdout = execFileSync(process.execPath, [join(ROOT, 'bin', 'duckhunt.js'), ...args], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return { stdout, stderr: '' };
}

/** The oracle's rows in the CLI's JSON shape: a one-value multivalue is a plain value, null fields absent. */
function asJson(row: Row): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    if (v === null) continue;
    out[k] = Array.isArray(v) && v.length === 1 ? v[0] : v;
  }
  return out;
}

describe('headline detection on the embedded sample data', () => {
  const expected = headlineOracle(readNdjson('o365_management_activity.ndjson'), readNdjson('o365_messagetrace.ndjson')).map(asJson);
  const actual = JSON.parse(runCli(['run', QUERY, '--format', 'json']).stdout) as Record<string, unknown>[];

  it('finds exactly the planted positives (P1–P5, P5 with two recipients)', () => {
    expect(actual.map((r) => [r.subject, r.user, r.recipient])).toEqual([
      ['Acquisition target shortlist', 'irvin.sayers@contoso.com', 'j.rivera@adatum.com'],
      ['Customer list export', 'lee.gu@contoso.com', 'lee.gu@proton.me'],
      ['Customer list export', 'lee.gu@contoso.com', 'leegu1988@gmail.com'],
      ['Pricing model v7 (internal only)', 'priya.raman@fabrikam.com', 'nestor.wilke@contoso.com'],
      ['Q3 Board Deck - FINAL', 'megan.bowen@contoso.com', 'mbowen.private@gmail.com'],
      ['Updated remittance details', 'alex.wilber@contoso.com', 'billing@wingtiptoys.com'],
    ]);
  });

  it('returns every field of every row as the independent oracle computes it', () => {
    expect(actual).toEqual(expected);
  });

  it('outputs the detection fields in the order Splunk would', () => {
    expect(Object.keys(actual[0])).toEqual([
      'subject',
      'user',
      'recipient',
      'Organization',
      'sender',
      'http_user_agent',
      'signature',
      // file_name is absent on this row: its delete had no attachment and the send none either
      'file_size',
      'firstTime',
      'lastTime',
      'count',
      'externalRecipient',
    ]);
  });

  it('prints the same rows as a readable table, multivalue one value per line', () => {
    const table = runCli(['run', QUERY]).stdout;
    expect(table).toContain('(6 rows)');
    const lines = table.split('\n');
    const p2 = lines.findIndex((l) => l.startsWith('Updated remittance details'));
    expect(lines[p2]).toContain('IBAN list.docx (131072b)');
    expect(lines[p2 + 1]).toContain('Vendor_Bank_Details.xlsx (88064b)');
    expect(lines[p2 + 2]).toContain('payment_run_2024-03.csv (24576b)');
  });
});
