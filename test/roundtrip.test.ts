// Every key of every record comes back from an ingested dataset exactly as the NDJSON gave it (issue 10.2): random
// records with colliding, reserved, empty, dotted and unicode keys, odd values and shapes that differ between
// records are ingested, then
//   - each stored row is compared with an independent flattening of its line (every leaf, its text as written:
//     the column map names the leaf each column holds), and
//   - `table` of every field name SPL can spell gives the same rows from the dataset as from the NDJSON.

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runText } from '../src/api.ts';
import { Engine } from '../src/engine/engine.ts';
import { ingest } from '../src/ingest/ingest.ts';
import { sqlStringList } from '../src/sql/quote.ts';
import type { SourceBinding } from '../src/sources/catalog.ts';
import { leafName, pathKey, type LeafPath } from '../src/sources/json-path.ts';
import { isBuiltIn } from '../src/sources/scan.ts';

const tmp = mkdtempSync(join(tmpdir(), 'duckhunt-roundtrip-'));
let engine: Engine;
beforeAll(async () => {
  engine = await Engine.create({ timezone: 'UTC' });
});
afterAll(() => engine?.close());

// Keys that collide case-insensitively, that readers reserve, that are empty, dotted, unicode or need escaping.
const KEYS = ['a', 'A', 'b', 'user', 'User', 'USER', 'id', 'ID', 'day', 'Day', 'filename', 'file_row_number', '_line', 'source', '_raw', '', 'a.b', 'A.b', 'x.y.z', '名前', 'é', 'sp ace', '*', 'q"uote', 'back\\slash', 'tab\there', 'k{}', '$', 'nul\u0000x'];

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
const scalar: fc.Arbitrary<Json> = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 6 }), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null));
const { value } = fc.letrec<{ value: Json; object: Json }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('object'), fc.array(tie('value'), { maxLength: 3 })),
  object: fc.dictionary(fc.constantFrom(...KEYS), tie('value'), { maxKeys: 4 }),
}));
const time = fc.oneof(fc.integer({ min: 0, max: 2_000_000_000 }), fc.constant(1e20), fc.constant('not a time'));
const record = fc.tuple(fc.dictionary(fc.constantFrom(...KEYS), value, { maxKeys: 6 }), fc.option(time, { nil: undefined }));

/** The reference flattening: every leaf of a record with its Splunk text (a list for a leaf inside arrays). */
function leaves(rec: { [k: string]: Json }): Map<string, { path: LeafPath; value: string | string[] }> {
  const out = new Map<string, { path: LeafPath; value: string | string[] }>();
  const visit = (v: Json, path: LeafPath) => {
    if (v === null) return;
    if (Array.isArray(v)) {
      const last = path[path.length - 1];
      for (const e of v) visit(e, [...path.slice(0, -1), { key: last.key, arrays: last.arrays + 1 }]);
      return;
    }
    if (typeof v === 'object') {
      for (const [k, c] of Object.entries(v)) visit(c, [...path, { key: k, arrays: 0 }]);
      return;
    }
    const text = typeof v === 'string' ? v : JSON.stringify(v);
    const key = pathKey(path);
    const multivalue = path.some((s) => s.arrays > 0);
    const seen = out.get(key);
    if (!multivalue) out.set(key, { path, value: text });
    else out.set(key, { path, value: [...((seen?.value as string[]) ?? []), text] });
  };
  visit(rec, []);
  return out;
}

/** Names `table` takes as bare words. */
const SPELLABLE = /^[A-Za-z_\u00c0-\uffff][A-Za-z0-9_.{}\u00c0-\uffff]*$/u;

let n = 0;
describe('ingest round trip', () => {
  it('keeps every leaf of random records, and answers every field as the NDJSON scan does', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(record, { minLength: 1, maxLength: 6 }), async (recs) => {
        const dir = join(tmp, String(++n));
        mkdirSync(dir);
        const records = recs.map(([r, t]) => (t === undefined ? r : { ...r, _time: t }));
        const lines = records.map((r) => JSON.stringify(r));
        const file = join(dir, 'events.ndjson');
        writeFileSync(file, lines.join('\n') + '\n');
        const ndjson: SourceBinding = { sourcetype: 'rt', paths: [file], format: 'ndjson', timeField: '_time', index: 'main', partitioned: false };
        const report = await ingest(engine, ndjson, join(dir, 'out'), { overwrite: false });
        expect(report.events).toBe(records.length);
        const [dataset] = await engine.describeSources([{ ...ndjson, paths: [join(dir, 'out', 'rt', '**', '*.parquet')], format: 'parquet', partitioned: true }]);

        // Storage: each row against the reference flattening of its line.
        const stored = await engine.connection.runAndReadAll(
          `SELECT * FROM read_parquet(${sqlStringList(dataset.paths)}, union_by_name = true, hive_partitioning = true) ORDER BY _line`,
        );
        const names = stored.columnNames();
        const rows = stored.getRowsJS();
        expect(rows.map((r) => r[names.indexOf('_raw')])).toEqual(lines);
        const columnOf = new Map(dataset.dataset!.map((c) => [pathKey(c.path), c.column]));
        for (const [i, row] of rows.entries()) {
          const expected = leaves(records[i]);
          for (const [key, leaf] of expected) expect(columnOf.has(key), `a column for ${JSON.stringify(leafName(leaf.path))}`).toBe(true);
          const got = Object.fromEntries(dataset.dataset!.map((c) => [c.column, row[names.indexOf(c.column)] ?? null]));
          const want = Object.fromEntries(dataset.dataset!.map((c) => [c.column, expected.get(pathKey(c.path))?.value ?? null]));
          expect(got).toEqual(want);
        }

        // Queries: every spellable field name, both formats.
        const fields = [...new Set(records.flatMap((r) => [...leaves(r).values()].map((l) => leafName(l.path))))].filter((f) => SPELLABLE.test(f) && !isBuiltIn(f));
        const query = `* | table _raw ${fields.join(' ')}`;
        const fromNdjson = await runText(query, { bindings: [ndjson], engine });
        const fromParquet = await runText(query, { bindings: [dataset], engine });
        expect(fromParquet.rows).toEqual(fromNdjson.rows);
      }),
      { numRuns: 15, seed: 20261130 },
    );
  }, 120_000);
});
