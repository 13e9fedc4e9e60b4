// Field-name wildcards, as table, fields, rename, stats (and eventstats, streamstats), convert take them:
//   - `*` matches any run of characters; names are case-sensitive, as Splunk field names are;
//   - a pattern matches an internal field (a name starting with `_`: _time, _raw) only when the pattern starts
//     with `_` itself, so `*` leaves them out and `_*` selects them (decision X25);
//   - the fields one pattern matches come in byte order of their names (decision X26).
// Over raw events the compiler knows every field of the events only after field discovery (sources/discover.ts):
// collect.ts says which commands need it.

import type { Span } from '../errors.ts';
import type { CompileContext } from './context.ts';
import type { Field } from './types.ts';

export const isWildcard = (name: string): boolean => name.includes('*');

const isInternal = (name: string): boolean => name.startsWith('_');

/** The pattern as an anchored regular expression, one capture group per `*`. */
export function wildcardRegex(pattern: string): RegExp {
  const body = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('(.*)');
  return new RegExp(`^${body}$`, 's');
}

/** Byte order of two names (UTF-8), as Splunk sorts text. */
export const byteOrder = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** Does the pattern select this field name (X25: internal fields only for patterns starting with `_`)? */
export function wildcardMatches(pattern: string, name: string): RegExpExecArray | null {
  if (isInternal(name) && !isInternal(pattern)) return null;
  return wildcardRegex(pattern).exec(name);
}

/** The fields a pattern selects, in byte order of their names; a plain name selects that field if it exists. */
export function matchingFields(fields: Field[], pattern: string): Field[] {
  if (!isWildcard(pattern)) return fields.filter((f) => f.name === pattern);
  return fields.filter((f) => !f.absent && wildcardMatches(pattern, f.name)).sort((a, b) => byteOrder(a.name, b.name));
}

/**
 * A renaming pattern pair (`Folder.* AS f_*`, `values(User*) AS u_*`): for a name the source pattern matches, the
 * target with each `*` replaced by what the source's `*` matched. Both must have as many wildcards, as Splunk
 * requires (a "wildcard mismatch" error otherwise).
 */
export function renamer(from: string, to: string, ctx: CompileContext, at: Span): (name: string) => string | undefined {
  const wildcards = (s: string) => s.split('*').length - 1;
  if (wildcards(from) !== wildcards(to)) {
    throw ctx.error('compile_error', `'${from}' and '${to}' have different numbers of wildcards (*)`, at, 'give both the same number, e.g. rename Folder.* AS f_*');
  }
  return (name) => {
    const m = wildcardMatches(from, name);
    if (!m) return undefined;
    let i = 1;
    return to.replace(/\*/g, () => m[i++] ?? '');
  };
}

/** Commands whose field arguments are single fields: a wildcard there is an error, never a field named `a*`. */
export function rejectWildcard(name: string, what: string, ctx: CompileContext, at: Span): void {
  if (isWildcard(name)) throw ctx.error('compile_error', `${what} takes field names, not the wildcard '${name}'`, at, 'name each field');
}
