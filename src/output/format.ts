// Writing result rows: table (for people, multivalue one value per line like Splunk: table.ts), json (one
// array), ndjson, csv, arrow (typed columns: arrow.ts). Rows arrive in chunks and every format is written as they
// arrive; csv, json and arrow keep the data exactly as it is (they are read by programs, not shown on terminals).
// Parquet is written by DuckDB itself (engine.copyToParquet).

import type { Field } from '../compile/types.ts';
import type { Row } from '../engine/engine.ts';
import type { OutputFormat } from './choose.ts';
import { tableWriter, type TableOptions } from './table.ts';
import { rowObject, textLines } from './values.ts';

export type { OutputFormat } from './choose.ts';

export interface RowWriter {
  write(rows: Row[]): Promise<void>;
  end(): Promise<void>;
}

/** Where the text goes; it resolves when the text may be followed by more (the destination's back-pressure). */
export type Sink = (text: string) => Promise<void>;
/** A destination that takes bytes too (Arrow's); standard output and -o files are both. */
export type ByteSink = (data: string | Uint8Array) => Promise<void>;

export interface WriterOptions {
  /** The terminal table's options (cutting, rows shown). */
  table?: TableOptions;
  /** CSV: neutralise cells a spreadsheet would run as formulas (OWASP's CSV injection advice). */
  csvSafe?: boolean;
}

export function createWriter(format: Exclude<OutputFormat, 'parquet' | 'arrow'>, fields: Field[], out: Sink, opts: WriterOptions = {}): RowWriter {
  switch (format) {
    case 'json': {
      let first = true;
      let opened = false;
      return {
        async write(rows) {
          let text = opened ? '' : '[';
          opened = true;
          for (const r of rows) {
            text += (first ? '\n' : ',\n') + JSON.stringify(rowObject(fields, r));
            first = false;
          }
          await out(text);
        },
        end: () => out((opened ? '' : '[') + (first ? ']\n' : '\n]\n')),
      };
    }
    case 'ndjson':
      return {
        write: (rows) => out(rows.map((r) => JSON.stringify(rowObject(fields, r)) + '\n').join('')),
        end: async () => {},
      };
    case 'csv': {
      const cell = opts.csvSafe ? safeCsvCell : csvCell;
      let header = fields.map((f) => cell(f.name)).join(',') + '\n';
      const flush = (text: string) => {
        const all = header + text;
        header = '';
        return out(all);
      };
      return {
        write: (rows) => flush(rows.map((r) => fields.map((f, i) => (typeof r[i] === 'number' ? csvCell(textLines(f, r[i])[0]) : cell(textLines(f, r[i]).join('\n')))).join(',') + '\n').join('')),
        end: () => (header ? flush('') : Promise.resolve()),
      };
    }
    case 'table':
      return tableWriter(fields, out, opts.table);
  }
}

/** RFC 4180: a cell with a quote, comma or line break is quoted; anything else is written as it is. */
function csvCell(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

// Spreadsheets run a cell starting with one of these as a formula (OWASP "CSV Injection"; ASVS 1.2.10 adds NUL).
const FORMULA_START = /^[=+\-@\t\r\0]/;

/** `--csv-safe`: every cell quoted, and one a spreadsheet would run as a formula starts with a `'`. */
function safeCsvCell(s: string): string {
  return `"${(FORMULA_START.test(s) ? "'" + s : s).replace(/"/g, '""')}"`;
}

