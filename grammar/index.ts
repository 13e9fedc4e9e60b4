// Entry point of the grammar: text (already macro-expanded) → typed AST, or a positioned syntax error.

import type { IRecognitionException } from 'chevrotain';
import { FOREACH_PLACEHOLDER, type Command, type Expr, type ForeachCommand, type Pipeline, type SearchExpr } from '../src/ast/ast.ts';
import type { Span } from '../src/errors.ts';
import { checkAstDepth, checkNesting, DEFAULT_MAX_AST_DEPTH, DEFAULT_MAX_NESTING } from './depth.ts';
import { SyntaxProblem, tokenize, tokenizeExpression } from './lexer.ts';
import { SplParser } from './parser.ts';
import { fillTemplate, foreachPlaceholders, mapSpans, querySpan, type FilledTemplate } from './template.ts';

export { SyntaxProblem };

export interface DepthLimits {
  /** Brackets and prefix operators nested in the text (default 64). */
  maxNesting?: number;
  /** Depth of the AST (default 1000). */
  maxAstDepth?: number;
}

let shared: SplParser | undefined;

/** The parser is built once (chevrotain's grammar analysis is the expensive part) and reused. */
export function splParser(): SplParser {
  shared ??= new SplParser();
  return shared;
}

/** Parses a whole query. Throws SyntaxProblem with a span into `text`. */
export function parsePipeline(text: string, limits: DepthLimits = {}): Pipeline {
  checkNesting(text, limits.maxNesting ?? DEFAULT_MAX_NESTING);
  const ast = withTemplateProbes(parseTokens(text), limits);
  checkAstDepth(ast, limits.maxAstDepth ?? DEFAULT_MAX_AST_DEPTH);
  return ast;
}

function parseTokens(text: string): Pipeline {
  const parser = splParser();
  parser.input = tokenize(text);
  const ast = parser.query();
  if (parser.errors.length > 0) throw fromRecognition(parser.errors[0], text);
  return ast;
}

/**
 * Parses a filled template (foreach) as a pipeline whose spans, and errors, point into the query. The template's
 * own templates are probed too.
 */
export function parseTemplate(t: FilledTemplate, limits: DepthLimits = {}): Pipeline {
  let p: Pipeline;
  try {
    checkNesting(t.text, limits.maxNesting ?? DEFAULT_MAX_NESTING);
    p = parseTokens(t.text);
    checkAstDepth(p, limits.maxAstDepth ?? DEFAULT_MAX_AST_DEPTH);
  } catch (e) {
    if (e instanceof SyntaxProblem) throw new SyntaxProblem(e.message, querySpan(t, e.span), e.hint);
    throw e;
  }
  return withTemplateProbes(mapSpans(t, p), limits);
}

/**
 * The search expression in a string literal written at `at` (quotes included), as searchmatch() takes it;
 * undefined for an empty search. Spans point into the literal (after its escapes, approximately).
 */
export function parseSearchString(text: string, at: Span): SearchExpr | undefined {
  const prefix = '| search ';
  const t: FilledTemplate = {
    text: prefix + text,
    offsets: [...Array<number>(prefix.length).fill(at.start), ...Array.from({ length: text.length + 1 }, (_, i) => Math.min(at.start + 1 + i, at.end))],
  };
  const cmd = parseTemplate(t).commands[0];
  return cmd.command === 'search' ? cmd.expr : undefined;
}

/**
 * Each foreach's template parsed once with its placeholders standing for names that mark them
 * (FOREACH_PLACEHOLDER): syntax errors show when the query is parsed, and the fields the template reads are known
 * before anything is compiled.
 */
function withTemplateProbes(p: Pipeline, limits: DepthLimits): Pipeline {
  // Commands are reached through pipelines and subsearches only, so a deep expression is never walked here
  // (parsePipeline checks the depth after this).
  const pipeline = (q: Pipeline): Pipeline => ({ ...q, commands: q.commands.map(command) });
  const command = (c: Command): Command => {
    switch (c.command) {
      case 'join':
      case 'append':
        return { ...c, subsearch: pipeline(c.subsearch) };
      case 'search':
        return c.expr ? { ...c, expr: searchExpr(c.expr) } : c;
      case 'foreach':
        return { ...c, probe: probe(c) };
      default:
        return c;
    }
  };
  const searchExpr = (e: SearchExpr): SearchExpr => {
    switch (e.kind) {
      case 'and':
      case 'or':
        return { ...e, items: e.items.map(searchExpr) };
      case 'not':
        return { ...e, expr: searchExpr(e.expr) };
      case 'subsearch':
        return { ...e, pipeline: pipeline(e.pipeline) };
      default:
        return e;
    }
  };
  const probe = (cmd: ForeachCommand): Pipeline => {
    const ph = foreachPlaceholders(cmd.options);
    const roles: Array<[string, string]> = [
      [ph.field, 'field'],
      [ph.matchstr, 'matchstr'],
      ...ph.matchseg.map((m, i): [string, string] => [m, `matchseg${i + 1}`]),
      [ph.item, 'item'],
      [ph.iter, 'iter'],
    ];
    const values = new Map(roles.map(([key, role]) => [key, `${FOREACH_PLACEHOLDER}${role}`]));
    return parseTemplate(fillTemplate(cmd.template, cmd.templateSpan.start, values), limits);
  };
  return pipeline(p);
}

/** Parses one eval expression (a props.conf `EVAL-` value). Throws SyntaxProblem with a span into `text`. */
export function parseEvalExpression(text: string, limits: DepthLimits = {}): Expr {
  checkNesting(text, limits.maxNesting ?? DEFAULT_MAX_NESTING);
  const parser = splParser();
  parser.input = tokenizeExpression(text, 'eval');
  const expr = parser.evalExpr();
  if (parser.errors.length > 0) throw fromRecognition(parser.errors[0], text);
  checkAstDepth(expr, limits.maxAstDepth ?? DEFAULT_MAX_AST_DEPTH);
  return expr;
}

/** Parses one search expression (a subsearch's `search` field). Throws SyntaxProblem with a span into `text`. */
export function parseSearchExpression(text: string, limits: DepthLimits = {}): SearchExpr {
  checkNesting(text, limits.maxNesting ?? DEFAULT_MAX_NESTING);
  const parser = splParser();
  parser.input = tokenizeExpression(text, 'search');
  const expr = parser.searchExpr();
  if (parser.errors.length > 0) throw fromRecognition(parser.errors[0], text);
  checkAstDepth(expr, limits.maxAstDepth ?? DEFAULT_MAX_AST_DEPTH);
  return expr;
}

function fromRecognition(err: IRecognitionException, text: string): SyntaxProblem {
  const t = err.token;
  const atEnd = t.tokenType.name === 'EOF' || Number.isNaN(t.startOffset);
  const span = atEnd ? { start: text.length, end: text.length } : { start: t.startOffset, end: t.endOffset! + 1 };
  return new SyntaxProblem(err.message, span, hintFor(err, text));
}

function hintFor(err: IRecognitionException, text: string): string | undefined {
  const image = err.token.image;
  if (/^(and|or|not|in)$/.test(image)) return `search operators are upper-case: write ${image.toUpperCase()}`;
  if (['LCurly', 'RCurly', 'Colon'].includes(err.token.tokenType.name)) {
    return "in eval and where, a field name with characters other than letters, digits and '_' goes in single quotes, e.g. 'AffectedItems{}.Subject'";
  }
  if (err.token.tokenType.name === 'Pipe' && /\|\s*$/.test(text)) return 'the query ends with a pipe: remove it or add a command after it';
  return undefined;
}
