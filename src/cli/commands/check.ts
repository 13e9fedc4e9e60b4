// `duckhunt check`: parse (and compile) each query file; one line per file and a summary.

import { checkFile, collectQueryFiles, summarize, type CheckResult } from '../../check.ts';
import { compileQuery } from '../../compile/index.ts';
import { Engine } from '../../engine/engine.ts';
import { allLookups } from '../../knowledge/index.ts';
import { compileOptions, knowledgeAndMacros } from '../query.ts';

export interface CheckFlags {
  macros: string[];
  knowledge: string[];
  config?: string;
  parseOnly?: boolean;
  format: 'text' | 'json';
}

/** Returns the exit code: non-zero when any file fails. */
export async function checkCommand(paths: string[], opts: CheckFlags): Promise<number> {
  const { knowledge, macros } = knowledgeAndMacros(opts);
  // Compiling does not depend on which files are bound, so check binds none; the lookups' fields are read once.
  if (!opts.parseOnly) {
    const engine = await Engine.create({ timezone: 'UTC' });
    try {
      await engine.describeLookups(knowledge, allLookups(knowledge));
    } finally {
      engine.close();
    }
  }
  const options = { ...compileOptions({ source: [], macros: [], knowledge: [], timezone: 'UTC', subsearchMaxout: '50000', percMethod: 'nearest-rank' }), knowledge };
  const results = collectQueryFiles(paths).map((f) =>
    checkFile(f, { macros, parseOnly: opts.parseOnly ?? false, compile: (parsed) => void compileQuery(parsed, [], options) }),
  );
  if (opts.format === 'json') {
    process.stdout.write(JSON.stringify(results.map(({ rendered: _, ...r }) => r), null, 2) + '\n');
  } else {
    for (const r of results) process.stdout.write(formatCheckLine(r) + '\n');
    process.stdout.write(summarize(results) + '\n');
  }
  return results.some((r) => r.status !== 'ok') ? 1 : 0;
}

function formatCheckLine(r: CheckResult): string {
  if (r.status === 'ok') return `ok             ${r.file}`;
  const where = r.line !== null ? `:${r.line}:${r.column}` : '';
  return `${r.status.padEnd(14)} ${r.file}${where}: ${r.message}`;
}
