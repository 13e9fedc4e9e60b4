// iplocation over a GeoIP database the test writes (test/support/mmdb.ts), through the library and the command
// line's --geoip; and the multivalue/JSON commands over the same events as NDJSON and as Parquet.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runText } from '../src/api.ts';
import { Engine } from '../src/engine/engine.ts';
import { DuckhuntError } from '../src/errors.ts';
import { ingest } from '../src/ingest/ingest.ts';
import { catalogFromFlags, type SourceBinding } from '../src/sources/catalog.ts';
import { writeMmdb } from './support/mmdb.ts';

const tmp = mkdtempSync(join(tmpdir(), 'duckhunt-iplocation-'));
const geoip = join(tmp, 'test-city.mmdb');
writeFileSync(
  geoip,
  writeMmdb([
    {
      network: '81.2.69.0/24',
      record: {
        city: { names: { en: 'London', de: 'London' } },
        continent: { names: { en: 'Europe', de: 'Europa' } },
        country: { names: { en: 'United Kingdom', de: 'Vereinigtes Königreich' } },
        location: { latitude: { double: 51.5142 }, longitude: { double: -0.0931 }, time_zone: 'Europe/London' },
        subdivisions: [{ names: { en: 'England', de: 'England' } }],
      },
    },
    {
      network: '2001:db8::/32',
      record: {
        country: { names: { en: 'Sweden' } },
        continent: { names: { en: 'Europe' } },
        location: { latitude: { double: 59.3294 }, longitude: { double: 18.0686 }, metro_code: 0, time_zone: 'Europe/Stockholm' },
      },
    },
    { network: '216.160.83.56/29', record: { city: { names: { en: 'Milton' } }, country: { names: { en: 'United States' } }, location: { latitude: { double: 47.2513 }, longitude: { double: -122.3149 }, metro_code: 819, time_zone: 'America/Los_Angeles' }, subdivisions: [{ names: { en: 'Washington' } }] } },
  ]),
);

let engine: Engine;
beforeAll(async () => {
  engine = await Engine.create({ timezone: 'UTC' });
});
afterAll(() => engine?.close());

