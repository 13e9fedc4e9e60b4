// Templates: the `[ … ]` of foreach is text with placeholders (`<<FIELD>>`, `<<MATCHSTR>>`…) that Splunk
// replaces before it parses the result as a pipeline. Filling one keeps, for every character of the result, the
// offset in the query it came from, so the parsed pipeline's spans (and every error in it) point into the query:
// a character of a substituted value points at its placeholder.

import type { Pipeline } from '../src/ast/ast.ts';
import type { Span } from '../src/errors.ts';

export interface FilledTemplate {
  /** The template with its placeholders replaced, as a pipeline that starts with a command (`| eval …`). */
  text: string;
  /** offsets[i] is the query offset of text[i]; one more entry for the end. */
  offsets: number[];
}

/**
 * Replaces every placeholder (a key of `values`; longer keys first, so `<<MATCHSEG1>>` is not read as a shorter
 * key) in `template`, which starts at query offset `start`.
 */
export function fillTemplate(template: string, start: number, values: ReadonlyMap<string, string>): FilledTemplate {
  const keys = [...values.keys()].filter((k) => k !== '').sort((a, b) => b.length - a.length);
  let text = '';
  const offsets: number[] = [];
  // The template's pipeline starts with a command word, as after a pipe (`[eval x=1]` is `| eval x=1`).
  if (!/^\s*\|/.test(template)) {
    text = '| ';
    offsets.push(start, start);
  }
  for (let i = 0; i < template.length; ) {
    const key = keys.find((k) => template.startsWith(k, i));
    if (key) {
      const value = values.get(key)!;
      text += value;
      // The value's characters point into the placeholder (the first at its start, the last at its end).
      for (let j = 0; j < value.length; j++) offsets.push(start + i + Math.min(j, key.length - 1));
      i += key.length;
    } else {
      text += template[i];
      offsets.push(start + i);
      i++;
    }
  }
  offsets.push(start + template.length);
  return { text, offsets };
}

/** A span of the filled text as a span of the query. */
export function querySpan(t: FilledTemplate, s: Span): Span {
  const start = t.offsets[Math.min(s.start, t.offsets.length - 1)];
  const end = s.end > s.start ? t.offsets[Math.min(s.end - 1, t.offsets.length - 1)] + 1 : start;
  return { start, end: Math.max(start, end) };
}

/** A copy of a pipeline parsed from the filled text, with every span moved into the query. */
export function mapSpans(t: FilledTemplate, p: Pipeline): Pipeline {
  const map = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(map);
    if (node === null || typeof node !== 'object') return node;
    const o = node as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 2 && typeof o.start === 'number' && typeof o.end === 'number') return querySpan(t, o as unknown as Span);
    return Object.fromEntries(keys.map((k) => [k, map(o[k])]));
  };
  return map(p) as Pipeline;
}

/** The placeholders of a foreach template, by what they stand for: Splunk's defaults, or the options' strings. */
export interface ForeachPlaceholders {
  field: string;
  matchstr: string;
  matchseg: [string, string, string];
  item: string;
  iter: string;
}

export function foreachPlaceholders(options: ReadonlyArray<{ name: string; value: string }>): ForeachPlaceholders {
  const opt = (name: string, fallback: string) => options.find((o) => o.name.toLowerCase() === name)?.value ?? fallback;
  return {
    field: opt('fieldstr', '<<FIELD>>'),
    matchstr: opt('matchstr', '<<MATCHSTR>>'),
    matchseg: [opt('matchseg1', '<<MATCHSEG1>>'), opt('matchseg2', '<<MATCHSEG2>>'), opt('matchseg3', '<<MATCHSEG3>>')],
    item: opt('itemstr', '<<ITEM>>'),
    iter: opt('iterstr', '<<ITER>>'),
  };
}
