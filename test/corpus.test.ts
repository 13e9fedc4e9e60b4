// Real Splunk content, not one query: every security_content detection in the corpus is parsed, compiled, and —
// when it compiles — run by DuckDB over a tiny source (test/support/corpus-ratchet.ts), so a binder error counts
// as a failure to compile. Ratchets, both ways: the parse failures are exactly the checked-in known failures,
// each with its reason (test/corpus-known-failures.json, written by hand); the detections that use a command the
// grammar does not know are counted by command, so a parser regression cannot hide among them; and the
// detections that run are exactly the list in test/corpus-ratchet.json — one lost fails, one gained and not
// written back fails too (`npm run corpus:update` rewrites the list).
// The corpus is read in place (test/support/corpus.ts); without one the suite is skipped and says how to run it.

import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { CORPUS, CORPUS_SKIPPED } from './support/corpus.ts';
import { KNOWN_FAILURES_FILE, measureCorpus, readRatchet, type CorpusMeasure } from './support/corpus-ratchet.ts';

const known = JSON.parse(readFileSync(KNOWN_FAILURES_FILE, 'utf8')) as Array<{ file: string; status: string; reason: string }>;
const ratchet = readRatchet();
const UPDATE = 'if the change is intended, run `npm run corpus:update` and commit test/corpus-ratchet.json';

let measured: CorpusMeasure;

describe.skipIf(!CORPUS)(`security_content corpus${CORPUS ? '' : ` (${CORPUS_SKIPPED})`}`, () => {
  beforeAll(async () => {
    measured = await measureCorpus(CORPUS!);
  }, 600_000);

  it('holds all 1,209 detections', () => {
    expect(measured.detections).toHaveLength(1209);
  });

  it('parses at least 98% of the detections', () => {
    const parsed = measured.detections.filter((d) => d.parse === 'ok' || d.parse === 'unsupported').length;
    expect(parsed / measured.detections.length).toBeGreaterThanOrEqual(0.98);
  });

  it('fails to parse exactly the known failures (ratchet), each for its recorded reason', () => {
    const failing = measured.detections.filter((d) => d.parse !== 'ok' && d.parse !== 'unsupported').map((d) => ({ file: d.file, status: d.parse }));
    expect(failing).toEqual(known.map(({ file, status }) => ({ file, status })));
    for (const k of known) expect(k.reason.length).toBeGreaterThan(20);
  });

  it('parses as many detections with every command known, and the rest by unsupported command, as recorded', () => {
    expect({ parsed: measured.ratchet.parsed, unsupportedCommands: measured.ratchet.unsupportedCommands }, UPDATE).toEqual({
      parsed: ratchet.parsed,
      unsupportedCommands: ratchet.unsupportedCommands,
    });
  });

  it(`compiles and runs exactly the ${ratchet.runs.length} recorded detections (ratchet, both ways)`, () => {
    const runs = new Set(measured.ratchet.runs);
    const recorded = new Set(ratchet.runs);
    const why = new Map(measured.detections.map((d) => [d.file, d.failure]));
    const lost = [...recorded].filter((f) => !runs.has(f)).map((f) => `${f}: ${why.get(f) ?? 'not in the corpus'}`);
    const gained = [...runs].filter((f) => !recorded.has(f));
    expect({ lost, gained }, `no longer run: ${lost.length}, newly run: ${gained.length}; ${UPDATE}`).toEqual({ lost: [], gained: [] });
  });
});
