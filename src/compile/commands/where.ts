// `where <expr>`: keeps rows for which the eval expression is true (a null comparison is not true).

import type * as A from '../../ast/ast.ts';
import { sqlIdent } from '../../sql/quote.ts';
import { ExprCompiler } from '../expr.ts';
import type { CommandHandler } from '../pipeline.ts';

export const where: CommandHandler<A.WhereCommand> = {
  compile(cmd, input, b) {
    const cond = new ExprCompiler(b.ctx, input!.schema).cond(cmd.expr);
    return b.add(cmd, `SELECT * FROM ${sqlIdent(input!.name)}\nWHERE ${cond}`, input!.schema);
  },
};
