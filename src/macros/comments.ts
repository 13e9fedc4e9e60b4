// Splunk comments are ```triple-backtick``` blocks, removed before macros expand. They are blanked rather than
// cut so that every offset in the stripped text is also an offset in the text the user wrote.

import { DuckhuntError } from '../errors.ts';
import { nextUnquotedBacktick } from './scan.ts';

const FENCE = '```';

export type BlankedComments = { ok: true; text: string } | { ok: false; unterminatedAt: number };

/** Replaces each comment by spaces (newlines kept); reports the opening of an unterminated one instead of throwing. */
export function blankComments(text: string): BlankedComments {
  let out = '';
  let copiedUpTo = 0;
  let i = 0;
  for (;;) {
    const tick = nextUnquotedBacktick(text, i);
    if (tick < 0) break;
    if (text.startsWith(FENCE, tick)) {
      // A comment's body is free text: quotes inside it do not matter, only the closing fence does.
      const close = text.indexOf(FENCE, tick + FENCE.length);
      if (close < 0) return { ok: false, unterminatedAt: tick };
      const end = close + FENCE.length;
      out += text.slice(copiedUpTo, tick) + text.slice(tick, end).replace(/[^\n]/g, ' ');
      copiedUpTo = end;
      i = end;
    } else {
      // A single backtick opens a macro call; step over the call so its closing backtick is not read as an opening.
      const close = nextUnquotedBacktick(text, tick + 1);
      if (close < 0) break; // the expander reports the unterminated call
      i = close + 1;
    }
  }
  return { ok: true, text: out + text.slice(copiedUpTo) };
}

/** The query with its comments blanked; an unterminated comment is a syntax error at its opening. */
export function stripComments(query: string): string {
  const result = blankComments(query);
  if (result.ok) return result.text;
  throw new DuckhuntError('syntax_error', 'unterminated comment: ``` has no closing ```', {
    span: { start: result.unterminatedAt, end: result.unterminatedAt + FENCE.length },
    source: query,
  });
}
