// `spath [input=f] [output=o] [path=p | p]`: the value at a JSON path of a field (`_raw` by default), named
// `output` (default: the path). Paths are Splunk's: `a.b`, `a{}.b` (every element: multivalue).
// Without a path on `_raw` it extracts the event's JSON fields, which duckhunt already does for every field a
// query names, so it changes nothing. Without a path on another field it is unsupported (the fields it would
// create are not known before the data is read).

import type * as A from '../../ast/ast.ts';
import { sqlIdent } from '../../sql/quote.ts';
import { isMultivalue, leafSql, parseFieldName } from '../../sources/json-path.ts';
import { convert } from '../expr.ts';
import type { CommandHandler } from '../pipeline.ts';
import { fieldOf } from '../schema.ts';

export const spath: CommandHandler<A.SpathCommand> = {
  compile(cmd, input, b) {
    let inputField = '_raw';
    let output: string | undefined;
    let path = cmd.path;
    for (const o of cmd.options) {
      const n = o.name.toLowerCase();
      if (n === 'input') inputField = o.value;
      else if (n === 'output') output = o.value;
      else if (n === 'path') path = o.value;
      else throw b.ctx.unsupported(`spath option '${o.name}'`, o.span);
    }
    if (path === undefined) {
      if (inputField === '_raw' && output === undefined) return input!;
      throw b.ctx.unsupported(`spath without a path on '${inputField}'`, cmd.nameSpan, 'name the path, e.g. spath input=x path=a.b output=y');
    }
    if (/\{\d+\}/.test(path)) throw b.ctx.unsupported(`the indexed spath path '${path}'`, cmd.span, 'use {} (every element) and mvindex()');
    const schema = input!.schema;
    const source = schema.get(inputField);
    const target = output ?? path;
    const existing = schema.get(target);
    const column = existing?.column ?? b.ctx.columns.columnFor(target);
    // An spath path is nested keys (no flat-key reading: the path says where each key ends); values as the
    // event's fields read them (X35, X37).
    const steps = parseFieldName(path);
    const multivalue = isMultivalue(steps);
    const text = source ? convert.str({ sql: sqlIdent(source.column), type: source.type }) : 'NULL::VARCHAR';
    const value = leafSql(text, steps);
    const sql = !source
      ? `NULL::${multivalue ? 'VARCHAR[]' : 'VARCHAR'}`
      : `CASE WHEN json_valid(${text}) THEN ${multivalue ? `dh_mv(${value})` : value} END`;
    const select = existing ? `SELECT * REPLACE (${sql} AS ${sqlIdent(column)})` : `SELECT *, ${sql} AS ${sqlIdent(column)}`;
    return b.add(cmd, `${select}\nFROM ${sqlIdent(input!.name)}`, schema.with(fieldOf(target, column, multivalue ? 'mv' : 'str')));
  },
};
