// `mvexpand field [limit=N]`: one row per value of the field, other fields copied; rows keep their order and
// the values theirs. A row without the field is kept as it is.

import type * as A from '../../ast/ast.ts';
import { sqlIdent } from '../../sql/quote.ts';
import type { CommandHandler } from '../pipeline.ts';
import { fieldOf } from '../schema.ts';
import { rejectWildcard } from '../wildcard.ts';

export const mvexpand: CommandHandler<A.MvexpandCommand> = {
  compile(cmd, input, b) {
    rejectWildcard(cmd.field.name, 'mvexpand', b.ctx, cmd.field.span);
    let limit: number | undefined;
    for (const o of cmd.options) {
      if (o.name.toLowerCase() === 'limit' && /^\d+$/.test(o.value)) limit = Number(o.value);
      else throw b.ctx.unsupported(`mvexpand option '${o.name}'`, o.span);
    }
    const f = input!.schema.get(cmd.field.name);
    if (!f || f.type !== 'mv') return input!; // a single value expands to itself
    const col = sqlIdent(f.column);
    const list = limit ? `${col}[1:${limit}]` : col;
    const sql =
      `SELECT * EXCLUDE (_dh_i, _dh_seq), {'row': _dh_seq, 'value': _dh_i} AS _dh_seq\n` +
      `FROM (SELECT * REPLACE (unnest(coalesce(${list}, [NULL])) AS ${col}), unnest(generate_series(1, greatest(len(${list}), 1))) AS _dh_i FROM ${sqlIdent(input!.name)})`;
    return b.add(cmd, sql, input!.schema.with(fieldOf(f.name, f.column, 'str')));
  },
};
