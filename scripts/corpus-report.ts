// `npm run corpus:report`: how much of a security_content checkout duckhunt parses and compiles. The corpus is
// read in place: DUCKHUNT_CORPUS, else ../shared/corpus/security_content (test/support/corpus.ts).
// Prints the totals, the same for the detections that use tstats, and the commonest reasons a detection does not
// compile. `--list` prints the status of every file instead.

import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { checkFile, collectQueryFiles, summarize, type CheckResult } from '../src/check.ts';
import { compileQuery } from '../src/compile/index.ts';
import { defaultCompileOptions } from '../src/compile/context.ts';
import { Engine } from '../src/engine/engine.ts';
import { allLookups, loadKnowledge } from '../src/knowledge/index.ts';
import { defaultMacroLibrary } from '../src/macros/index.ts';
import { readQueryFile } from '../src/query-file.ts';
import { CORPUS, CORPUS_SKIPPED } from '../test/support/corpus.ts';

if (!CORPUS) {
  process.stderr.write(`corpus:report ${CORPUS_SKIPPED}\n`);
  process.exit(2);
}
// duckhunt's own knowledge, and the checkout's lookups (lookups/*.yml + .csv) when it has them.
const knowledge = loadKnowledge(existsSync(join(CORPUS, 'lookups')) ? [CORPUS] : []);
const engine = await Engine.create({ timezone: 'UTC' });
await engine.describeLookups(knowledge, allLookups(knowledge));
engine.close();
const macros = defaultMacroLibrary([join(CORPUS, 'macros')], knowledge.macros);
// iplocation compiles with the name of a GeoIP database; only running it reads one.
const options = { ...defaultCompileOptions(), knowledge, geoip: 'GeoLite2-City.mmdb' };
const files = collectQueryFiles([join(CORPUS, 'detections')]);
const results = files.map((f) => checkFile(f, { macros, parseOnly: false, compile: (p) => void compileQuery(p, [], options) }));

if (process.argv.includes('--list')) {
  for (const r of results) process.stdout.write(`${r.status.padEnd(14)} ${relative(CORPUS, r.file)}${r.message ? `: ${r.message}` : ''}\n`);
}
const pct = (part: CheckResult[], all: CheckResult[]) => `${((100 * part.filter((r) => r.status === 'ok').length) / Math.max(all.length, 1)).toFixed(1)}% compile`;
const usesTstats = (file: string) => {
  try {
    return /\|\s*tstats\b/.test(readQueryFile(file).text);
  } catch {
    return false; // not readable as a detection: counted once, under all
  }
};
const tstats = results.filter((r) => usesTstats(r.file));
process.stdout.write(`corpus: ${CORPUS}\n`);
process.stdout.write(`all:    ${summarize(results)} (${pct(results, results)})\n`);
process.stdout.write(`tstats: ${summarize(tstats)} (${pct(tstats, tstats)})\n`);
const reasons = new Map<string, number>();
for (const r of results) if (r.status !== 'ok') reasons.set(`${r.status}: ${r.message}`, (reasons.get(`${r.status}: ${r.message}`) ?? 0) + 1);
process.stdout.write('commonest reasons:\n');
for (const [reason, n] of [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 20)) process.stdout.write(`${String(n).padStart(6)}  ${reason}\n`);
