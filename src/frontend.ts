// The front end: query text → (comments stripped, macros expanded) → tokens → typed AST.
// Every error leaves here as a DuckhuntError positioned in the text the user wrote.

import { parsePipeline, SyntaxProblem, type DepthLimits } from '../grammar/index.ts';
import type { Pipeline } from './ast/ast.ts';
import { DuckhuntError } from './errors.ts';
import { errorAt, expandMacros, type ExpandOptions, type Expansion, type MacroLibrary } from './macros/index.ts';
import type { QuerySource } from './query-file.ts';

export interface ParsedQuery {
  source: QuerySource;
  expansion: Expansion;
  ast: Pipeline;
  /** The macros the query was expanded with (event type searches expand with them too). */
  macros: MacroLibrary;
}

export interface FrontEndOptions extends DepthLimits {
  macros: MacroLibrary;
  /** Longest query accepted, in characters (default 1,000,000), before and after macro expansion. */
  maxQueryLength?: number;
  /** Macro expansion limits: nesting depth (default 50), expanded size (default maxQueryLength), calls (100,000). */
  macroLimits?: Pick<ExpandOptions, 'maxDepth' | 'maxCalls'>;
}

export const DEFAULT_MAX_QUERY_LENGTH = 1_000_000;

export function parseQuery(source: QuerySource, opts: FrontEndOptions): ParsedQuery {
  try {
    const maxLength = opts.maxQueryLength ?? DEFAULT_MAX_QUERY_LENGTH;
    if (source.text.length > maxLength) {
      throw new DuckhuntError('syntax_error', `the query is ${source.text.length.toLocaleString('en-US')} characters long; the limit is ${maxLength.toLocaleString('en-US')}`, {
        hint: 'raise maxQueryLength if this is intended',
      });
    }
    const expansion = expandMacros(source.text, opts.macros, { ...opts.macroLimits, maxLength, fallback: filterMacroFallback(source.detectionName) });
    let ast: Pipeline;
    try {
      ast = parsePipeline(expansion.text, { maxNesting: opts.maxNesting, maxAstDepth: opts.maxAstDepth });
    } catch (e) {
      if (e instanceof SyntaxProblem) throw errorAt(expansion, 'syntax_error', e.message, e.span, e.hint);
      throw e;
    }
    return { source, expansion, ast, macros: opts.macros };
  } catch (e) {
    if (e instanceof DuckhuntError && source.file && !e.file) throw e.withFile(source.file);
    throw e;
  }
}

/**
 * security_content's build tool generates `<detection>_filter` as `search *` for every detection; a detection
 * file run as-is needs the same, unless the user defined the macro.
 */
function filterMacroFallback(detectionName: string | undefined) {
  return (name: string, arity: number): string | undefined =>
    detectionName !== undefined && arity === 0 && name === `${detectionName}_filter` ? 'search *' : undefined;
}
