// `regex [field=|field!=]"re"`: keeps the rows whose field (`_raw` by default) the unanchored regular expression
// matches (`=`), or does not match (`!=`). A row without the field does not match: `=` drops it, `!=` keeps it; a
// multivalue field matches when any of its values does (decision X105).

import type * as A from '../../ast/ast.ts';
import { sqlIdent, sqlString } from '../../sql/quote.ts';
import { convert } from '../expr.ts';
import type { CommandHandler } from '../pipeline.ts';
import { checkRegex } from '../regex.ts';

export const regex: CommandHandler<A.RegexCommand> = {
  compile(cmd, input, b) {
    const re = sqlString(checkRegex(cmd.regex, cmd.regexSpan, b.ctx));
    const f = input!.schema.get(cmd.field?.name ?? '_raw');
    let matches = 'false';
    if (f?.type === 'mv') matches = `coalesce(list_bool_or(list_transform(${sqlIdent(f.column)}, lambda dh_v: regexp_matches(dh_v, ${re}))), false)`;
    else if (f) matches = `coalesce(regexp_matches(${convert.str({ sql: sqlIdent(f.column), type: f.type })}, ${re}), false)`;
    return b.add(cmd, `SELECT * FROM ${sqlIdent(input!.name)}\nWHERE ${cmd.negated ? `NOT ${matches}` : matches}`, input!.schema);
  },
};
