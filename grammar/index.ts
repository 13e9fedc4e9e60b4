// Entry point of the grammar: text (already macro-expanded) → typed AST, or a positioned syntax error.

import type { IRecognitionException } from 'chevrotain';
import type { Expr, Pipeline } from '../src/ast/ast.ts';
import { checkAstDepth, checkNesting, DEFAULT_MAX_AST_DEPTH, DEFAULT_MAX_NESTING } from './depth.ts';
import { SyntaxProblem, tokenize, tokenizeExpression } from './lexer.ts';
import { SplParser } from './parser.ts';

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
  const tokens = tokenize(text);
  const parser = splParser();
  parser.input = tokens;
  const ast = parser.query();
  if (parser.errors.length > 0) throw fromRecognition(parser.errors[0], text);
  checkAstDepth(ast, limits.maxAstDepth ?? DEFAULT_MAX_AST_DEPTH);
  return ast;
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
