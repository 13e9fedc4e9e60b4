import { compileText } from '../src/api.ts';
import { Engine } from '../src/engine/engine.ts';
import { readQueryFile } from '../src/query-file.ts';
import { screenNdjson } from '../src/sources/input-check.ts';
import { bindingsFor, HEADLINE } from './lib.ts';
const dir = process.argv[2];
const engine = await Engine.create({ timezone: 'UTC' });
const bindings = await engine.describeSources(bindingsFor(dir, 'ndjson'));
let t = performance.now();
console.log('screen ma', await screenNdjson(engine.connection, [`${dir}/ma.ndjson`], 'CreationTime'), ((performance.now() - t) / 1000).toFixed(2));
t = performance.now();
console.log('screen mt', await screenNdjson(engine.connection, [`${dir}/mt.ndjson`], 'Received'), ((performance.now() - t) / 1000).toFixed(2));
if (process.argv[3]) {
const q = compileText(readQueryFile(HEADLINE), { bindings });
t = performance.now(); let n = 0;
await engine.run(q, (c) => { n += c.length; });
console.log('rows', n, 'fallbacks', engine.typedScanFallbacks, ((performance.now() - t) / 1000).toFixed(2));
}
