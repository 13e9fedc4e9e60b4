// `convert [timeformat=…] ctime(f) [as g] mktime(f) …`: epoch ↔ time strings in the configured time zone
// (decision D4). Values that cannot be converted are left as they are, as Splunk does.

import type * as A from '../../ast/ast.ts';
import { sqlIdent } from '../../sql/quote.ts';
import type { CommandHandler } from '../pipeline.ts';
import { fieldOf, type Schema } from '../schema.ts';
import { strftimeSql, strptimeSql } from '../timeformat.ts';
import type { Field, FieldType } from '../types.ts';
import { isWildcard, matchingFields, renamer } from '../wildcard.ts';

const DEFAULT_TIMEFORMAT = '%m/%d/%Y %H:%M:%S';

export const convertCommand: CommandHandler<A.ConvertCommand> = {
  compile(cmd, input, b) {
    let timeformat = DEFAULT_TIMEFORMAT;
    let formatSpan = cmd.nameSpan;
    for (const o of cmd.options) {
      if (o.name.toLowerCase() === 'timeformat') {
        timeformat = o.value;
        formatSpan = o.valueSpan;
      } else throw b.ctx.unsupported(`convert option '${o.name}'`, o.span);
    }
    let schema: Schema = input!.schema;
    const replaced: string[] = [];
    const added: string[] = [];
    for (const c of cmd.conversions) {
      const perValue = (v: string): string => {
        switch (c.func) {
          case 'ctime':
            return `coalesce(${strftimeSql(`dh_num(${v})`, timeformat, formatSpan, b.ctx)}, ${v})`;
          case 'mktime':
            return `coalesce(dh_str(${strptimeSql(v, timeformat, formatSpan, b.ctx)}), ${v})`;
          case 'num':
            return `dh_str(dh_num(${v}))`;
          case 'rmcomma':
            return `replace(${v}, ',', '')`;
          default:
            throw b.ctx.unsupported(`convert function '${c.func}()'`, c.funcSpan, 'duckhunt converts with ctime, mktime, num and rmcomma');
        }
      };
      perValue('NULL'); // an unsupported function or format is an error even when no field is converted
      // `ctime(*time) AS *_text` converts every field the pattern selects (wildcard.ts); a missing field is left alone.
      const targets: Array<[Field, string]> = [];
      if (isWildcard(c.field.name) || (c.as && isWildcard(c.as.name))) {
        const target = renamer(c.field.name, c.as?.name ?? c.field.name, b.ctx, c.span);
        for (const f of matchingFields(schema.list(), c.field.name)) targets.push([f, target(f.name)!]);
      } else {
        const f = schema.get(c.field.name);
        if (f) targets.push([f, c.as?.name ?? c.field.name]);
      }
      for (const [field, target] of targets) {
        let sql: string;
        let type: FieldType;
        if (field.type === 'mv') {
          sql = `list_transform(${sqlIdent(field.column)}, lambda dh_v: ${perValue('dh_v')})`;
          type = 'mv';
        } else {
          const v = field.type === 'num' ? `dh_str(${sqlIdent(field.column)})` : sqlIdent(field.column);
          sql = perValue(v);
          type = 'str';
        }
        const existing = schema.get(target);
        const column = existing?.column ?? b.ctx.columns.columnFor(target);
        (existing ? replaced : added).push(`${sql} AS ${sqlIdent(column)}`);
        schema = schema.with(fieldOf(target, column, type));
      }
    }
    const star = replaced.length ? `* REPLACE (${replaced.join(', ')})` : '*';
    return b.add(cmd, `SELECT ${[star, ...added].join(', ')}\nFROM ${sqlIdent(input!.name)}`, schema);
  },
};
