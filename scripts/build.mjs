// Builds dist/ with esbuild, so that `duckhunt` starts without a TypeScript loader:
//
//   dist/duckhunt.cjs        the whole command line as one CommonJS bundle (chevrotain, DuckDB's client… included;
//                            only DuckDB's native bindings stay in node_modules)
//   dist/help.cjs            the same option definitions with the commands left out: what `duckhunt --help` loads
//   dist/*.cjs.cache         V8's code cache of each bundle, made here by a warm-up run of each
//
// CommonJS and not ES modules because Node 20 can cache V8's compiled code only for scripts (vm.Script's
// cachedData; its module compile cache needs Node 22.1): bin/duckhunt.js loads a bundle through it, which saves
// compiling the bundle's code at every start (~110 ms of a `makeresults` query, README "Start-up").
//
// Run by `npm ci` (the prepare script) and by `npm test`; bin/duckhunt.js runs the TypeScript sources through
// tsx instead when dist/ is missing or older than them.

import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const { version } = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));

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

// @duckdb/node-bindings asks detect-libc whether Linux's C library is musl before it loads the binding package
// for this platform: ~15 ms of every query (a diagnostic report, and child_process loaded). npm installs only the
// package whose libc matches (each declares its "libc"), so when exactly one is there it is loaded directly; any
// other case goes through @duckdb/node-bindings as before.
const directDuckdbBinding = {
  name: 'direct-duckdb-binding',
  setup(b) {
    // (Its own require of @duckdb/node-bindings, the fallback, stays external.)
    b.onResolve({ filter: /^@duckdb\/node-bindings$/ }, (args) => (args.namespace === 'duckhunt' ? undefined : { path: 'duckdb-binding', namespace: 'duckhunt' }));
    b.onLoad({ filter: /^duckdb-binding$/, namespace: 'duckhunt' }, () => ({
      contents: `
        function installed(name) {
          try { return require.resolve(name); } catch { return undefined; }
        }
        function binding() {
          if (process.platform === 'linux') {
            const found = ['', '-musl'].map((libc) => installed('@duckdb/node-bindings-linux-' + process.arch + libc + '/duckdb.node')).filter(Boolean);
            if (found.length === 1) return require(found[0]);
          }
          return require('@duckdb/node-bindings');
        }
        module.exports = binding();`,
      loader: 'js',
    }));
  },
};

// The help bundle: main.ts imports each command's module when the command runs; here they are left out.
// bin/duckhunt.js loads this bundle only for arguments with which commander prints help and runs nothing, so
// reaching one of these is a defect, said as one.
const COMMANDS = ['runCommand', 'shellCommand', 'compileCommand', 'ingestCommand', 'checkCommand', 'testCommand'];
const withoutCommands = {
  name: 'without-commands',
  setup(b) {
    b.onResolve({ filter: /^\.\/commands\/[a-z]+\.ts$/ }, (args) => (args.importer.endsWith('/src/cli/main.ts') ? { path: args.path, namespace: 'help-only' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'help-only' }, (args) => ({
      contents: COMMANDS.map((name) => `export function ${name}() { throw new Error('the help bundle cannot run ${args.path} (bin/duckhunt.js chose it for arguments that run a command)'); }`).join('\n'),
      loader: 'js',
    }));
  },
};

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
const common = {
  absWorkingDir: root,
  outdir: 'dist',
  outExtension: { '.js': '.cjs' },
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  // DuckDB's bindings load their native addon relative to their own package.
  external: ['@duckdb/node-bindings*'],
  // src/paths.ts finds the package from its own location.
  define: { 'import.meta.url': '__duckhuntUrl', __DUCKHUNT_VERSION__: JSON.stringify(version) },
  banner: { js: "const __duckhuntUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
  // Without comments the bundle is ASCII (esbuild escapes the rest), which bin/duckhunt.js reads as a one-byte
  // string: decoding UTF-8 made a two-byte one, 16 ms of every start for 3 MB. Names stay for stack traces.
  minifyWhitespace: true,
  keepNames: true,
};
await build({ ...common, entryPoints: { duckhunt: 'src/cli/main.ts' }, plugins: [lazyChildProcess, directDuckdbBinding] });
await build({ ...common, entryPoints: { help: 'src/cli/main.ts' }, plugins: [lazyChildProcess, withoutCommands] });

// The warm-up runs: bin/duckhunt.js writes each bundle's code cache after the run (DUCKHUNT_CODE_CACHE=write), so
// the cache holds the functions a run compiles, not only the bundle's top level. The headline detection on the
// embedded sample goes through most of what a query needs (macros, parser, compiler, DuckDB, the writer).
const warmUps = [
  ['--help'],
  ['run', 'queries/o365_email_send_and_hard_delete_exfiltration_behavior.spl', '--format', 'csv'],
];
for (const args of warmUps) {
  const r = spawnSync(process.execPath, ['bin/duckhunt.js', ...args], { cwd: root, env: { ...process.env, DUCKHUNT_CODE_CACHE: 'write' }, encoding: 'utf8' });
  // No cache only costs start-up time; the build does not fail for it, but says so.
  if (r.status !== 0) process.stderr.write(`build: the warm-up run \`duckhunt ${args.join(' ')}\` failed (exit ${r.status}), so its code cache was not written:\n${r.stderr}`);
}
