// Splunk regexes are PCRE; DuckDB's are RE2. Translate what has an RE2 spelling, reject what RE2 cannot do.

import type { Span } from '../errors.ts';
import type { CompileContext } from './context.ts';

const UNSUPPORTED: Array<[RegExp, string]> = [
  [/\(\?<?[=!]/, 'lookahead/lookbehind assertions'],
  [/\(\?>/, 'atomic groups'],
  [/(?<!\\)(?:\\\\)*\\[1-9]/, 'backreferences'],
  [/(?<!\\)(?:\\\\)*\\k<|\(\?P=/, 'named backreferences'],
  [/[*+?}]\+/, 'possessive quantifiers'],
  [/\(\?R\)|\(\?\d+\)|\(\?&/, 'recursion'],
  [/(?<!\\)(?:\\\\)*\\[GKXRh]/, 'PCRE-only escapes'],
];

/** Returns the RE2 spelling of a PCRE pattern, or throws a positioned `unsupported` error. */
export function checkRegex(pattern: string, span: Span, ctx: CompileContext): string {
  for (const [re, what] of UNSUPPORTED) {
    if (re.test(pattern)) {
      throw ctx.error('unsupported', `this regular expression uses ${what}, which DuckDB's RE2 engine cannot run`, span, 'rewrite it without them');
    }
  }
  // Named groups: PCRE (?<name>…) and (?'name'…) are RE2 (?P<name>…).
  return pattern.replace(/\(\?<([A-Za-z_]\w*)>/g, '(?P<$1>').replace(/\(\?'([A-Za-z_]\w*)'/g, '(?P<$1>');
}

/** Names of the capture groups of a (PCRE) pattern, in order. */
export function groupNames(pattern: string): string[] {
  return captureGroups(pattern).filter((g): g is string => g !== undefined);
}

/**
 * Every capturing group of a pattern in numbering order: its name, or undefined for an unnamed `( … )`.
 * Group n of a regex is element n-1 — what DuckDB's regexp_extract needs, since it takes group numbers.
 * Escaped parentheses and parentheses inside character classes do not open groups; `(?…)` other than a
 * named group (non-capturing, flags, lookaround) does not capture.
 */
export function captureGroups(pattern: string): Array<string | undefined> {
  const groups: Array<string | undefined> = [];
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      i++; // the escaped character is literal
    } else if (inClass) {
      if (c === ']') inClass = false;
    } else if (c === '[') {
      inClass = true;
      if (pattern[i + 1] === '^') i++;
      if (pattern[i + 1] === ']') i++; // a leading ] is literal
    } else if (c === '(') {
      if (pattern[i + 1] !== '?') groups.push(undefined);
      else {
        const named = /^\(\?(?:P?<([A-Za-z_]\w*)>|'([A-Za-z_]\w*)')/.exec(pattern.slice(i));
        if (named) groups.push(named[1] ?? named[2]);
      }
    }
  }
  return groups;
}
