// Expands Splunk macro calls, textually and recursively as Splunk does: `name` or `name(a, b)` is replaced by the
// definition of the stanza with that many arguments, `$arg$` substituted everywhere in it (quoted text included),
// and the result is expanded again. The expansion keeps a source map so that errors point at the user's text.

import type { DuckhuntError, ErrorKind, Span } from '../errors.ts';
import { blankComments, stripComments } from './comments.ts';
import { stanzaName, type MacroLibrary } from './library.ts';
import { nextUnquotedBacktick } from './scan.ts';
import { errorInQuery, SourceMap, type Expansion, type MacroStep, type Segment } from './sourcemap.ts';

export interface ExpandOptions {
  /** Deepest chain of macros calling macros (default 50). */
  maxDepth?: number;
  /** Longest expanded text, in characters (default 1,000,000); checked as macros add text, so it bounds blow-ups. */
  maxLength?: number;
  /** Most macro calls expanded in one query (default 100,000): stops blow-ups made of empty macros. */
  maxCalls?: number;
  /** A definition for a macro the library lacks, or undefined to report it as unknown. */
  fallback?: (name: string, arity: number) => string | undefined;
}

/** security_content's build tool generates every `<detection>_filter` macro as `search *`; use as `fallback`. */
export function securityContentFilterDefault(name: string, arity: number): string | undefined {
  return arity === 0 && name.endsWith('_filter') ? 'search *' : undefined;
}

export function expandMacros(query: string, lib: MacroLibrary, opts: ExpandOptions = {}): Expansion {
  const expander = new Expander(query, lib, opts);
  expander.expandText(stripComments(query), { kind: 'query' });
  return expander.finish();
}

/** Where the text being scanned comes from: the user's query, or the definition of a macro called from it. */
type Scope =
  | { kind: 'query' }
  | {
      kind: 'macro';
      /** The outermost call, in the original query: everything generated here maps to it. */
      call: Span;
      trail: MacroStep[];
      /** Stanza names of the calls being expanded, outermost first, for cycle and depth checks. */
      chain: string[];
      definedAt: string;
    };

interface MacroCall {
  name: string;
  args: string[];
}

interface ResolvedMacro {
  definition: string;
  argNames: string[];
  origin: string;
}

const DEFAULTS = { maxDepth: 50, maxLength: 1_000_000, maxCalls: 100_000 };

class Expander {
  private readonly original: string;
  private readonly lib: MacroLibrary;
  private readonly limits: typeof DEFAULTS;
  private readonly fallback: ExpandOptions['fallback'];
  private readonly pieces: string[] = [];
  private readonly segments: Segment[] = [];
  private length = 0;
  private calls = 0;

  constructor(original: string, lib: MacroLibrary, opts: ExpandOptions) {
    this.original = original;
    this.lib = lib;
    this.limits = {
      maxDepth: opts.maxDepth ?? DEFAULTS.maxDepth,
      maxLength: opts.maxLength ?? DEFAULTS.maxLength,
      maxCalls: opts.maxCalls ?? DEFAULTS.maxCalls,
    };
    this.fallback = opts.fallback;
  }

  finish(): Expansion {
    const text = this.pieces.join('');
    return { text, original: this.original, map: new SourceMap(this.segments, text.length, this.original.length) };
  }

  expandText(text: string, scope: Scope): void {
    let i = 0;
    for (;;) {
      const open = nextUnquotedBacktick(text, i);
      if (open < 0) break;
      this.emit(text, i, open, scope);
      const close = nextUnquotedBacktick(text, open + 1);
      if (close < 0) {
        throw this.fail(scope, 'syntax_error', `unterminated macro call: \` has no closing \`${inDefinition(scope)}`, {
          start: open,
          end: open + 1,
        });
      }
      const span = { start: open, end: close + 1 };
      const call = parseCall(text.slice(open + 1, close));
      if (!call) throw this.malformedCall(scope, span, text);
      this.expandCall(call, span, scope);
      i = close + 1;
    }
    this.emit(text, i, text.length, scope);
  }

  private expandCall(call: MacroCall, span: Span, scope: Scope): void {
    const stanza = stanzaName(call.name, call.args.length);
    const chain = scope.kind === 'macro' ? scope.chain : [];
    if (chain.includes(stanza)) {
      throw this.fail(scope, 'macro_error', `macro cycle: ${[...chain, stanza].join(' → ')}`, span);
    }
    if (chain.length >= this.limits.maxDepth) {
      throw this.fail(
        scope,
        'macro_error',
        `macros nest more than ${this.limits.maxDepth} levels deep: ${[...chain, stanza].join(' → ')}`,
        span,
      );
    }
    if (++this.calls > this.limits.maxCalls) {
      throw this.fail(scope, 'macro_error', `expanding the query takes more than ${this.limits.maxCalls} macro calls`, span);
    }
    const macro = this.resolve(call, stanza, span, scope);
    const blanked = blankComments(macro.definition);
    if (!blanked.ok) {
      const message = `unterminated comment (\`\`\`) in the definition of macro \`${stanza}\` (${macro.origin})`;
      throw this.fail(scope, 'syntax_error', message, span);
    }
    const outermost = scope.kind === 'macro' ? scope.call : span;
    this.expandText(substitute(blanked.text, bindArguments(macro.argNames, call.args)), {
      kind: 'macro',
      call: outermost,
      trail: [...(scope.kind === 'macro' ? scope.trail : []), { name: call.name, offset: outermost.start }],
      chain: [...chain, stanza],
      definedAt: macro.origin,
    });
  }

