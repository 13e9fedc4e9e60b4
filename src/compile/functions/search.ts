// Eval functions whose argument is SPL text: searchmatch (a search expression over the row) and commands (the
// commands a search string runs). The text must be a string literal: it is parsed when the query compiles, and
// errors in it point into the literal.

import { parseSearchString, parseTemplate, SyntaxProblem } from '../../../grammar/index.ts';
import { fillTemplate } from '../../../grammar/template.ts';
import type * as A from '../../ast/ast.ts';
import { sqlStringList } from '../../sql/quote.ts';
import type { ExprCompiler } from '../expr.ts';
import { compileSearch } from '../search.ts';
import type { TypedSql } from '../types.ts';
import { bool, literal, mv, type EvalFunction } from './shared.ts';

function parsed<T>(c: ExprCompiler, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof SyntaxProblem) throw c.ctx.error('syntax_error', e.message, e.span, e.hint);
    throw e;
  }
}

/** searchmatch("x=1 user=a*"): whether the row matches the search, with the search command's rules. */
function searchmatchFn(call: A.CallExpr, c: ExprCompiler): TypedSql {
  const text = literal(c, call, 0, 'search');
  const expr = parsed(c, () => parseSearchString(text, call.args[0].span));
  return bool(expr ? compileSearch(expr, { ctx: c.ctx, schema: c.schema }) : 'true');
}

/** commands("search x | stats count"): the commands the search string runs, in order, lower-cased. */
function commandsFn(call: A.CallExpr, c: ExprCompiler): TypedSql {
  const text = literal(c, call, 0, 'search');
  const p = parsed(c, () => parseTemplate(fillTemplate(text, call.args[0].span.start + 1, new Map())));
  const names = p.commands.map((cmd) => (cmd.command === 'generic' ? cmd.name : cmd.command === 'bin' ? cmd.alias : cmd.command));
  return mv(sqlStringList(names));
}

export const SEARCH_FUNCTIONS: Array<[string, EvalFunction]> = [
  ['searchmatch', { arity: [1, 1], compile: searchmatchFn }],
  ['commands', { arity: [1, 1], compile: commandsFn }],
];
