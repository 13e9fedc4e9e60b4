// Confinement and memory: a query reads only its bound files (DuckDB's own external-access settings, locked),
// and a join larger than the memory limit spills to disk instead of failing.

import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileText } from '../src/api.ts';
import { prepare } from '../src/cli/query.ts';
import { Engine } from '../src/engine/engine.ts';
import { catalogFromFlags } from '../src/sources/catalog.ts';

const tmp = mkdtempSync(join(tmpdir(), 'duckhunt-confine-'));
const bound = join(tmp, 'bound.ndjson');
const other = join(tmp, 'secret.ndjson');
writeFileSync(bound, JSON.stringify({ _time: 1, user: 'alice' }) + '\n');
writeFileSync(other, JSON.stringify({ _time: 1, secret: 'hunter2' }) + '\n');

describe('a confined engine', () => {
  it('runs the query over its bound file', async () => {
    const engine = await Engine.create({ timezone: 'UTC' });
    const bindings = catalogFromFlags([`t=${bound}`]).bindings;
    await engine.confine(bindings);
    const rows: unknown[][] = [];
    await engine.run(compileText('* | table user', { bindings }), (r) => void rows.push(...r));
    expect(rows).toEqual([['alice']]);
    engine.close();
  });

  it.each([
    ['read_text', `SELECT * FROM read_text('${other}')`],
    ['read_csv of another file', `SELECT * FROM read_csv('${other}')`],
    ['read_text of /etc/passwd', `SELECT * FROM read_text('/etc/passwd')`],
    ['glob', `SELECT * FROM glob('${tmp}/*')`],
    ['COPY TO', `COPY (SELECT 1) TO '${join(tmp, 'written.csv')}'`],
    ['ATTACH', `ATTACH '${join(tmp, 'x.db')}'`],
    ['INSTALL', 'INSTALL httpfs'],
    ['LOAD', 'LOAD httpfs'],
    ['undoing the confinement', 'SET enable_external_access = true'],
  ])('refuses %s', async (_name, sql) => {
    const engine = await Engine.create({ timezone: 'UTC' });
    await engine.confine(catalogFromFlags([`t=${bound}`]).bindings);
    await expect(engine.connection.run(sql)).rejects.toThrow(/Permission Error|locked|Cannot/);
    expect(existsSync(join(tmp, 'written.csv'))).toBe(false);
    expect(existsSync(join(tmp, 'x.db'))).toBe(false);
    engine.close();
  });

  it('a query bound to one file cannot see another, whatever it searches for', async () => {
    const engine = await Engine.create({ timezone: 'UTC' });
    const bindings = catalogFromFlags([`t=${bound}`]).bindings;
    await engine.confine(bindings);
    const rows: unknown[][] = [];
    await engine.run(compileText('secret=* OR hunter2 | table secret', { bindings }), (r) => void rows.push(...r));
    expect(rows).toEqual([]);
    engine.close();
  });
});

describe('field discovery', () => {
  it('runs confined: the engine is locked to the bound files before the discovery reads them', async () => {
    const engine = await Engine.create({ timezone: 'UTC' });
    const flags = { execute: '* | table *', source: [`t=${bound}`], macros: [], knowledge: [], timezone: 'UTC', subsearchMaxout: '50000', percMethod: 'nearest-rank' as const };
    const { query } = await prepare(undefined, flags, engine);
    expect(query.fields.map((f) => f.name)).toEqual(['index', 'source', 'sourcetype', 'user']);
    expect(engine.discoveryPasses).toBe(1);
    await expect(engine.connection.run(`SELECT * FROM read_text('${other}')`)).rejects.toThrow(/Permission Error/);
    engine.close();
  });
});

describe('memory limit', () => {
  it('a join larger than the memory limit spills to disk and completes', async () => {
    // 1.5 million events joined 1:1 with a subsearch of the same events: the join's state (well over 200 MB
    // without a limit) does not fit in 150 MB, so DuckDB must spill to complete it.
    const file = join(tmp, 'big.ndjson');
    const lines: string[] = [];
    for (let i = 0; i < 1_500_000; i++) lines.push(`{"_time":${i},"k":"key-${i}","v":"${(i * 7919) % 100_003}"}`);
    writeFileSync(file, lines.join('\n') + '\n');
    const engine = await Engine.create({ timezone: 'UTC', memoryLimit: '150MB', threads: 2 });
    const bindings = catalogFromFlags([`t=${file}`]).bindings;
    await engine.confine(bindings);
    const q = compileText('* | join k max=0 [ search * | eval other=v ] | stats count dc(other) as d', {
      bindings,
      compile: { subsearchMaxOut: 10_000_000 },
    });
    const rows: unknown[][] = [];
    await engine.run(q, (r) => void rows.push(...r));
    expect(rows).toEqual([[1_500_000, 100_003]]);
    engine.close();
  }, 120_000);
});
