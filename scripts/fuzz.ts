// The fuzz campaign: `npm run fuzz` (100,000 cases) or `npx tsx scripts/fuzz.ts --runs N --seed S`. Unlike the
// test, it does not stop at the first crash: it counts them all, prints the first few, and ends with
// `fuzz: N cases, C crashes` (exit code 1 when C > 0). Every RUN_EVERY-th query that compiles also runs over the
// tiny source (test/fuzz/fuzz-lib.ts); a crash while running counts like one while compiling.

import fc from 'fast-check';
import { attempt, queries, Runner, RUN_EVERY, seedQueries } from '../test/fuzz/fuzz-lib.ts';

const arg = (name: string) => {
  const k = process.argv.indexOf(name);
  return k >= 0 ? process.argv[k + 1] : undefined;
};
const runs = Number(arg('--runs') ?? process.env.FUZZ_RUNS ?? 100_000);
const seed = Number(arg('--seed') ?? process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const started = performance.now();
let cases = 0;
let okCount = 0;
let ranCount = 0;
let slowCount = 0;
let runCrashes = 0;
const crashes: Array<{ why: string; text: string }> = [];
const tty = process.stderr.isTTY;
const runner = await Runner.create();

// The property always holds for fast-check (so the run never stops or shrinks); crashes are counted here.
// Cases are generated one at a time, not sampled up front: 100,000 of them, some 100,000 characters long, would
// not fit in memory together.
await fc.check(
  fc.asyncProperty(queries(seedQueries()), async (text) => {
    cases++;
    const outcome = attempt(text);
    if (outcome.ok) {
      if (okCount++ % RUN_EVERY === 0) {
        ranCount++;
        if (process.env.FUZZ_TRACE) console.log(`run ${cases}: ${JSON.stringify(text.slice(0, 300))}`);
        const result = await runner.run(text, outcome.compiled);
        if ('slow' in result) {
          slowCount++;
          if (process.env.FUZZ_SHOW_SLOW) console.log(`slow: ${JSON.stringify(text.slice(0, 300))}`);
        }
        else if (!result.ok && !result.expected) {
          runCrashes++;
          crashes.push({ why: `running: ${result.why}`, text: text.slice(0, 10_000) });
        }
      }
    } else if (!outcome.expected) crashes.push({ why: outcome.why, text: text.slice(0, 10_000) });
    if (tty && cases % 1000 === 0) process.stderr.write(`\r${cases.toLocaleString('en-US')} / ${runs.toLocaleString('en-US')} cases, ${crashes.length} crashes`);
    else if (!tty && cases % 10_000 === 0) process.stderr.write(`${cases.toLocaleString('en-US')} / ${runs.toLocaleString('en-US')} cases, ${crashes.length} crashes, ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
    return true;
  }),
  { numRuns: runs, seed },
);
runner.close();
if (tty) process.stderr.write('\n');
for (const c of crashes.slice(0, 8)) console.log(`crash: ${c.why}\n  query: ${JSON.stringify(c.text.slice(0, 10_000))}`);
const seconds = (performance.now() - started) / 1000;
const n = (x: number) => x.toLocaleString('en-US');
console.log(`seed ${seed}; ${n(okCount)} compiled (${n(ranCount)} of them run, ${n(slowCount)} stopped after 3 s), ${n(cases - okCount - (crashes.length - runCrashes))} positioned errors; ${seconds.toFixed(0)} s`);
console.log(`fuzz: ${cases} cases, ${crashes.length} crashes`);
process.exit(crashes.length > 0 ? 1 : 0);
