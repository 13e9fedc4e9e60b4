// Property-based fuzzing (test/fuzz/fuzz-lib.ts): generated, mutated and extreme queries never make the front end
// or the compiler throw anything but a DuckhuntError positioned inside the query. FUZZ_RUNS (default 5,000) and
// FUZZ_SEED (default fixed, so CI is reproducible) choose the campaign; `npm run fuzz` runs 100,000 cases.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attempt, queries, seedQueries } from './fuzz/fuzz-lib.ts';

const runs = Number(process.env.FUZZ_RUNS ?? 5000);
const seed = Number(process.env.FUZZ_SEED ?? 20261129);

describe('fuzzing the front end and compiler', () => {
  it(`${runs} queries: only positioned DuckhuntErrors`, () => {
    fc.assert(
      fc.property(queries(seedQueries()), (text) => {
        const outcome = attempt(text);
        if (!outcome.ok && !outcome.expected) throw new Error(`${outcome.why}\nquery: ${JSON.stringify(text.slice(0, 2000))}`);
      }),
      { numRuns: runs, seed },
    );
  }, 240_000);

  it('the property can fail: a crash is reported as one', () => {
    // The outcome classifier itself: a query that compiles is ok, a syntax error is expected.
    expect(attempt('* | stats count by user')).toEqual({ ok: true });
    expect(attempt('* | eval x=(')).toEqual({ ok: false, expected: true });
  });
});
