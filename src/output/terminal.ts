// Text as a terminal shows it: data is escaped so that it can never move the cursor, recolour or clear the
// screen, or reorder the text around it; widths are display columns (wide CJK characters and emoji take two);
// long text is cut with a marker.

// string-width and ICU's grapheme segmenter take ~20 ms to load; most results are plain ASCII, so they are
// loaded only when some text that is not needs measuring (loadWidths, by the table writer).
let stringWidth: ((s: string) => number) | undefined;
let graphemes: Intl.Segmenter | undefined;

// C0 controls (\n, \r, \t, ESC…), DEL, C1 controls (0x9b is a one-byte CSI on some terminals), and the Unicode
// bidirectional marks, embeddings, overrides and isolates that reorder the characters around them.
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** The text with every control character written as an escape (`\r\n` shows as those four characters). */
export function escapeControls(s: string): string {
  return s.replace(UNSAFE, (c) => NAMED[c] ?? escapeCode(c.charCodeAt(0)));
}

function escapeCode(code: number): string {
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

const PLAIN = /^[\x20-\x7e]*$/;

/** Whether measuring the text needs loadWidths() first (it is not printable ASCII). */
export const needsWidths = (s: string): boolean => stringWidth === undefined && !PLAIN.test(s);

/** Loads what measuring text beyond printable ASCII needs. */
export async function loadWidths(): Promise<void> {
  stringWidth ??= (await import('string-width')).default;
  graphemes ??= new Intl.Segmenter('en', { granularity: 'grapheme' });
}

function measure(s: string): number {
  if (stringWidth === undefined) throw new Error('displayWidth of non-ASCII text before loadWidths()');
  return stringWidth(s);
}

// Plain text cut with the marker (one column).
const PLAIN_CUT = /^[\x20-\x7e]*\u2026$/;

/** Columns the text takes on a terminal. */
export function displayWidth(s: string): number {
  return PLAIN.test(s) || PLAIN_CUT.test(s) ? s.length : measure(s);
}

/** Marks text cut to fit its column. */
export const CUT_MARKER = '…';

/** The text cut to at most `width` columns, ending in the marker when something was cut. */
export function cutToWidth(s: string, width: number): string {
  if (displayWidth(s) <= width) return s;
  const room = Math.max(0, width - 1);
  if (PLAIN.test(s)) return s.slice(0, room) + CUT_MARKER;
  let out = '';
  let used = 0;
  for (const { segment } of graphemes!.segment(s)) {
    const w = measure(segment);
    if (used + w > room) break;
    out += segment;
    used += w;
  }
  return out + CUT_MARKER;
}

/** The text padded with spaces to `width` columns (text already wider is left as it is). */
export function padToWidth(s: string, width: number): string {
  const w = displayWidth(s);
  return w >= width ? s : s + ' '.repeat(width - w);
}