  private resolve(call: MacroCall, stanza: string, span: Span, scope: Scope): ResolvedMacro {
    const arity = call.args.length;
    const def = this.lib.lookup(call.name, arity);
    if (def?.iseval) {
      throw this.fail(
        scope,
        'unsupported',
        `macro \`${stanza}\` is an eval-based macro (iseval = true, ${def.origin}), ` +
          `which duckhunt does not expand${inDefinition(scope)}`,
        span,
        'define a plain macro of the same name and arity in a file passed with --macros',
      );
    }
    if (def) return { definition: def.definition, argNames: def.args, origin: def.origin };
    const fallback = this.fallback?.(call.name, arity);
    if (fallback !== undefined) return { definition: fallback, argNames: [], origin: 'default definition' };
    const known = this.lib.namesWithArity(call.name);
    const hint =
      known.length > 0
        ? `\`${call.name}\` is defined as ${known.map((k) => `\`${k}\``).join(', ')}; call it with that many arguments`
        : 'define it in a macros.conf or security_content macro .yml file and pass it with --macros PATH';
    throw this.fail(scope, 'macro_error', `unknown macro \`${stanza}\`${inDefinition(scope)}`, span, hint);
  }

  private malformedCall(scope: Scope, span: Span, text: string): DuckhuntError {
    const written = text.slice(span.start, span.end);
    return this.fail(
      scope,
      'syntax_error',
      `malformed macro call ${written}${inDefinition(scope)}`,
      span,
      'a macro call is `name` or `name(arg1, arg2, …)`',
    );
  }

  /** Appends text[from, to): copied from the query, or generated by the macro being expanded. */
  private emit(text: string, from: number, to: number, scope: Scope): void {
    if (to <= from) return;
    const start = this.length;
    this.pieces.push(text.slice(from, to));
    this.length += to - from;
    if (scope.kind === 'query') {
      this.segments.push({ kind: 'copied', start, end: this.length, originalStart: from });
      return;
    }
    this.segments.push({ kind: 'generated', start, end: this.length, call: scope.call, trail: scope.trail });
    if (this.length > this.limits.maxLength) {
      const message = `macro expansion makes the query longer than ${this.limits.maxLength} characters`;
      throw this.fail(scope, 'macro_error', message, scope.call);
    }
  }

  /** An error at `span` of the scanned text; inside a macro definition, at the outermost call in the query. */
  private fail(scope: Scope, kind: ErrorKind, message: string, span: Span, hint?: string): DuckhuntError {
    if (scope.kind === 'query') return errorInQuery(this.original, kind, message, span, [], hint);
    return errorInQuery(this.original, kind, message, scope.call, scope.trail, hint);
  }
}

function inDefinition(scope: Scope): string {
  if (scope.kind === 'query') return '';
  return ` in the definition of macro \`${scope.chain[scope.chain.length - 1]}\` (${scope.definedAt})`;
}

const CALL = /^\s*([^\s()`",=]+)\s*(?:\(([\s\S]*)\))?\s*$/;

/** The name and arguments between a call's backticks, or undefined if the text is not a macro call. */
function parseCall(inner: string): MacroCall | undefined {
  const match = CALL.exec(inner);
  if (!match) return undefined;
  const [, name, argText] = match;
  // `name()` is a call without arguments, like `name`.
  if (argText === undefined || argText.trim() === '') return { name, args: [] };
  const args = splitArguments(argText);
  return args && { name, args };
}

/** Splits on commas outside double quotes and parentheses, trimming each argument; undefined if unbalanced. */
function splitArguments(text: string): string[] | undefined {
  const args: string[] = [];
  let depth = 0;
  let inQuote = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inQuote) {
      if (c === '\\') i++;
      else if (c === '"') inQuote = false;
    } else if (c === '"') {
      inQuote = true;
    } else if (c === '(') {
      depth++;
    } else if (c === ')') {
      if (--depth < 0) return undefined;
    } else if (c === ',' && depth === 0) {
      args.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  if (depth !== 0 || inQuote) return undefined;
  args.push(text.slice(start).trim());
  return args;
}

const NAMED_ARGUMENT = /^([A-Za-z0-9_-]+)\s*=\s*([\s\S]*)$/;

/**
 * Pairs argument names with values. `m(x=1, y=2)` binds by name when every argument is `name=value` and the names
 * are exactly the definition's; otherwise arguments bind by position, so `m(a=1)` passes the text `a=1`.
 */
function bindArguments(names: string[], values: string[]): Map<string, string> {
  const named = values.map((value) => NAMED_ARGUMENT.exec(value)).filter((m) => m !== null);
  if (named.length === values.length) {
    const byName = new Map(named.map((m): [string, string] => [m[1], m[2]]));
    if (byName.size === names.length && names.every((name) => byName.has(name))) return byName;
  }
  return new Map(names.map((name, i) => [name, values[i]]));
}

/** Replaces every `$name$` of a bound argument in one pass, so argument text is never substituted again. */
function substitute(definition: string, bindings: Map<string, string>): string {
  if (bindings.size === 0) return definition;
  const names = [...bindings.keys()].map((name) => name.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&'));
  return definition.replace(new RegExp(`\\$(${names.join('|')})\\$`, 'g'), (_, name: string) => bindings.get(name) ?? '');
}
