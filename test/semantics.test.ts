// Runs every SPL semantics case in test/semantics/*.yml: events (NDJSON records per sourcetype), a query, and
// either the exact expected rows (in order unless `unordered: true`) or the expected error and its position.
// See test/semantics/README.md for the format.
//
// Every case runs twice: over the NDJSON files, and over the Parquet dataset `duckhunt ingest` makes of them
// (the same code path as the command), so both formats are held to one answer. A case that cannot hold on one
// format names the formats it runs on (`formats:`) and says why (`why:`).

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runText } from '../src/api.ts';
import { Engine } from '../src/engine/engine.ts';
import { DuckhuntError } from '../src/errors.ts';
import { datasetDirName, ingest } from '../src/ingest/ingest.ts';
import type { SourceBinding } from '../src/sources/catalog.ts';

interface Case {
  name: string;
  /** Records of sourcetype `test:events`, or a map sourcetype → records. */
  events?: unknown[] | Record<string, unknown[]>;
  query: string;
  now?: number;
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

beforeAll(async () => {
  engine = await Engine.create({ timezone: 'UTC' });
});
afterAll(() => engine?.close());

let counter = 0;
async function bind(c: Case, format: Format): Promise<SourceBinding[]> {
  const bySourcetype = Array.isArray(c.events) || c.events === undefined ? { 'test:events': c.events ?? [] } : c.events;
  const out: SourceBinding[] = [];
  for (const [sourcetype, records] of Object.entries(bySourcetype)) {
    const caseDir = join(tmp, String(++counter));
    mkdirSync(caseDir, { recursive: true });
    const file = join(caseDir, 'events.ndjson');
    writeFileSync(file, records.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n');
    const ndjson: SourceBinding = { sourcetype, paths: [file], format: 'ndjson', timeField: '_time', index: 'main', partitioned: false };
    if (format === 'ndjson') {
      out.push(ndjson);
      continue;
    }
    await ingest(engine, ndjson, join(caseDir, 'dataset'), { overwrite: false });
    const dir = join(caseDir, 'dataset', datasetDirName(sourcetype));
    out.push({ ...ndjson, paths: [join(dir, '**', '*.parquet')], format: 'parquet', partitioned: true });
  }
  return out;
}

const sortRows = (rows: Record<string, unknown>[]) => [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

for (const format of FORMATS) {
  for (const file of files) {
    const doc = parse(readFileSync(join(dir, file), 'utf8')) as { cases: Case[] };
    describe(`${file} (${format})`, () => {
      for (const c of doc.cases) {
        if (c.formats && !c.why) throw new Error(`${file}: case "${c.name}" names its formats but not why`);
        const run = async () => runText(c.query, { bindings: await bind(c, format), engine, compile: { now: c.now ?? 1_700_000_000 } });
        it.skipIf(c.formats !== undefined && !c.formats.includes(format))(c.name, async () => {
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
        });
      }
    });
  }
}
