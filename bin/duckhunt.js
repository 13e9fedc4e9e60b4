#!/usr/bin/env node
// Runs the built command line (dist/, made by `npm ci` and `npm run build`). When dist/ is missing or older than
// the TypeScript sources (an edit not yet built), it runs the sources through tsx's loader instead, slower to
// start but never stale.
import { existsSync, readdirSync, statSync } from 'node:fs';
import module from 'node:module';

// Node 22.1+ keeps V8's compiled code of the bundle between runs (compiling it is a good part of each start);
// older Node has no such cache and starts as before.
module.enableCompileCache?.();

const root = new URL('..', import.meta.url);
const built = new URL('dist/main.js', root);

function newestSource(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (e.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

const fresh =
  existsSync(built) &&
  statSync(built).mtimeMs >= Math.max(...['src', 'grammar'].map((d) => (existsSync(new URL(d, root)) ? newestSource(new URL(d, root).pathname) : 0)));

let main;
if (fresh) {
  ({ main } = await import(built.href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
process.exitCode = await main(process.argv);
