// `mvcombine [delim=s] field`: rows identical in every other field become one row whose field holds the values
// of all of them, as a multivalue (in row order, each row's values in their order, duplicates kept: decision
// X107). The merged row takes the place of the first row of its group. `delim` is the separator Splunk gives the
// field's single-value rendering, which only `nomv` right after shows (see nomv.ts).

import type * as A from '../../ast/ast.ts';
import { sqlIdent } from '../../sql/quote.ts';
import { convert } from '../expr.ts';
import type { CommandHandler } from '../pipeline.ts';
import { userFields } from '../pipeline.ts';
import { fieldOf } from '../schema.ts';
import { soleField } from './arguments.ts';
import { optionMap } from '../options.ts';

export const mvcombine: CommandHandler<A.MvcombineCommand> = {
  compile(cmd, input, b) {
    const ref = soleField(cmd, b, 'mvcombine host');
    optionMap(cmd, ['delim'], b.ctx);
    const f = input!.schema.get(ref.name);
    if (!f || ref.name.startsWith('_')) return input!;
    const others = userFields(input!.schema).filter((o) => o.name !== f.name).map((o) => sqlIdent(o.column));
    const values = `dh_mv(flatten(list(${convert.list({ sql: sqlIdent(f.column), type: f.type })} ORDER BY _dh_seq)))`;
    const sql =
      `SELECT ${[...others, `${values} AS ${sqlIdent(f.column)}`, 'min(_dh_seq) AS _dh_seq'].join(', ')}\n` +
      `FROM ${sqlIdent(input!.name)}${others.length ? `\nGROUP BY ${others.join(', ')}` : ''}`;
    return b.add(cmd, sql, input!.schema.with(fieldOf(f.name, f.column, 'mv')).closed());
  },
};
