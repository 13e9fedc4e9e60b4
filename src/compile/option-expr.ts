// An eval expression given as an option's value (`streamstats reset_before="(count>5)"`). It is parsed as the
// expression of a `where` laid at the value's own offset, so its nodes' spans (and any error) point into the
// user's query.

import { parsePipeline, SyntaxProblem } from '../../grammar/index.ts';
import type * as A from '../ast/ast.ts';
import type { CompileContext } from './context.ts';

const PREFIX = '|where ';

/** The option's expression; a syntax error is positioned in the query. Without a context, errors propagate as they are. */
export function optionExpr(o: A.CommandOption, ctx?: CompileContext): A.Expr {
  // A quoted value's text starts after its quote; the where is laid just before it (padding the rest with spaces).
  const at = o.valueSpan.start + (o.quoted ? 1 : 0);
  const text = (at >= PREFIX.length ? ' '.repeat(at - PREFIX.length) : '') + PREFIX + o.value;
  try {
    const cmd = parsePipeline(text).commands[0];
    if (cmd?.command !== 'where') throw new SyntaxProblem(`${o.name} takes an eval expression`, o.valueSpan);
    return cmd.expr;
  } catch (e) {
    if (ctx && e instanceof SyntaxProblem) throw ctx.error('syntax_error', `${o.name}: ${e.message}`, e.span, e.hint);
    throw e;
  }
}
