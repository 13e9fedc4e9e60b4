// A tiny MaxMind DB (.mmdb) writer for tests: no npm package writes the format, and the real GeoLite2 files are
// large and licensed. It follows MaxMind's "MaxMind DB File Format Specification" (version 2.0): an IPv6 search
// tree with 24-bit records (IPv4 networks live under ::/96, where readers look for them), a data section of
// maps, strings, doubles and unsigned integers, and the metadata map after the "\xAB\xCD\xEFMaxMind.com" marker.

type Value = string | number | { double: number } | Value[] | { [key: string]: Value };

/** A network and the record it maps to; `network` is "a.b.c.d/len" or an IPv6 "x::/len". */
export interface MmdbEntry {
  network: string;
  record: { [key: string]: Value };
}

function encodeControl(type: number, size: number): number[] {
  const head = (t: number, s: number) => (t <= 7 ? [(t << 5) | s] : [s, t - 7]);
  if (size < 29) return head(type, size);
  if (size < 285) return [...head(type, 29), size - 29];
  if (size < 65821) return [...head(type, 30), (size - 285) >> 8, (size - 285) & 255];
  throw new Error('value too large for this test writer');
}

function encode(v: Value): number[] {
  if (typeof v === 'string') {
    const bytes = [...Buffer.from(v, 'utf8')];
    return [...encodeControl(2, bytes.length), ...bytes];
  }
  if (typeof v === 'number') {
    // Unsigned integers as uint32 (type 6), in as few bytes as they need.
    const bytes: number[] = [];
    for (let n = v; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
    return [...encodeControl(6, bytes.length), ...bytes];
  }
  if (Array.isArray(v)) return [...encodeControl(11, v.length), ...v.flatMap(encode)];
  if ('double' in v && typeof v.double === 'number') {
    const b = Buffer.alloc(8);
    b.writeDoubleBE(v.double);
    return [...encodeControl(3, 8), ...b];
  }
  const entries = Object.entries(v as { [key: string]: Value });
  return [...encodeControl(7, entries.length), ...entries.flatMap(([k, x]) => [...encode(k), ...encode(x)])];
}

/** The 128 bits of a network's address (IPv4 under ::/96) and its prefix length in that space. */
function networkBits(network: string): { bits: number[]; length: number } {
  const [addr, len] = network.split('/');
  if (addr.includes('.')) {
    const n = addr.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
    const v4 = Array.from({ length: 32 }, (_, i) => Math.floor(n / 2 ** (31 - i)) % 2);
    return { bits: [...Array<number>(96).fill(0), ...v4], length: 96 + Number(len ?? 32) };
  }
  const [l, r] = addr.split('::');
  const groups = (s: string | undefined) => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const left = groups(l);
  const right = groups(r);
  const all = [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
  return { bits: all.flatMap((g) => Array.from({ length: 16 }, (_, i) => (g >> (15 - i)) & 1)), length: Number(len ?? 128) };
}

export function writeMmdb(entries: MmdbEntry[], databaseType = 'Test-City'): Buffer {
  const data: number[] = [];
  const nodes: Array<[number | undefined, number | undefined]> = [[undefined, undefined]];
  const dataRefs: Array<{ node: number; side: 0 | 1; offset: number }> = [];
  for (const e of entries) {
    const offset = data.length;
    data.push(...encode(e.record));
    const { bits, length } = networkBits(e.network);
    let node = 0;
    for (let i = 0; i < length - 1; i++) {
      let next = nodes[node][bits[i]];
      if (next === undefined) {
        next = nodes.length;
        nodes.push([undefined, undefined]);
        nodes[node][bits[i] as 0 | 1] = next;
      }
      node = next;
    }
    dataRefs.push({ node, side: bits[length - 1] as 0 | 1, offset });
  }
  const count = nodes.length;
  const record = (node: number, side: 0 | 1) => {
    const ref = dataRefs.find((r) => r.node === node && r.side === side);
    return ref ? count + 16 + ref.offset : (nodes[node][side] ?? count);
  };
  const tree: number[] = [];
  for (let n = 0; n < count; n++) for (const side of [0, 1] as const) tree.push((record(n, side) >> 16) & 255, (record(n, side) >> 8) & 255, record(n, side) & 255);
  const metadata = encode({
    binary_format_major_version: 2,
    binary_format_minor_version: 0,
    build_epoch: 1700000000,
    database_type: databaseType,
    description: { en: 'duckhunt test database' },
    ip_version: 6,
    languages: ['en', 'de'],
    node_count: count,
    record_size: 24,
  });
  const marker = [0xab, 0xcd, 0xef, ...Buffer.from('MaxMind.com')];
  return Buffer.from([...tree, ...Array<number>(16).fill(0), ...data, ...marker, ...metadata]);
}
