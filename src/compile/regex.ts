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
  return [...pattern.matchAll(/\(\?P?<([A-Za-z_]\w*)>|\(\?'([A-Za-z_]\w*)'/g)].map((m) => m[1] ?? m[2]);
}
