// `duckhunt test`: run the tests: blocks of security_content detections over a local attack_data checkout; one
// line per test (or the JSON contract) and a summary; non-zero exit on any failure or error.

import { collectQueryFiles } from '../../check.ts';
import { runDetectionTests, summarizeTests, type TestResult } from '../../detection-test.ts';
import { knowledgeAndMacros } from '../query.ts';

export interface TestFlags {
  attackData: string;
  macros: string[];
  knowledge: string[];
  config?: string;
  format: 'text' | 'json';
}

/** Returns the exit code: non-zero when any test fails or errs. */
export async function testCommand(paths: string[], opts: TestFlags): Promise<number> {
  const { knowledge, macros } = knowledgeAndMacros(opts);
  const files = collectQueryFiles(paths).filter((f) => /\.ya?ml$/i.test(f));
  const results: TestResult[] = [];
  for (const file of files) {
    const mine = await runDetectionTests(file, { attackData: opts.attackData, knowledge, macros });
    results.push(...mine);
    if (opts.format === 'text') for (const r of mine) process.stdout.write(formatTestLine(r) + '\n');
  }
  if (opts.format === 'json') process.stdout.write(JSON.stringify(results.map(({ rendered: _, ...r }) => r), null, 2) + '\n');
  else process.stdout.write(summarizeTests(results) + '\n');
  return results.some((r) => r.status === 'fail' || r.status === 'error') ? 1 : 0;
}

function formatTestLine(r: TestResult): string {
  const head = `${r.status.padEnd(8)} ${r.file} [${r.test}]`;
  if (r.status === 'pass') return `${head}: ${r.rows} row${r.rows === 1 ? '' : 's'}${r.message ? ` (${r.message})` : ''}`;
  if (r.rendered) return `${head}\n  ${r.rendered.split('\n').join('\n  ')}`;
  return `${head}: ${r.message}`;
}
