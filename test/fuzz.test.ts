// Property-based fuzzing (test/fuzz/fuzz-lib.ts): generated, mutated and extreme queries never make the front end
// or the compiler throw anything but a DuckhuntError positioned inside the query, and every 10th query
// that compiles runs over a tiny source with the same guarantee. FUZZ_RUNS (default 5,000) and FUZZ_SEED (default
// fixed, so CI is reproducible) choose the campaign; `npm run fuzz` runs 100,000 cases.

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attempt, queries, Runner, seedQueries } from './fuzz/fuzz-lib.ts';

const runs = Number(process.env.FUZZ_RUNS ?? 5000);
const seed = Number(process.env.FUZZ_SEED ?? 20261129);
/** In `npm test` every 10th compiled query runs, stopped after 1 s (the campaign: every 5th, 3 s). */
const RUN_EVERY = 10;
const RUN_TIMEOUT_MS = 1000;

let runner: Runner;
beforeAll(async () => {
  runner = await Runner.create();
});
afterAll(() => runner?.close());

describe('fuzzing the front end, the compiler and the compiled SQL', () => {
  it(`${runs} queries: only positioned DuckhuntErrors, compiling and running`, async () => {
    let compiled = 0;
    let ran = 0;
    await fc.assert(
      fc.asyncProperty(queries(seedQueries()), async (text) => {
        const outcome = attempt(text);
        if (!outcome.ok) {
          if (!outcome.expected) throw new Error(`${outcome.why}\nquery: ${JSON.stringify(text.slice(0, 2000))}`);
          return;
        }
        if (compiled++ % RUN_EVERY !== 0) return;
        ran++;
        const result = await runner.run(text, outcome.compiled, RUN_TIMEOUT_MS);
        if (!result.ok && !result.expected) throw new Error(`running: ${result.why}\nquery: ${JSON.stringify(text.slice(0, 2000))}`);
      }),
      // No shrinking: a failing case is reported as generated (shrinking re-runs SQL over and over).
      { numRuns: runs, seed, endOnFailure: true },
    );
    // The sample is not empty: the campaign really ran SQL.
    expect(ran).toBeGreaterThan(runs / 100);
  }, 600_000);

  it('the property can fail: a crash is reported as one', async () => {
    // The outcome classifier itself: a query that compiles is ok, a syntax error is expected.
    expect(attempt('* | stats count by user')).toMatchObject({ ok: true });
    expect(attempt('* | eval x=(')).toEqual({ ok: false, expected: true });
    // Running: rows are ok, a positioned run-time error is expected, an error without a place is a crash.
    const ok = attempt('sourcetype=st | stats count by user');
    if (!ok.ok) throw new Error('expected to compile');
    expect(await runner.run('', ok.compiled)).toEqual({ ok: true });
    const regex = '| makeresults | eval p="(" | eval y=if(match("a", p), 1, 0)';
    const dynamic = attempt(regex);
    if (!dynamic.ok) throw new Error('expected to compile');
    expect(await runner.run(regex, dynamic.compiled)).toEqual({ ok: false, expected: true });
    expect(await runner.run('', { ...ok.compiled, sql: 'SELECT no_such_column' })).toMatchObject({ ok: false, expected: false, why: expect.stringMatching(/^no position/) });
  });
});
