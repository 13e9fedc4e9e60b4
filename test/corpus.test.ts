// Real Splunk content, not one query: every security_content detection in the corpus must parse (an
// unsupported command is not a syntax error), except the checked-in known failures, each with its reason.
// Ratchet: the test fails when a new failure appears AND when a listed one starts passing (remove it then).
// The corpus is read in place (test/support/corpus.ts); without one the suite is skipped and says how to run it.

import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkFile, collectQueryFiles, type CheckResult } from '../src/check.ts';
import { compileQuery } from '../src/compile/index.ts';
import { defaultCompileOptions } from '../src/compile/context.ts';
import { defaultMacroLibrary } from '../src/macros/index.ts';
import { CORPUS, CORPUS_SKIPPED } from './support/corpus.ts';

const root = CORPUS ?? '';
const macros = CORPUS ? defaultMacroLibrary([join(root, 'macros')]) : undefined!;
const files = CORPUS ? collectQueryFiles([join(root, 'detections')]) : [];
const known = JSON.parse(readFileSync(join(import.meta.dirname, 'corpus-known-failures.json'), 'utf8')) as Array<{
  file: string;
  status: string;
  reason: string;
}>;
const coverage = JSON.parse(readFileSync(join(import.meta.dirname, 'corpus-coverage.json'), 'utf8')) as { compiles: number };

const parsed: CheckResult[] = files.map((f) => checkFile(f, { macros, parseOnly: true }));
const parses = (r: CheckResult) => r.status === 'ok' || r.status === 'unsupported';

describe.skipIf(!CORPUS)(`security_content corpus${CORPUS ? '' : ` (${CORPUS_SKIPPED})`}`, () => {
  it('holds all 1,209 detections', () => {
    expect(files).toHaveLength(1209);
  });

  it('parses at least 98% of the detections', () => {
    const ok = parsed.filter(parses).length;
    expect(ok / files.length).toBeGreaterThanOrEqual(0.98);
  });

  it('fails exactly on the known failures (ratchet), each for its recorded reason', () => {
    const failing = parsed.filter((r) => !parses(r)).map((r) => ({ file: relative(root, r.file), status: r.status }));
    expect(failing).toEqual(known.map(({ file, status }) => ({ file, status })));
    for (const k of known) expect(k.reason.length).toBeGreaterThan(20);
  });

  it(`compiles at least the recorded ${coverage.compiles} detections end to end`, () => {
    // iplocation compiles with the name of a GeoIP database; only running it reads one.
    const options = { ...defaultCompileOptions(), geoip: 'GeoLite2-City.mmdb' };
    const compiled = files.filter((f) => checkFile(f, { macros, parseOnly: false, compile: (p) => void compileQuery(p, [], options) }).status === 'ok');
    expect(compiled.length).toBeGreaterThanOrEqual(coverage.compiles);
  }, 60_000);
});
