// A result cell as the output formats write it: `_time` as time text, multivalue as a list (one value as that
// value), null as nothing.

import type { Field } from '../compile/types.ts';
import type { Row } from '../engine/engine.ts';

/** `_time` as Splunk exports it: ISO-8601 with milliseconds, in UTC. */
export function formatTime(epoch: number): string {
  const d = new Date(Math.round(epoch * 1000));
  if (Number.isNaN(d.getTime())) return String(epoch);
  return d.toISOString().replace('Z', '+00:00');
}

/**
 * A cell as JSON: numbers stay numbers, `_time` a time string, null absent; a multivalue field with several
 * values is an array, with one value that value (Splunk shows a one-value multivalue as a single value).
 */
export function jsonValue(f: Field, v: unknown): unknown {
  if (v === null || v === undefined) return undefined;
  if (f.name === '_time' && typeof v === 'number') return formatTime(v);
  if (f.type === 'num') return typeof v === 'number' && !Number.isFinite(v) ? String(v) : v;
  if (Array.isArray(v)) {
    const values = v.map((x) => (x === null ? '' : String(x)));
    return values.length === 1 ? values[0] : values.length === 0 ? undefined : values;
  }
  return String(v);
}

/** A cell as text lines (multivalue: one line per value). */
export function textLines(f: Field, v: unknown): string[] {
  const j = jsonValue(f, v);
  if (j === undefined) return [''];
  if (Array.isArray(j)) return j.map(String);
  return [String(j)];
}

export function rowObject(fields: Field[], row: Row): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  fields.forEach((f, i) => {
    const v = jsonValue(f, row[i]);
    if (v !== undefined) o[f.name] = v;
  });
  return o;
}
