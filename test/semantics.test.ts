// Runs every SPL semantics case in test/semantics/*.yml: events (NDJSON records per sourcetype), a query, and
// either the exact expected rows (in order unless `unordered: true`) or the expected error and its position.
// See test/semantics/README.md for the format.

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runText } from '../src/api.ts';
import type { CompileOptions } from '../src/compile/context.ts';
import { Engine } from '../src/engine/engine.ts';
import { DuckhuntError } from '../src/errors.ts';
import type { SourceBinding } from '../src/sources/catalog.ts';

interface Case {
  name: string;
  /** Records of sourcetype `test:events`, or a map sourcetype → records. */
  events?: unknown[] | Record<string, unknown[]>;
  query: string;
  now?: number;
  /** Compile settings other than now, e.g. `{ percMethod: interpolated }`. */
  settings?: Partial<CompileOptions>;
  rows?: Record<string, unknown>[];
  unordered?: boolean;
  error?: { kind: string; message?: string; line?: number; column?: number };
  warning?: string;
  decision?: string;
}

const dir = join(import.meta.dirname, 'semantics');
const files = readdirSync(dir).filter((f) => f.endsWith('.yml')).sort();
const tmp = mkdtempSync(join(tmpdir(), 'duckhunt-semantics-'));
let engine: Engine;

beforeAll(async () => {
  engine = await Engine.create({ timezone: 'UTC' });
});
afterAll(() => engine?.close());

let counter = 0;
function bind(c: Case): SourceBinding[] {
  const bySourcetype = Array.isArray(c.events) || c.events === undefined ? { 'test:events': c.events ?? [] } : c.events;
  return Object.entries(bySourcetype).map(([sourcetype, records]) => {
    const caseDir = join(tmp, String(++counter));
    mkdirSync(caseDir, { recursive: true });
    const file = join(caseDir, 'events.ndjson');
    writeFileSync(file, records.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n');
    return { sourcetype, paths: [file], format: 'ndjson', timeField: '_time', index: 'main', partitioned: false };
  });
}

const sortRows = (rows: Record<string, unknown>[]) => [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

for (const file of files) {
  const doc = parse(readFileSync(join(dir, file), 'utf8')) as { cases: Case[] };
  describe(file, () => {
    for (const c of doc.cases) {
      it(c.name, async () => {
        const run = () => runText(c.query, { bindings: bind(c), engine, compile: { ...c.settings, now: c.now ?? 1_700_000_000 } });
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
