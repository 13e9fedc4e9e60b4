#!/usr/bin/env node
// Runs the built command line (dist/, made by `npm ci` and `npm run build`; scripts/build.mjs says what is in it).
// When dist/ is missing or older than the TypeScript sources (an edit not yet built), it runs the sources through
// tsx's loader instead: slower to start, never stale.
//
// This file is CommonJS (bin/package.json): Node starts a CommonJS entry without its ES module loader (~9 ms),
// and a bundle is loaded as a script with V8's code cache (dist/*.cjs.cache), which Node 20 offers only there.
'use strict';

const { existsSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } = require('node:fs');
const { isAscii } = require('node:buffer');
const { join } = require('node:path');
const vm = require('node:vm');
const Module = require('node:module');

const root = join(__dirname, '..');
const dist = join(root, 'dist');
const args = process.argv.slice(2);

function newestSource(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (e.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

function isFresh(bundle) {
  if (!existsSync(bundle)) return false;
  const built = statSync(bundle).mtimeMs;
  return ['src', 'grammar'].every((d) => !existsSync(join(root, d)) || newestSource(join(root, d)) <= built);
}

const COMMANDS = new Set(['run', 'shell', 'compile', 'ingest', 'check', 'test']);
const isHelpFlag = (a) => a === '-h' || a === '--help';

/** Arguments with which commander prints help (or the version) and runs no command: dist/help.cjs suffices. */
function onlyHelp() {
  if (args.length === 0) return !(process.stdin.isTTY && process.stdout.isTTY); // on a terminal: the shell
  if (args.length === 1) return isHelpFlag(args[0]) || args[0] === 'help' || args[0] === '--version' || args[0] === '-V';
  if (args.length === 2) return (args[0] === 'help' && COMMANDS.has(args[1])) || (COMMANDS.has(args[0]) && isHelpFlag(args[1]));
  return false;
}

/**
 * Loads a CommonJS bundle as Node's own loader would, but with V8's code cache beside it. A cache V8 rejects (a
 * different Node or V8 flags) costs only the compile it would have saved, and is written again after the run.
 */
function loadBundle(file) {
  if (process.env.DUCKHUNT_DEBUG) {
    // Debugging: Node's own loader, whose stack traces the bundle's source map turns into TypeScript lines
    // (it does not for scripts run through vm); no code cache.
    process.setSourceMapsEnabled(true);
    return { main: require(file).main, done() {} };
  }
  const cacheFile = `${file}.cache`;
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    // No cache yet: compiled as usual.
  }
  // The build makes the bundle ASCII: read as Latin-1 it is a one-byte string, far cheaper than decoding UTF-8.
  const bytes = readFileSync(file);
  const source = isAscii(bytes) ? bytes.latin1Slice() : bytes.toString('utf8');
  const script = new vm.Script(Module.wrap(source), {
    filename: file,
    cachedData,
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, Module.createRequire(file), module, file, dist);
  const writeCache = process.env.DUCKHUNT_CODE_CACHE === 'write' || (cachedData !== undefined && script.cachedDataRejected);
  return {
    main: module.exports.main,
    // After the run, so the cache holds the functions the run compiled. Best effort: dist/ may be read-only.
    done() {
      if (!writeCache) return;
      try {
        const partial = `${cacheFile}.${process.pid}`;
        writeFileSync(partial, script.createCachedData());
        renameSync(partial, cacheFile);
      } catch {
        // Starting without a cache is only slower.
      }
    },
  };
}

async function start() {
  const bundle = join(dist, onlyHelp() ? 'help.cjs' : 'duckhunt.cjs');
  if (isFresh(bundle)) {
    const { main, done } = loadBundle(bundle);
    process.exitCode = await main(process.argv);
    done();
    return;
  }
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import('../src/cli/main.ts');
  process.exitCode = await main(process.argv);
}

start().catch((e) => {
  process.stderr.write(`duckhunt: cannot start: ${e && e.message ? e.message : e} (reinstall with npm ci, or npm run build)\n`);
  process.exitCode = 70;
});
