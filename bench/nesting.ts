// Nested function calls: SQL size, compile time and run time (DuckDB's bind included) against nesting depth, for
// mvindex, mvappend, if and coalesce. The prelude macros and several translations use an operand more than once;
// src/compile/once.ts binds such an operand once, so all three should grow linearly, not exponentially, with depth.
// Run: npx tsx bench/nesting.ts [depths, comma-separated] (default 5,10,20,40,80).

import { loadavg } from 'node:os';
import { compilePrepared } from '../src/compile/index.ts';
import { defaultCompileOptions } from '../src/compile/context.ts';
import { Engine } from '../src/engine/engine.ts';
import { parseQuery } from '../src/frontend.ts';
import { builtInKnowledge, withTimeProps } from '../src/knowledge/index.ts';
import { defaultMacroLibrary } from '../src/macros/index.ts';

const depths = (process.argv[2] ?? '5,10,20,40,80').split(',').map(Number);

/** Each function nested `depth` deep around a field (every level uses the level below exactly once). */
const NESTS: Record<string, (inner: string) => string> = {
  mvindex: (e) => `mvindex(${e}, 0)`,
  mvappend: (e) => `mvappend(${e}, "x")`,
  // The operand is one branch (naming it in the condition too would double the SPL itself).
  if: (e) => `if(a="1", "b", ${e})`,
  coalesce: (e) => `coalesce(${e}, "y")`,
};

const nest = (f: (e: string) => string, depth: number): string => Array.from({ length: depth }).reduce<string>((e) => f(e), 'a');

const knowledge = builtInKnowledge();
const macros = defaultMacroLibrary([], knowledge.macros);
const engine = await Engine.create({ timezone: 'UTC' });
const lines = ['| function | depth | SQL (bytes) | compile (ms) | run (ms) |', '|---|---|---|---|---|'];
for (const [name, f] of Object.entries(NESTS)) {
  for (const depth of depths) {
    const text = `| makeresults count=1000 | eval a=tostring(random() % 10) | eval z=${nest(f, depth)} | stats count by z`;
    const t0 = performance.now();
    // Brackets nest three levels per call at most: raise the parser's limit past the depths measured.
    const parsed = parseQuery({ file: undefined, text, detectionName: undefined }, { macros, maxNesting: 4 * depth + 64 });
    const q = await compilePrepared(parsed, withTimeProps(knowledge, []), { ...defaultCompileOptions(), knowledge }, {
      discover: (r) => engine.discoverFields(r),
      prerun: (r) => engine.prerun(r),
    });
    const t1 = performance.now();
    let rows = 0;
    await engine.run(q, (chunk) => {
      rows += chunk.length;
    });
    const t2 = performance.now();
    if (rows === 0) throw new Error(`${name} ${depth}: no rows`);
    lines.push(`| ${name} | ${depth} | ${q.sql.length} | ${(t1 - t0).toFixed(0)} | ${(t2 - t1).toFixed(0)} |`);
    process.stderr.write(lines[lines.length - 1] + '\n');
  }
}
engine.close();
console.log(lines.join('\n'));
console.log(`\nload average at the end: ${loadavg()[0].toFixed(2)}`);
