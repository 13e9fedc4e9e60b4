import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['test/support/global-setup.ts'],
    // One worker per core (vitest's default leaves one core idle): on the 2-core machine the suite then takes
    // about 4 minutes instead of 6; most time is DuckDB waiting on its own threads, not on the other worker.
    maxWorkers: availableParallelism(),
    // Time limits catch hangs, not slowness: speed is measured in bench/. Tests that spawn the CLI several times
    // take seconds each on a loaded 2-core machine, so the per-test limit is generous.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
