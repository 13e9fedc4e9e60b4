// Splunk regexes are PCRE; DuckDB's are RE2. Translate what has an RE2 spelling, reject what RE2 cannot do, and
// check every literal pattern with RE2's own parser (re2js, a port of RE2) when compiling, so that a bad pattern
// is a positioned error rather than a DuckDB failure at run time. Patterns that only exist at run time (a field's
// value) are recorded as sites, so that DuckDB's error can be told with the function and its place.

import { RE2JS } from 're2js';
import { DuckhuntError, type Span } from '../errors.ts';
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

/** Returns the RE2 spelling of a PCRE pattern, or throws a positioned error when RE2 cannot run it. */
export function checkRegex(pattern: string, span: Span, ctx: CompileContext): string {
  for (const [re, what] of UNSUPPORTED) {
    if (re.test(pattern)) {
      throw ctx.error('unsupported', `this regular expression uses ${what}, which DuckDB's RE2 engine cannot run`, span, 'rewrite it without them');
    }
  }
  // Named groups: PCRE (?<name>…) and (?'name'…) are RE2 (?P<name>…).
  const re2 = pattern.replace(/\(\?<([A-Za-z_]\w*)>/g, '(?P<$1>').replace(/\(\?'([A-Za-z_]\w*)'/g, '(?P<$1>');
  try {
    // re2js follows RE2 except for \C (any byte), which DuckDB's RE2 accepts and re2js does not.
    RE2JS.compile(re2.replace(/(?<!\\)((?:\\\\)*)\\C/g, '$1.'));
  } catch (e) {
    const reason = (e as Error).message.replace(/^error parsing regexp: /, '');
    throw ctx.error('compile_error', `invalid regular expression: ${reason}`, span, 'DuckDB runs regular expressions with RE2 (PCRE without lookaround and backreferences)');
  }
  return re2;
}

/**
 * The replacement of replace() and rex mode=sed as RE2 rewrites it (decision X46): \0–\9 insert a group (one the
 * pattern has: a missing group is a compile error, where RE2 would silently leave the text unchanged), \\ is one
 * backslash, and a backslash before anything else is kept as written (RE2 would drop it).
 */
export function rewriteString(replacement: string, groupCount: number | undefined, span: Span, ctx: CompileContext): string {
  return replacement.replace(/\\([\s\S]?)/g, (_, next: string) => {
    if (next === '\\') return '\\\\';
    if (/^\d$/.test(next)) {
      if (groupCount !== undefined && Number(next) > groupCount) {
        throw ctx.error('compile_error', `the replacement refers to group \\${next}, but the regular expression has ${groupCount} group${groupCount === 1 ? '' : 's'}`, span);
      }
      return `\\${next}`;
    }
    return `\\\\${next}`;
  });
}

/** A place where DuckDB compiles a regular expression: the function, and whether its pattern was checked here. */
export interface RegexSite {
  what: string;
  literal: boolean;
  /** Positioned at the pattern; its message is replaced by the run-time reason. */
  at: DuckhuntError;
}

/** DuckDB's message when RE2 cannot compile a pattern (RE2's error codes, then the part of the pattern). */
const RE2_ERROR =
  /Invalid Input Error: ((?:invalid escape sequence|invalid character class(?: range)?|missing \]|missing \)|unexpected \)|trailing \\|no argument for repetition operator|invalid repetition size|bad repetition operator|invalid perl operator|invalid UTF-8|invalid named capture group|pattern too large - compile failed)[^\n]*)/;

/**
 * DuckDB's run-time failure to compile a regular expression, told at the call that gave it: a pattern from a
 * field's value, or a literal that passed the parse but exceeds RE2's program size. Several candidates are all
 * named, the error pointing at the first.
 */
export function regexRuntimeError(sites: RegexSite[], duckdbMessage: string): DuckhuntError | undefined {
  const m = RE2_ERROR.exec(duckdbMessage);
  if (!m) return undefined;
  const tooLarge = m[1].startsWith('pattern too large');
  const candidates = sites.filter((s) => tooLarge || !s.literal);
  if (candidates.length === 0) return undefined;
  const [first] = candidates;
  const where = (s: RegexSite) => `${s.what} at ${s.at.position?.line}:${s.at.position?.column}`;
  const which = candidates.length === 1 ? '' : ` (one of the regular expressions of ${candidates.map(where).join(', ')})`;
  const origin = first.literal && candidates.length === 1 ? 'its regular expression' : 'the regular expression it got at run time';
  return new DuckhuntError('runtime_error', `${first.what} could not compile ${origin}: ${m[1]}${which}`, {
    span: first.at.span,
    position: first.at.position,
    source: first.at.source,
    file: first.at.file,
    hint: tooLarge ? 'RE2 limits the size of a compiled pattern; use smaller repetition counts' : 'DuckDB runs regular expressions with RE2: every value used as a pattern must be one RE2 can compile',
  });
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
