// Runs every SPL semantics case in test/semantics/*.yml: events (NDJSON records per sourcetype), a query, and
// either the exact expected rows (in order unless `unordered: true`) or the expected error and its position.
// See test/semantics/README.md for the format.
//
// Every case runs twice: over the NDJSON files, and over the Parquet dataset `duckhunt ingest` makes of them
// (the same code path as the command), so both formats are held to one answer. A case that cannot hold on one
// format names the formats it runs on (`formats:`) and says why (`why:`).

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runText } from '../src/api.ts';
import type { PercMethod } from '../src/compile/context.ts';
import { compileOptions } from '../src/cli/query.ts';
import { Engine } from '../src/engine/engine.ts';
import { DuckhuntError } from '../src/errors.ts';
import { datasetDirName, ingest } from '../src/ingest/ingest.ts';
import { loadKnowledge, type Knowledge } from '../src/knowledge/index.ts';
import { catalogFromFlags, type SourceBinding } from '../src/sources/catalog.ts';

interface Case {
  name: string;
  /** Records of sourcetype `test:events`, or a map sourcetype → records. */
  events?: unknown[] | Record<string, unknown[]>;
  /** Files of a knowledge bundle (path in the app directory → content), loaded after duckhunt's own. */
  knowledge?: Record<string, string>;
  query: string;
  now?: number;
  /** The time picker (--earliest/--latest) and --timezone, as the CLI takes them. */
  earliest?: string;
  latest?: string;
  timezone?: string;
  /** limits.conf [stats] perc_method, as --perc-method takes it. */
  percMethod?: PercMethod;
  rows?: Record<string, unknown>[];
  unordered?: boolean;
  error?: { kind: string; message?: string; line?: number; column?: number };
  warning?: string;
  decision?: string;
  formats?: Format[];
  why?: string;
}

type Format = 'ndjson' | 'parquet';
const FORMATS: Format[] = ['ndjson', 'parquet'];

const dir = join(import.meta.dirname, 'semantics');
const files = readdirSync(dir).filter((f) => f.endsWith('.yml')).sort();
const tmp = mkdtempSync(join(tmpdir(), 'duckhunt-semantics-'));
let engine: Engine;
/** Runs every statement's last stats in 3 passes (PassesPlan), as the engine does after running out of memory. */
let inPasses: Engine;

beforeAll(async () => {
  engine = await Engine.create({ timezone: 'UTC' });
  inPasses = await Engine.create({ timezone: 'UTC', statsPasses: 3 });
});
afterAll(() => {
  engine?.close();
  inPasses?.close();
});

let counter = 0;
async function bind(c: Case, format: Format): Promise<SourceBinding[]> {
  const bySourcetype = Array.isArray(c.events) || c.events === undefined ? { 'test:events': c.events ?? [] } : c.events;
  const out: SourceBinding[] = [];
  for (const [key, records] of Object.entries(bySourcetype)) {
    const caseDir = join(tmp, String(++counter));
    mkdirSync(caseDir, { recursive: true });
    const file = join(caseDir, isLogFile(key, records) ? 'events.log' : 'events.ndjson');
    writeFileSync(file, records.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n');
    // `SOURCETYPE@INDEX` binds the records to an index, as --source does (main otherwise); a key with `=` is
    // --source's keyed form without the path (`sourcetype=ST,source=S,host=H`).
    const flag = key.includes('=') ? `${key},path=${file}` : `${key}=${file}`;
    for (const b of catalogFromFlags([flag]).bindings.map((x) => ({ ...x, timeField: '_time' }))) {
      // Text records (XML, text lines) are read as they are in both runs: ingest reads NDJSON.
      if (format === 'ndjson' || b.format !== 'ndjson') {
        out.push(b);
        continue;
      }
      await ingest(engine, b, join(caseDir, 'dataset'), { overwrite: false });
      const dataset = join(caseDir, 'dataset', datasetDirName(b.sourcetype));
      out.push({ ...b, paths: [join(dataset, '**', '*.parquet')], format: 'parquet', partitioned: true });
    }
  }
  return out;
}

function bundle(c: Case): Knowledge | undefined {
  if (!c.knowledge) return undefined;
  const dir = join(tmp, `bundle-${++counter}`);
  for (const [path, text] of Object.entries(c.knowledge)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return loadKnowledge([dir]);
}

/** The compile options the CLI would make of the case's now, time picker and time zone. */
const caseOptions = (c: Case) =>
  compileOptions({ now: String(c.now ?? 1_700_000_000), earliest: c.earliest, latest: c.latest, timezone: c.timezone ?? 'UTC', source: [], macros: [], knowledge: [], subsearchMaxout: '50000', percMethod: c.percMethod ?? 'nearest-rank' });

/**
 * Records go to a .log file, whose format props or the first line decide (X80), when the sourcetype is given in
 * --source's keyed form or a record is text other than a JSON object (an XML event, a text line).
 */
const isLogFile = (key: string, records: unknown[]) => key.includes('=') || records.some((r) => typeof r === 'string' && !r.trimStart().startsWith('{'));

/** A case whose sources are all .log files has no Parquet form (ingest reads NDJSON): it runs once. */
const textOnly = (c: Case) => !(Array.isArray(c.events) || c.events === undefined) && Object.entries(c.events).every(([key, records]) => isLogFile(key, records));

const sortRows = (rows: Record<string, unknown>[]) => [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

/** Cases whose queries end a statement with a stats the engine can run in passes (counted below). */
let casesInPasses = 0;

for (const format of FORMATS) {
  for (const file of files) {
    const doc = parse(readFileSync(join(dir, file), 'utf8')) as { cases: Case[] };
    describe(`${file} (${format})`, () => {
      for (const c of doc.cases) {
        if (c.formats && !c.why) throw new Error(`${file}: case "${c.name}" names its formats but not why`);
        it.skipIf((c.formats !== undefined && !c.formats.includes(format)) || (format === 'parquet' && textOnly(c)))(c.name, async () => {
          const bindings = await bind(c, format);
          const run = (on = engine) => runText(c.query, { bindings, engine: on, knowledge: bundle(c), compile: caseOptions(c) });
          if (c.error) {
            let err: unknown;
            try {
              await run();
            } catch (e) {
              err = e;
            }
            expect(err, 'expected an error').toBeInstanceOf(DuckhuntError);
            const d = err as DuckhuntError;
            expect(d.kind).toBe(c.error.kind);
            if (c.error.message) expect(d.message).toContain(c.error.message);
            if (c.error.line !== undefined) expect(d.position?.line).toBe(c.error.line);
            if (c.error.column !== undefined) expect(d.position?.column).toBe(c.error.column);
            return;
          }
          const result = await run();
          if (c.warning) expect(result.query.warnings.map((w) => w.message).join('\n')).toContain(c.warning);
          expect(c.unordered ? sortRows(result.rows) : result.rows).toEqual(c.unordered ? sortRows(c.rows ?? []) : (c.rows ?? []));
          // The same answer when the statements' last stats run in passes (what the engine does when one pass
          // runs out of memory), over both formats.
          const q = result.query;
          if (!q.passes && !q.subsearches.some((x) => x.passes)) return;
          casesInPasses++;
          expect((await run(inPasses)).rows, 'in passes').toEqual(result.rows);
        });
      }
    });
  }
}

describe('stats in passes', () => {
  it('were checked against the one-pass answer in many cases', () => {
    // Runs after the cases above (vitest runs a file's tests in order); a wrong count would mean the plans
    // stopped being made.
    expect(casesInPasses).toBeGreaterThanOrEqual(80);
  });
});
