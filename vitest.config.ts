import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['test/support/global-setup.ts'],
    // Time limits catch hangs, not slowness: speed is measured in bench/. Tests that spawn the CLI several times
    // take seconds each on a loaded 2-core machine, so the per-test limit is generous.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
