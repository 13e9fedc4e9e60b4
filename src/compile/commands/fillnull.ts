// `fillnull [value=X] [field …]`: missing values become X (the string "0" by default). With a field list those
// fields are filled (and created where absent); without one every field of the rows is.

import type * as A from '../../ast/ast.ts';
import { sqlIdent, sqlString } from '../../sql/quote.ts';
import type { CommandHandler } from '../pipeline.ts';
import { fieldOf, type Schema } from '../schema.ts';
import type { Field, FieldType } from '../types.ts';
import { rejectWildcard } from '../wildcard.ts';

const isNumericText = (s: string) => /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/.test(s);

export const fillnull: CommandHandler<A.FillnullCommand> = {
  compile(cmd, input, b) {
    let value = '0';
    for (const o of cmd.options) {
      if (o.name.toLowerCase() === 'value') value = o.value;
      else throw b.ctx.unsupported(`fillnull option '${o.name}'`, o.span);
    }
    cmd.fields.forEach((f) => rejectWildcard(f.name, 'fillnull', b.ctx, f.span));
    let schema: Schema = input!.schema;
    const targets: Array<Field | string> = cmd.fields.length ? cmd.fields.map((f) => schema.get(f.name) ?? f.name) : schema.list().filter((f) => !f.name.startsWith('_'));
    const replaced: string[] = [];
    const added: string[] = [];
    for (const t of targets) {
      if (typeof t === 'string') {
        const column = b.ctx.columns.columnFor(t);
        added.push(`${sqlString(value)} AS ${sqlIdent(column)}`);
        schema = schema.with(fieldOf(t, column, 'str'));
        continue;
      }
      const col = sqlIdent(t.column);
      let fill: string;
      let type: FieldType = t.type;
      let current = col;
      if (t.type === 'mv') fill = `[${sqlString(value)}]`;
      else if (t.type === 'num' && isNumericText(value)) fill = `${Number(value)}::DOUBLE`;
      else if (t.type === 'num') {
        current = `dh_str(${col})`;
        fill = sqlString(value);
        type = 'str';
      } else fill = sqlString(value);
      // Without a field list only fields that some result has are filled. The schema of raw events lists every
      // field the query names, including ones no event carries, so "has" is checked over the rows.
      if (!cmd.fields.length) fill = `CASE WHEN count(${col}) OVER () > 0 THEN ${fill} END`;
      const sql = `coalesce(${current}, ${fill})`;
      replaced.push(`${sql} AS ${col}`);
      schema = schema.with(fieldOf(t.name, t.column, type));
    }
    const star = replaced.length ? `* REPLACE (${replaced.join(', ')})` : '*';
    return b.add(cmd, `SELECT ${[star, ...added].join(', ')}\nFROM ${sqlIdent(input!.name)}`, schema);
  },
};
