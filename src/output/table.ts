// The text table, written as rows arrive: column widths come from the first rows (a bounded sample), so memory
// stays flat however many rows follow. Every value is escaped (a table is read by people, on terminals); a
// multivalue cell takes one line per value, as Splunk shows it. On a terminal the table also fits the screen:
// long cells are cut with a marker, and a large result shows its first rows and says how many there were.

import type { Field } from '../compile/types.ts';
import type { Row } from '../engine/engine.ts';
import type { RowWriter, Sink } from './format.ts';
import { CUT_MARKER, cutToWidth, displayWidth, escapeControls, loadWidths, needsWidths, padToWidth } from './terminal.ts';
import { textLines } from './values.ts';

export interface TableOptions {
  /** Cut cells so that a line fits this many columns (a terminal's width); undefined: never cut. */
  width?: number;
  /** Show at most this many rows, then say how many there were (on a terminal); undefined: all. */
  maxRows?: number;
  /** Show at most this many values of a multivalue cell, then say how many more there are. */
  maxValues?: number;
  /** false: no closing line with the row count (the shell prints its own, with the time). */
  footer?: boolean;
}

/** Rows read before the column widths are fixed. */
export const SAMPLE_ROWS = 1000;
/** Without a terminal width, a column is padded to at most this many columns; a longer cell runs over. */
const MAX_PADDED = 100;
/** A column cut to fit the terminal keeps at least this many columns… */
const MIN_CUT = 8;
/** … and one this narrow is not cut while cutting the wider ones is enough. */
const KEEP_WHOLE = 30;
const SEPARATOR = ' | ';

type Cells = string[][];

export function tableWriter(fields: Field[], out: Sink, opts: TableOptions = {}): RowWriter {
  const sample: Cells[] = [];
  let widths: number[] | undefined;
  let rows = 0;
  let shown = 0;
  // With multivalue cells, a rule between rows shows where each row ends; it starts with the first tall row.
  let ruled = false;

  const cellsOf = (r: Row): Cells =>
    fields.map((f, i) => {
      let lines = textLines(f, r[i]).map(escapeControls);
      if (opts.maxValues !== undefined && lines.length > opts.maxValues) {
        const more = lines.length - opts.maxValues;
        lines = [...lines.slice(0, opts.maxValues), `${CUT_MARKER} ${more.toLocaleString('en-US')} more value${more === 1 ? '' : 's'}`];
      }
      return lines;
    });
  const line = (parts: string[]) =>
    parts
      .map((p, c) => {
        const cut = opts.width !== undefined && displayWidth(p) > widths![c] ? cutToWidth(p, widths![c]) : p;
        return c === parts.length - 1 ? cut : padToWidth(cut, widths![c]);
      })
      .join(SEPARATOR)
      .trimEnd();
  const rule = () => widths!.map((w) => '-'.repeat(w)).join('-+-');
  const render = (cells: Cells, lines: string[]) => {
    if (!ruled && cells.some((c) => c.length > 1)) ruled = true;
    if (ruled && shown > 0) lines.push(rule());
    let height = 0;
    for (const c of cells) height = Math.max(height, c.length);
    for (let k = 0; k < height; k++) lines.push(line(cells.map((c) => c[k] ?? '')));
    shown++;
  };
  const start = (): string[] => {
    widths = columnWidths(fields, sample, opts.width);
    ruled = sample.some((cells) => cells.some((c) => c.length > 1));
    const lines = [line(fields.map((f) => escapeControls(f.name))), rule()];
    for (const cells of sample) render(cells, lines);
    sample.length = 0;
    return lines;
  };
  // Measuring text beyond ASCII loads string-width, only when some header or cell is such text.
  const widthsFor = async (cells: Cells[]) => {
    if (fields.some((f) => needsWidths(escapeControls(f.name))) || cells.some((row) => row.some((c) => c.some(needsWidths)))) await loadWidths();
  };

  return {
    async write(chunk) {
      if (fields.length === 0) return;
      let lines: string[] = [];
      const shownCells: Cells[] = [];
      for (const r of chunk) {
        rows++;
        if (shown + sample.length + shownCells.length < (opts.maxRows ?? Infinity)) shownCells.push(cellsOf(r));
      }
      await widthsFor(shownCells);
      for (const cells of shownCells) {
        if (widths) {
          render(cells, lines);
          continue;
        }
        sample.push(cells);
        if (sample.length >= SAMPLE_ROWS || sample.length === opts.maxRows) lines = start();
      }
      if (lines.length > 0) await out(lines.join('\n') + '\n');
    },
    async end() {
      if (fields.length === 0) return;
      await widthsFor([]);
      const lines = widths ? [] : start();
      const count = `${rows.toLocaleString('en-US')} ${rows === 1 ? 'row' : 'rows'}`;
      if (opts.footer !== false) lines.push(shown < rows ? `(first ${shown.toLocaleString('en-US')} of ${count}; -o FILE or a pipe gets them all)` : `(${count})`);
      if (lines.length > 0) await out(lines.join('\n') + '\n');
    },
  };
}

/**
 * Each column as wide as its widest line in the sample (and its name). To fit a terminal, the wide columns are
 * cut to one common width, the largest that fits, while columns up to KEEP_WHOLE wide (a time, a count, a user)
 * stay whole if they can; without a terminal, padding stops at MAX_PADDED columns.
 */
export function columnWidths(fields: Field[], sample: Cells[], terminal: number | undefined): number[] {
  const natural = fields.map((f, c) => {
    let w = displayWidth(escapeControls(f.name));
    for (const cells of sample) for (const l of cells[c]) w = Math.max(w, displayWidth(l));
    return w;
  });
  if (terminal === undefined) return natural.map((w) => Math.min(w, MAX_PADDED));
  const separators = SEPARATOR.length * (natural.length - 1);
  const cutAt = (cap: number, keep: number) => natural.map((w) => (w <= keep ? w : Math.min(w, cap)));
  const fits = (cap: number, keep: number) => cutAt(cap, keep).reduce((sum, w) => sum + w, separators) <= terminal;
  const keep = fits(MIN_CUT, KEEP_WHOLE) ? KEEP_WHOLE : 0;
  let low = MIN_CUT;
  let high = Math.max(MIN_CUT, ...natural);
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (fits(mid, keep)) low = mid;
    else high = mid - 1;
  }
  return cutAt(low, keep);
}
