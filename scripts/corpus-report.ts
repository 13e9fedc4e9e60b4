// `npm run corpus:report`: how much of a security_content checkout duckhunt parses, compiles and runs. The corpus
// is read in place: DUCKHUNT_CORPUS, else ../shared/corpus/security_content (test/support/corpus.ts). A detection
// "runs" when it compiles and DuckDB runs its SQL over a tiny source (test/support/corpus-ratchet.ts).
// Prints the totals, the same for the detections that use tstats, and the commonest reasons a detection does not
// run. `--list` prints the outcome of every file; `--update` (`npm run corpus:update`) writes the outcome to
// test/corpus-ratchet.json, which test/corpus.test.ts then holds exactly.

import { join } from 'node:path';
import { readQueryFile } from '../src/query-file.ts';
import { CORPUS, CORPUS_SKIPPED } from '../test/support/corpus.ts';
import { measureCorpus, RATCHET_FILE, readRatchet, writeRatchet, type DetectionOutcome } from '../test/support/corpus-ratchet.ts';

if (!CORPUS) {
  process.stderr.write(`corpus:report ${CORPUS_SKIPPED}\n`);
  process.exit(2);
}
const root = CORPUS;
const m = await measureCorpus(root);
const out = (s: string) => process.stdout.write(s + '\n');

if (process.argv.includes('--list')) {
  for (const d of m.detections) out(`${(d.failure ? d.failure.split(':')[0] : 'runs').padEnd(14)} ${d.file}${d.failure ? `: ${d.failure.slice(d.failure.indexOf(':') + 2)}` : ''}`);
}
const usesTstats = (d: DetectionOutcome) => {
  try {
    return /\|\s*tstats\b/.test(readQueryFile(join(root, d.file)).text);
  } catch {
    return false; // not readable as a detection: counted once, under all
  }
};
const summary = (ds: DetectionOutcome[]) => {
  const n = (p: (d: DetectionOutcome) => boolean) => ds.filter(p).length;
  const runs = n((d) => d.parse === 'ok' && !d.failure);
  return (
    `${ds.length} detections: ${n((d) => d.parse === 'ok')} parse, ${n((d) => d.parse === 'unsupported')} use an unsupported command, ` +
    `${n((d) => d.parse !== 'ok' && d.parse !== 'unsupported')} fail to parse; ${runs} compile and run (${((100 * runs) / Math.max(ds.length, 1)).toFixed(1)}%)`
  );
};
out(`corpus: ${root}`);
out(`all:    ${summary(m.detections)}`);
out(`tstats: ${summary(m.detections.filter(usesTstats))}`);
const reasons = new Map<string, number>();
for (const d of m.detections) if (d.failure) reasons.set(d.failure, (reasons.get(d.failure) ?? 0) + 1);
out('commonest reasons:');
for (const [reason, n] of [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 20)) out(`${String(n).padStart(6)}  ${reason.slice(0, 200)}`);

if (process.argv.includes('--update')) {
  const before = new Set(readRatchet().runs);
  const after = new Set(m.ratchet.runs);
  writeRatchet(m);
  out(`\nwrote ${RATCHET_FILE}: ${after.size} run (${[...after].filter((f) => !before.has(f)).length} gained, ${[...before].filter((f) => !after.has(f)).length} lost)`);
}
