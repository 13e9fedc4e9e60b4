// Writing result rows: table (for a terminal, multivalue one value per line like Splunk), json (one array),
// ndjson, csv. Rows arrive in chunks; every format but table is written as it arrives.

import type { Field } from '../compile/types.ts';
import type { Row } from '../engine/engine.ts';

export type OutputFormat = 'table' | 'json' | 'ndjson' | 'csv' | 'parquet';

export interface RowWriter {
  write(rows: Row[]): void;
  end(): void;
}

type Sink = (text: string) => void;

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

export function createWriter(format: Exclude<OutputFormat, 'parquet'>, fields: Field[], out: Sink): RowWriter {
  switch (format) {
    case 'json': {
      let first = true;
      out('[');
      return {
        write(rows) {
          for (const r of rows) {
            out((first ? '\n' : ',\n') + JSON.stringify(rowObject(fields, r)));
            first = false;
          }
        },
        end: () => out(first ? ']\n' : '\n]\n'),
      };
    }
    case 'ndjson':
      return {
        write: (rows) => out(rows.map((r) => JSON.stringify(rowObject(fields, r)) + '\n').join('')),
        end: () => {},
      };
    case 'csv':
      out(fields.map((f) => csvCell(f.name)).join(',') + '\n');
      return {
        write: (rows) => out(rows.map((r) => fields.map((f, i) => csvCell(textLines(f, r[i]).join('\n'))).join(',') + '\n').join('')),
        end: () => {},
      };
    case 'table':
      return tableWriter(fields, out);
  }
}

function csvCell(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A boxed text table; multivalue cells take one line per value. Rows are buffered to size the columns. */
function tableWriter(fields: Field[], out: Sink): RowWriter {
  const cells: string[][][] = [];
  return {
    write(rows) {
      for (const r of rows) cells.push(fields.map((f, i) => textLines(f, r[i])));
    },
    end() {
      if (fields.length === 0) return;
      const widths = fields.map((f, c) => Math.max(f.name.length, ...cells.map((row) => Math.max(...row[c].map((l) => l.length)))));
      const line = (parts: string[]) => parts.map((p, c) => p.padEnd(widths[c])).join(' | ').trimEnd();
      const rule = widths.map((w) => '-'.repeat(w)).join('-+-');
      const lines = [line(fields.map((f) => f.name)), rule];
      // With multivalue cells, a rule between rows shows where each row ends.
      const tall = cells.some((row) => row.some((c) => c.length > 1));
      cells.forEach((row, r) => {
        if (tall && r > 0) lines.push(rule);
        const height = Math.max(...row.map((c) => c.length));
        for (let k = 0; k < height; k++) lines.push(line(row.map((c) => c[k] ?? '')));
      });
      out(lines.join('\n') + '\n');
      out(`(${cells.length} ${cells.length === 1 ? 'row' : 'rows'})\n`);
    },
  };
}
