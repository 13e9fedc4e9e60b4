// The search's time zone (--timezone; decision D4: UTC by default). Splunk does calendar work in the user's
// zone: day-sized bins start at local midnight, `@d`/`@w` snap to local days, strftime/strptime/convert print and
// read local wall-clock time. Here the zone is explicit in the SQL (DuckDB's `timezone(zone, …)`), never the
// session's TimeZone setting, so the compiled SQL means the same wherever it runs; JS-side arithmetic (time
// modifiers, absolute times) uses luxon, which follows the same tz database.

import { DateTime, IANAZone } from 'luxon';
import { DuckhuntError } from '../errors.ts';
import { sqlString } from '../sql/quote.ts';

export const UTC = 'UTC';

const isUtc = (zone: string) => zone === UTC;

/** The zone's canonical name, or a clear error naming it (an IANA name such as America/New_York). */
export function checkTimeZone(name: string): string {
  if (/^(utc|gmt|z|etc\/utc|etc\/gmt)$/i.test(name)) return UTC;
  if (!IANAZone.isValidZone(name)) {
    throw new DuckhuntError('compile_error', `--timezone: '${name}' is not a time zone`, { hint: 'give an IANA time zone name, e.g. UTC, Europe/Berlin or America/New_York' });
  }
  return new IANAZone(name).name;
}

/** Epoch seconds (a DOUBLE expression) as the zone's wall-clock TIMESTAMP (no zone attached). */
export function localTimestamp(epochSql: string, zone: string): string {
  const micros = `CAST(${epochSql} * 1000000 AS BIGINT)`;
  return isUtc(zone) ? `make_timestamp(${micros})` : `timezone(${sqlString(zone)}, make_timestamptz(${micros}))`;
}

/** A wall-clock TIMESTAMP of the zone as epoch seconds (a time a DST change skips moves forward). */
export function epochOfLocal(tsSql: string, zone: string): string {
  return isUtc(zone) ? `epoch(${tsSql})` : `epoch(timezone(${sqlString(zone)}, ${tsSql}))`;
}

/** The zone's offset from UTC in seconds at the instant (east positive); '0' in UTC. */
export function offsetSecondsSql(epochSql: string, localSql: string, zone: string): string {
  return isUtc(zone) ? '0' : `CAST(round(epoch(${localSql}) - ${epochSql}) AS INTEGER)`;
}

/** An absolute wall-clock time in the zone as epoch seconds; undefined when the fields are not a valid time. */
export function epochOfWallClock(fields: { year: number; month: number; day: number; hour?: number; minute?: number; second?: number; millisecond?: number }, zone: string): number | undefined {
  const d = DateTime.fromObject(fields, { zone });
  return d.isValid ? d.toMillis() / 1000 : undefined;
}

/** `now` as a luxon DateTime in the zone, for time-modifier arithmetic. */
export const zonedTime = (epoch: number, zone: string): DateTime => DateTime.fromSeconds(epoch, { zone });

const abbreviationCache = new Map<string, Map<number, string>>();

/**
 * The abbreviation the zone uses at each of its UTC offsets (seconds → "EST", "CEST"…), as the tz database
 * names them where the platform's time zone names have them; otherwise the tz database's own numeric form
 * ("+0530" or "+09"). Sampled every 15 days from 1970 to 2040; a later name for the same offset wins.
 */
export function zoneAbbreviations(zone: string): Map<number, string> {
  const cached = abbreviationCache.get(zone);
  if (cached) return cached;
  const formatters = ['en-US', 'en-GB', 'en-AU', 'en-IN', 'ja-JP'].map((locale) => new Intl.DateTimeFormat(locale, { timeZone: zone, timeZoneName: 'short' }));
  const names = new Map<number, string>();
  let previous: number | undefined;
  for (let t = 0; t < 2_209_000_000; t += 15 * 86_400) {
    const offset = zonedTime(t, zone).offset * 60;
    // Names change with offsets: only the first sample after each change is named.
    if (offset === previous) continue;
    previous = offset;
    const found = formatters
      .map((f) => f.formatToParts(new Date(t * 1000)).find((p) => p.type === 'timeZoneName')?.value ?? '')
      .find((n) => /^[A-Z]{2,5}$/.test(n) && (offset === 0 || !/^(GMT|UTC)$/.test(n)));
    names.set(offset, found ?? numericAbbreviation(offset));
  }
  abbreviationCache.set(zone, names);
  return names;
}

function numericAbbreviation(offset: number): string {
  const a = Math.abs(offset);
  const hh = String(Math.floor(a / 3600)).padStart(2, '0');
  const mm = Math.floor((a % 3600) / 60);
  return `${offset < 0 ? '-' : '+'}${hh}${mm ? String(mm).padStart(2, '0') : ''}`;
}
