// iplocation's lookups: each distinct address of the rows, once, in the MaxMind database the user gave (read with
// mmdb-lib, MaxMind's own format reader), into a temporary table the query joins. GeoLite2/GeoIP2 City records
// give every field; a Country database gives Country and Continent (the others are empty).

import { readFileSync } from 'node:fs';
import type { DuckDBConnection } from '@duckdb/node-api';
import { Reader, type CityResponse } from 'mmdb-lib';
import type { GeoField, GeoLookup } from '../compile/pipeline.ts';
import { DuckhuntError } from '../errors.ts';
import { sqlIdent } from '../sql/quote.ts';

const readers = new Map<string, Reader<CityResponse>>();

function reader(file: string): Reader<CityResponse> {
  let r = readers.get(file);
  if (!r) {
    try {
      r = new Reader<CityResponse>(readFileSync(file));
    } catch (e) {
      throw new DuckhuntError('source_error', `cannot read the GeoIP database ${file}: ${(e as Error).message}`, { hint: 'give a MaxMind .mmdb file (GeoLite2-City or GeoIP2-City) with --geoip' });
    }
    readers.set(file, r);
  }
  return r;
}

/** A record's fields as Splunk names them; a name missing in the requested language is empty. */
function fieldsOf(rec: CityResponse, lang: string): Record<GeoField, string> {
  // The databases name places in a few languages (en, de, es, fr, ja, pt-BR, ru, zh-CN).
  const name = (n: { names?: object } | undefined) => (n?.names as Record<string, string> | undefined)?.[lang] ?? '';
  const num = (x: number | undefined) => (x === undefined ? '' : String(x));
  return {
    City: name(rec.city),
    Continent: name(rec.continent),
    Country: name(rec.country),
    MetroCode: num(rec.location?.metro_code),
    Region: name(rec.subdivisions?.[0]),
    Timezone: rec.location?.time_zone ?? '',
    lat: num(rec.location?.latitude),
    lon: num(rec.location?.longitude),
  };
}

/** The location of an address (an address with a /prefix is looked up by its address), or undefined. */
function locate(r: Reader<CityResponse>, ip: string): CityResponse | undefined {
  try {
    return r.get(ip.replace(/\/\d{1,3}$/, '').trim()) ?? undefined;
  } catch {
    return undefined; // not an IP address
  }
}

/** Fills `geo.table` with the locations of the distinct addresses of `rows` (a temporary table). */
export async function fillGeoTable(connection: DuckDBConnection, rows: string, geo: GeoLookup): Promise<void> {
  const r = reader(geo.file);
  await connection.run(`CREATE OR REPLACE TEMP TABLE ${sqlIdent(geo.table)} (ip VARCHAR, ${geo.fields.map((f) => `${sqlIdent(f)} VARCHAR`).join(', ')})`);
  const appender = await connection.createAppender(geo.table, null, 'temp');
  const result = await connection.stream(`SELECT DISTINCT dh_ip FROM (SELECT ${geo.ip} AS dh_ip FROM ${sqlIdent(rows)}) WHERE dh_ip IS NOT NULL`);
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const ips = chunk.getColumnVector(0);
    for (let i = 0; i < chunk.rowCount; i++) {
      const ip = String(ips.getItem(i));
      const rec = locate(r, ip);
      if (!rec) continue;
      const values = fieldsOf(rec, geo.lang);
      appender.appendVarchar(ip);
      for (const f of geo.fields) appender.appendVarchar(values[f]);
      appender.endRow();
    }
  }
  appender.closeSync();
}
