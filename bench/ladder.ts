// Where the compiled query's time goes, command by command: the compiled SQL is one CTE per SPL command, so
// timing `WITH … SELECT <every column> FROM cte_k` for k = 1, 2, … gives the cumulative cost of the pipeline up
// to each command, and the differences the cost of each command. The subsearch statement is laddered first,
// then the main query (with the subsearch's table in place). Each step forces every column of its CTE (a hash
// of the whole row), so a step's cost includes columns that later commands may drop; the last step is the real
// query. Also times the variants in variants() — rewrites of the compiled SQL that test a proposed fix.
//
//   node --import tsx bench/ladder.ts '{"dir":"bench/out/data/1000000","format":"ndjson"}'
//
// Prints one JSON line: {steps: [{statement, cte, label, seconds}], variants: [{name, description, seconds, same}]}.

import { compileText } from '../src/api.ts';
import { Engine } from '../src/engine/engine.ts';
import { readQueryFile } from '../src/query-file.ts';
import { bindingsFor, canonicalRow, digest, HEADLINE, type Format } from './lib.ts';

export interface LadderStep {
  statement: 'subsearch' | 'main';
  cte: string;
  label: string;
  seconds: number;
}

export interface VariantResult {
  name: string;
  description: string;
  subsearchSeconds: number;
  mainSeconds: number;
  seconds: number;
  /** Whether the variant returned the same rows as the compiled query. */
  same: boolean;
}

interface Spec {
  dir: string;
  format: Format;
  variants?: boolean;
  ladder?: boolean;
}

/** The CTEs of a compiled statement, in order, with the SPL command each one compiles (its `--` comment). */
export function ctesOf(sql: string): Array<{ name: string; label: string }> {
  const out: Array<{ name: string; label: string }> = [];
  const re = /^-- (.*)\n"([A-Za-z0-9_]+)" AS \(/gm;
  for (let m = re.exec(sql); m; m = re.exec(sql)) out.push({ name: m[2], label: m[1] });
  return out;
}

/** The statement cut after CTE `name`, selecting a hash of each of its whole rows (every column computed). */
function upTo(sql: string, name: string): string {
  const start = sql.indexOf(`"${name}" AS (`);
  // The CTE ends where the next one's comment line starts (after `),`), or, for the last, before the SELECT
  // that follows the WITH list.
  const next = /\n\),\n-- [^\n]*\n"[A-Za-z0-9_]+" AS \(/g;
  next.lastIndex = start;
  const m = next.exec(sql);
  const end = m ? m.index : sql.lastIndexOf('\n)\nSELECT');
  const withList = sql.slice(0, end + 2);
  return `${withList}\nSELECT count(*), sum(hash(dh_row) % 1000) FROM "${name}" AS dh_row`;
}

/**
 * Rewrites of the compiled SQL, each testing one proposed change in src/ before it is made (see NOTES.md). The
 * changes measured this way and adopted (no line numbers, no row_number() over stats groups) are in src/ now.
 */
function variants(format: Format): Array<{ name: string; description: string; rewrite: (sql: string) => string }> {
  if (format !== 'ndjson') return [];
  return [
    {
      name: 'no-json_valid',
      description: 'NDJSON scan without the `json_valid(line)` test: what validating every line costs (lines that are not JSON would then need another guard)',
      rewrite: (s) => s.replaceAll(' AND json_valid(line)', ''),
    },
  ];
}

async function main(spec: Spec): Promise<{ steps: LadderStep[]; variants: VariantResult[] }> {
  const engine = await Engine.create({ timezone: 'UTC' });
  const c = engine.connection;
  const q = compileText(readQueryFile(HEADLINE), { bindings: await engine.describeSources(bindingsFor(spec.dir, spec.format)) });
  const time = async (sql: string, all = false): Promise<{ seconds: number; rows: string[] }> => {
    const t0 = performance.now();
    const r = await c.runAndReadAll(sql);
    const seconds = (performance.now() - t0) / 1000;
    return { seconds, rows: all ? r.getRowsJS().map((x) => canonicalRow(x as unknown[])).sort() : [] };
  };
  const steps: LadderStep[] = [];
  const createSub = (sql: string, table: string) => `CREATE OR REPLACE TEMP TABLE "${table}" AS\n${sql}`;
  // Warm the file cache once.
  for (const s of q.subsearches) await c.run(createSub(s.sql, s.table));
  const base = await time(q.sql, true);
  if (spec.ladder !== false) {
    for (const s of q.subsearches) {
      for (const cte of ctesOf(s.sql)) steps.push({ statement: 'subsearch', cte: cte.name, label: cte.label, seconds: (await time(upTo(s.sql, cte.name))).seconds });
      steps.push({ statement: 'subsearch', cte: '(statement)', label: 'the whole subsearch statement (CREATE TEMP TABLE)', seconds: (await time(createSub(s.sql, s.table))).seconds });
    }
    for (const cte of ctesOf(q.sql)) steps.push({ statement: 'main', cte: cte.name, label: cte.label, seconds: (await time(upTo(q.sql, cte.name))).seconds });
    steps.push({ statement: 'main', cte: '(statement)', label: 'the whole main query', seconds: (await time(q.sql)).seconds });
  }
  const results: VariantResult[] = [];
  if (spec.variants !== false) {
    const run = async (rewrite: (s: string) => string) => {
      let sub = 0;
      for (const s of q.subsearches) sub += (await time(createSub(rewrite(s.sql), s.table))).seconds;
      const main = await time(rewrite(q.sql), true);
      return { sub, main: main.seconds, digest: digest(main.rows) };
    };
    const reference = await run((s) => s);
    results.push({ name: 'compiled', description: 'the compiled SQL as is', subsearchSeconds: reference.sub, mainSeconds: reference.main, seconds: reference.sub + reference.main, same: digest(base.rows) === reference.digest });
    for (const v of variants(spec.format)) {
      const r = await run(v.rewrite);
      results.push({ name: v.name, description: v.description, subsearchSeconds: r.sub, mainSeconds: r.main, seconds: r.sub + r.main, same: r.digest === reference.digest });
    }
  }
  engine.close();
  return { steps, variants: results };
}

const spec = JSON.parse(process.argv[2] ?? '{}') as Spec;
try {
  process.stdout.write(JSON.stringify(await main(spec)) + '\n');
} catch (e) {
  process.stderr.write(`ladder failed: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
}
