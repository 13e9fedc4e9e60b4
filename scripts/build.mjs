// Builds dist/: the command line and the library entry point as bundled ES modules (esbuild), so that
// `duckhunt` starts without a TypeScript loader and loads chevrotain as one file instead of hundreds of modules.
// Run by `npm ci` (the prepare script) and by `npm test`; bin/duckhunt.js falls back to the TypeScript sources
// through tsx when dist/ is missing or older than them.

import { rmSync } from 'node:fs';
import { build } from 'esbuild';

// commander requires node:child_process at load, only to run executable subcommands, which duckhunt has none
// of; loading that built-in is ~14 ms of every start (`duckhunt --help` included). Its one use, spawn, loads it
// when called.
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(b) {
    b.onResolve({ filter: /^node:child_process$/ }, (args) =>
      args.importer.includes('/node_modules/commander/') ? { path: 'lazy-child-process', namespace: 'duckhunt' } : undefined,
    );
    b.onLoad({ filter: /^lazy-child-process$/, namespace: 'duckhunt' }, () => ({
      contents: "module.exports = { spawn: (...a) => require('node:child_process').spawn(...a) };",
      loader: 'js',
    }));
  },
};

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: { main: 'src/cli/main.ts', api: 'src/api.ts' },
  absWorkingDir: new URL('..', import.meta.url).pathname,
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  chunkNames: 'chunks/[name]-[hash]',
  // The DuckDB bindings load their native addon relative to their own package; the client itself is bundled
  // (imported as ESM, a CommonJS package costs a module-lexer pass at every start).
  external: ['@duckdb/node-bindings*'],
  // Bundled CommonJS packages (commander) call require().
  banner: { js: "import { createRequire as __dhRequire } from 'node:module'; const require = __dhRequire(import.meta.url);" },
  plugins: [lazyChildProcess],
  logLevel: 'warning',
});