let n = 0;
function events(records: object[], sourcetype = 'test:events'): SourceBinding[] {
  const file = join(tmp, `events-${++n}.ndjson`);
  writeFileSync(file, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return catalogFromFlags([`${sourcetype}=${file}`]).bindings.map((b) => ({ ...b, timeField: '_time' }));
}

const run = (query: string, bindings: SourceBinding[], db: { geoip?: string } = { geoip }) => runText(query, { bindings, engine, compile: { now: 1_700_000_000, ...db } });

describe('iplocation', () => {
  const records = [
    { _time: 5, src: '81.2.69.160', City: 'before' },
    { _time: 4, src: '216.160.83.58' },
    { _time: 3, src: '2001:db8:1::1' },
    { _time: 2, src: '10.0.0.1', City: 'kept' },
    { _time: 1, src: 'not an address' },
  ];

  it('adds City, Country, Region, lat and lon for located addresses; others keep their fields (X110)', async () => {
    const r = await run('* | iplocation src | table src City Country Region lat lon', events(records));
    expect(r.rows).toEqual([
      { src: '81.2.69.160', City: 'London', Country: 'United Kingdom', Region: 'England', lat: '51.5142', lon: '-0.0931' },
      { src: '216.160.83.58', City: 'Milton', Country: 'United States', Region: 'Washington', lat: '47.2513', lon: '-122.3149' },
      // A located address gets every field, empty where the database has none (IPv6 too).
      { src: '2001:db8:1::1', City: '', Country: 'Sweden', Region: '', lat: '59.3294', lon: '18.0686' },
      { src: '10.0.0.1', City: 'kept' },
      { src: 'not an address' },
    ]);
  });

  it('allfields=true adds Continent, MetroCode and Timezone; prefix= and lang= name and translate them', async () => {
    const r = await run('* | iplocation allfields=true prefix=geo_ lang=de src | where isnotnull(geo_Country) | table src geo_City geo_Continent geo_Country geo_MetroCode geo_Timezone', events(records));
    expect(r.rows).toEqual([
      { src: '81.2.69.160', geo_City: 'London', geo_Continent: 'Europa', geo_Country: 'Vereinigtes Königreich', geo_MetroCode: '', geo_Timezone: 'Europe/London' },
      // No German names in these records: the fields are empty.
      { src: '216.160.83.58', geo_City: '', geo_Continent: '', geo_Country: '', geo_MetroCode: '819', geo_Timezone: 'America/Los_Angeles' },
      { src: '2001:db8:1::1', geo_City: '', geo_Continent: '', geo_Country: '', geo_MetroCode: '0', geo_Timezone: 'Europe/Stockholm' },
    ]);
  });

  it('works after stats and before a later stats, looking each distinct address up once', async () => {
    const many = Array.from({ length: 30 }, (_, i) => ({ _time: i, src: i % 3 === 0 ? '81.2.69.1' : '216.160.83.57' }));
    const r = await run('* | stats count by src | iplocation src | stats sum(count) as n by Country', events(many));
    expect(r.rows).toEqual([
      { Country: 'United Kingdom', n: 10 },
      { Country: 'United States', n: 20 },
    ]);
    expect(r.query.subsearches.filter((s) => s.geo).length).toBe(1);
  });

  it('uses the one value of a multivalue field and locates nothing for several, with a warning (D1)', async () => {
    const r = await run('* | iplocation ips{} | table Country', events([{ _time: 2, ips: ['81.2.69.1'] }, { _time: 1, ips: ['81.2.69.1', '216.160.83.57'] }]));
    expect(r.rows).toEqual([{ Country: 'United Kingdom' }, {}]);
    expect(r.query.warnings.map((w) => w.message).join('\n')).toContain('decision D1');
  });

  it('without a database is a compile error at the command that says how to give one', async () => {
    let err: unknown;
    try {
      await run('* | iplocation src', events(records), {});
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DuckhuntError);
    const e = err as DuckhuntError;
    expect([e.kind, e.message, e.position?.column, e.hint]).toEqual(['compile_error', 'iplocation needs a GeoIP database', 5, 'point at a MaxMind database with --geoip FILE (e.g. GeoLite2-City.mmdb)']);
  });

  it('a file that is not a MaxMind database is a clear error when the query runs', async () => {
    const bad = join(tmp, 'bad.mmdb');
    writeFileSync(bad, 'not a database');
    await expect(run('* | iplocation src', events(records), { geoip: bad })).rejects.toThrow(/cannot read the GeoIP database .*bad\.mmdb/);
  });

  it('the command line takes --geoip', () => {
    const file = events(records)[0].paths[0];
    const cli = (geo: string[]) =>
      spawnSync(process.execPath, [join(import.meta.dirname, '..', 'bin', 'duckhunt.js'), 'run', '-e', '* | iplocation src | where isnotnull(City) | table City', '--source', `t=${file}`, ...geo, '--format', 'json'], {
        encoding: 'utf8',
      });
    const ok = cli(['--geoip', geoip]);
    expect(ok.stderr).toBe('');
    expect(JSON.parse(ok.stdout)).toEqual([{ City: 'London' }, { City: 'Milton' }, { City: '' }, { City: 'kept' }]);
    const missing = cli([]);
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain('--geoip FILE');
  }, 60_000);
});

describe('multivalue and JSON commands over NDJSON and Parquet', () => {
  it('give the same rows for the same events', async () => {
    const records = [
      { _time: '2024-03-01T10:00:00Z', user: 'alice', Data: '{"op":"send","to":["a@x.com","b@y.com"],"n":3}', scope: 'read write', proc: 'C:\\tools\\rundll32.exe' },
      { _time: '2024-03-01T11:00:00Z', user: 'bob', Data: '{"op":"delete","n":1}', scope: 'admin', proc: 'notepad.exe' },
      { _time: '2024-03-01T12:00:00Z', user: 'carol', Data: 'not json', proc: 'rundll32.exe' },
    ];
    const json = events(records, 'mix');
    await ingest(engine, json[0], join(tmp, 'ds'), { overwrite: true });
    const parquet = await engine.describeSources(catalogFromFlags([`mix=${join(tmp, 'ds', 'mix')}`]).bindings);
    const queries = [
      '* | fromjson Data | makemv scope | eval k=mvcount(scope) | table user op to n k',
      '* | spath input=Data | regex proc!="rundll32" | table user op n to{}',
      '* | table user op | eval op=coalesce(op, "none") | fromjson Data | mvcombine user | nomv user',
      '* | eval total=0 | spath input=Data | foreach n [eval total=total + <<FIELD>>] | stats sum(total) as t',
    ];
    for (const q of queries) {
      const a = await runText(q, { bindings: json, engine });
      const b = await runText(q, { bindings: parquet, engine });
      expect(a.rows.length, q).toBeGreaterThan(0);
      expect(b.rows, q).toEqual(a.rows);
    }
  });
});
