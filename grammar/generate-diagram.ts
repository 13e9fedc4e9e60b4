// Writes grammar/railroad.html, the railroad diagram of the whole SPL grammar (npm run grammar:diagram).
// test/grammar.test.ts fails when the committed diagram is out of date.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { diagramHtml } from './diagram.ts';

const out = join(import.meta.dirname, 'railroad.html');
writeFileSync(out, diagramHtml());
console.log(`wrote ${out}`);
