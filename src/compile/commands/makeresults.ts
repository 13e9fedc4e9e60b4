// `makeresults [count=N]`: N rows holding only _time (the search's now), handy for trying eval.

import type * as A from '../../ast/ast.ts';
import { sqlNumber } from '../../sql/quote.ts';
import type { CommandHandler } from '../pipeline.ts';
import { fieldOf, Schema } from '../schema.ts';

export const makeresults: CommandHandler<A.MakeresultsCommand> = {
  generating: true,
  compile(cmd, input, b) {
    if (input) throw b.ctx.error('compile_error', 'makeresults starts a search: put it first (| makeresults …)', cmd.nameSpan);
    let count = 1;
    for (const o of cmd.options) {
      if (o.name.toLowerCase() === 'count' && /^\d+$/.test(o.value)) count = Number(o.value);
      else throw b.ctx.unsupported(`makeresults option '${o.name}'`, o.span);
    }
    const time = b.ctx.columns.columnFor('_time');
    return b.add(
      cmd,
      `SELECT ${sqlNumber(b.ctx.options.now)} AS "${time}", range + 1 AS _dh_seq FROM range(${count})`,
      Schema.of([fieldOf('_time', time, 'num')], false),
    );
  },
};
