// IP addresses and CIDR blocks known when compiling (a cidrmatch() block, `src=10.0.0.0/8` in a search), and the
// SQL that tests a value against a block: IPv4 as numbers (dh_ipv4), IPv6 as 128-bit numbers (dh_ipv6, UHUGEINT).

import { sqlString } from '../sql/quote.ts';
import { macroCall } from './once.ts';

/** A dotted IPv4 address as a number, or undefined. */
export function ipv4Number(s: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m || m.slice(1).some((o) => Number(o) > 255)) return undefined;
  return m.slice(1).reduce((acc, o) => acc * 256 + Number(o), 0);
}

/** An IPv6 address (hex groups, at most one `::`; no zone, no embedded IPv4) as a number, or undefined. */
export function ipv6Number(s: string): bigint | undefined {
  if (!/^[0-9A-Fa-f:]+$/.test(s) || s.split('::').length > 2) return undefined;
  const [left, right] = s.includes('::') ? s.split('::') : [s, undefined];
  const groups = (part: string | undefined) => (part ? part.split(':') : []);
  const l = groups(left);
  const r = groups(right);
  const missing = 8 - l.length - r.length;
  if (right === undefined ? l.length !== 8 : missing < 1) return undefined;
  const all = [...l, ...Array<string>(Math.max(missing, 0)).fill('0'), ...r];
  if (all.some((g) => !/^[0-9A-Fa-f]{1,4}$/.test(g))) return undefined;
  return all.reduce((acc, g) => (acc << 16n) + BigInt(`0x${g}`), 0n);
}

export interface CidrBlock {
  version: 4 | 6;
  first: bigint;
  last: bigint;
}

/** A CIDR block (`10.0.0.0/8`, `2001:db8::/32`; an address alone is its own /32 or /128), or undefined. */
export function cidrBlock(text: string): CidrBlock | undefined {
  const m = /^([^/]+)(?:\/(\d{1,3}))?$/.exec(text);
  if (!m) return undefined;
  const v4 = ipv4Number(m[1]);
  const v6 = v4 === undefined ? ipv6Number(m[1]) : undefined;
  if (v4 === undefined && v6 === undefined) return undefined;
  const width = v4 !== undefined ? 32 : 128;
  const bits = m[2] === undefined ? width : Number(m[2]);
  if (bits > width) return undefined;
  const size = 1n << BigInt(width - bits);
  const first = ((v4 !== undefined ? BigInt(v4) : v6!) / size) * size;
  return { version: v4 !== undefined ? 4 : 6, first, last: first + size - 1n };
}

/** SQL: is the address in `value` (text) inside the block? Null when the value is not an address. */
export function inBlockSql(value: string, b: CidrBlock): string {
  if (b.version === 4) return `(${macroCall('dh_ipv4', value)} BETWEEN ${b.first} AND ${b.last})`;
  const big = (n: bigint) => `CAST(${sqlString(n.toString())} AS UHUGEINT)`;
  return `(${macroCall('dh_ipv6', value)} BETWEEN ${big(b.first)} AND ${big(b.last)})`;
}
