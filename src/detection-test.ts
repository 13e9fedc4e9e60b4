// `duckhunt test`: security_content's unit tests without Splunk. A detection YAML's `tests:` block names attack
// data files (URLs into splunk/attack_data) with the sourcetype and source Splunk would give them; each URL maps
// to the file at its repository path under a local attack_data checkout, bound with that sourcetype and source,
// and the detection runs over all time. As contentctl judges a unit test, it passes when the search returns at
// least one result. A test whose data file is missing is skipped, never passed.

import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { compileDiscovering } from './compile/index.ts';
import { defaultCompileOptions } from './compile/context.ts';
import { Engine } from './engine/engine.ts';
import { DuckhuntError } from './errors.ts';
import { parseQuery } from './frontend.ts';
import { lookupsToDescribe, withFormatProps, withTimeProps, type Knowledge } from './knowledge/index.ts';
import type { MacroLibrary } from './macros/index.ts';
import { readQueryFile } from './query-file.ts';
import { bindSource, type SourceBinding } from './sources/catalog.ts';

export type TestStatus = 'pass' | 'fail' | 'error' | 'skipped';

/** The JSON contract of `test --format json` (see README): one object per test of each detection. */
export interface TestResult {
  file: string;
  test: string;
  status: TestStatus;
  rows: number;
  message: string;
  /** The rendered error (message, query line, caret, hint) for text output. */
  rendered?: string;
}

interface AttackData {
  data: string;
  sourcetype: string;
  source: string;
}

interface DetectionTest {
  name: string;
  attackData: AttackData[];
}

/** A detection's tests, and contentctl's manual_test note when the detection has one. */
export function readDetectionTests(file: string): { tests: DetectionTest[]; manual?: string } {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new DuckhuntError('syntax_error', `not valid YAML: ${(e as Error).message.split('\n')[0]}`, { file });
  }
  const d = (doc ?? {}) as { tests?: unknown; tags?: { manual_test?: unknown } };
  if (!Array.isArray(d.tests)) return { tests: [] };
  const tests = d.tests.map((t, i): DetectionTest => {
    const test = (t ?? {}) as { name?: unknown; attack_data?: unknown };
    const entries = Array.isArray(test.attack_data) ? test.attack_data : [];
    return {
      name: typeof test.name === 'string' ? test.name : `test ${i + 1}`,
      attackData: entries.map((a) => {
        const e = (a ?? {}) as Record<string, unknown>;
        return { data: String(e.data ?? '').trim(), sourcetype: String(e.sourcetype ?? ''), source: String(e.source ?? '') };
      }),
    };
  });
  const manual = d.tags?.manual_test;
  return { tests, ...(typeof manual === 'string' ? { manual } : {}) };
}

/**
 * The local file of an attack_data URL: its path inside the splunk/attack_data repository (after the branch,
 * e.g. `…/attack_data/master/datasets/…`) under `dir`.
 */
export function attackDataFile(url: string, dir: string): string {
  const inRepo = /\/attack_data\/[^/]+\/(.+)$/.exec(url)?.[1] ?? /(?:^|\/)(datasets\/.+)$/.exec(url)?.[1];
  if (!inRepo) throw new DuckhuntError('source_error', `cannot tell where attack data ${url} is in the attack_data repository`);
  return join(dir, ...decodeURIComponent(inRepo).split('/'));
}

export interface TestRunOptions {
  attackData: string;
  knowledge: Knowledge;
  macros: MacroLibrary;
}

/** Runs every test of one detection file. */
export async function runDetectionTests(file: string, opts: TestRunOptions): Promise<TestResult[]> {
  let read;
  try {
    read = readDetectionTests(file);
  } catch (e) {
    return [errorResult(file, '(tests)', e)];
  }
  if (read.tests.length === 0) return [{ file, test: '(none)', status: 'skipped', rows: 0, message: 'the detection has no tests: block' }];
  const note = read.manual ? ` (marked manual_test: ${read.manual})` : '';
  const results: TestResult[] = [];
  for (const t of read.tests) {
    const r = await runOne(file, t, opts);
    results.push(note && r.status !== 'pass' ? { ...r, message: `${r.message}${note}` } : r);
  }
  return results;
}

async function runOne(file: string, t: DetectionTest, opts: TestRunOptions): Promise<TestResult> {
  const result = (status: TestStatus, rows: number, message: string): TestResult => ({ file, test: t.name, status, rows, message });
  if (t.attackData.length === 0) return result('skipped', 0, 'the test names no attack data');
  const bindings: SourceBinding[] = [];
  const missing: string[] = [];
  try {
    for (const a of t.attackData) {
      const path = attackDataFile(a.data, resolve(opts.attackData));
      if (!existsSync(path)) {
        missing.push(path);
        continue;
      }
      bindings.push(bindSource(a.sourcetype, [path], process.cwd(), a.source ? { source: a.source } : {}));
    }
  } catch (e) {
    return errorResult(file, t.name, e);
  }
  if (missing.length > 0) return result('skipped', 0, `attack data not found: ${missing.join(', ')}`);
  const engine = await Engine.create({ timezone: 'UTC' });
  try {
    const parsed = parseQuery(readQueryFile(file), { macros: opts.macros });
    const k = opts.knowledge;
    const described = withTimeProps(k, await engine.describeSources(withFormatProps(k, bindings)));
    await engine.describeLookups(k, lookupsToDescribe(parsed.ast, k, described));
    let q;
    try {
      // A wildcard over the events reads their fields first, confined like the run itself.
      q = await compileDiscovering(parsed, described, { ...defaultCompileOptions(), knowledge: k }, async (requests, first) => {
        await engine.confine(first.bindings, first.lookupFiles);
        return engine.discoverFields(requests);
      });
    } catch (e) {
      throw e instanceof DuckhuntError && !e.file ? e.withFile(file) : e;
    }
    await engine.confine(q.bindings, q.lookupFiles);
    let rows = 0;
    const { notices } = await engine.run(q, (chunk) => {
      rows += chunk.length;
    });
    const notes = [...q.warnings.map((w) => w.message), ...notices.map((n) => n.message)].join('; ');
    return rows > 0 ? result('pass', rows, notes) : result('fail', 0, `the search returned no results${notes ? `; ${notes}` : ''}`);
  } catch (e) {
    return errorResult(file, t.name, e);
  } finally {
    engine.close();
  }
}

function errorResult(file: string, test: string, e: unknown): TestResult {
  if (!(e instanceof DuckhuntError)) throw e;
  const where = e.position ? `${e.position.line}:${e.position.column}: ` : '';
  return { file, test, status: 'error', rows: 0, message: `${where}${e.kind.replace('_', ' ')}: ${e.message}`, rendered: e.render() };
}

/** `3 tests: 2 pass, 1 skipped` */
export function summarizeTests(results: TestResult[]): string {
  const counts = new Map<TestStatus, number>();
  for (const r of results) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  const order: TestStatus[] = ['pass', 'fail', 'error', 'skipped'];
  return `${results.length} test${results.length === 1 ? '' : 's'}: ${order.filter((s) => counts.has(s)).map((s) => `${counts.get(s)} ${s}`).join(', ')}`;
}
