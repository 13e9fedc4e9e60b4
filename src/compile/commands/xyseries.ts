// `xyseries` and `untable`, each the other's inverse.
//
// xyseries [grouped=false] x y-name y-data… [sep=": "]: a row per x value (in the order x values first appear),
// a column per y-name value (in the order they first appear: decision X97) holding y-data; with several y-data
// fields the columns are `y-data: y-name`. Rows without x or y-name are left out; when two rows have the same x
// and y-name, the later one's value is kept (X97).
//
// untable x name value: each row becomes one row per other field that has a value (in field order): x, the
// field's name in `name`, its value in `value`. Internal fields (`_time`…) are left out.

import type * as A from '../../ast/ast.ts';
import { sqlIdent, sqlString } from '../../sql/quote.ts';
import { coerce, convert, unify } from '../expr.ts';
import { optionBool, optionMap } from '../options.ts';
import type { CommandHandler } from '../pipeline.ts';
import { fieldOf, Schema } from '../schema.ts';
import type { Field } from '../types.ts';
import { matchingFields } from '../wildcard.ts';

/** At most this many columns (distinct y-name values). */
const MAX_COLUMNS = 1000;

export const xyseries: CommandHandler<A.XyseriesCommand> = {
  compile(cmd, input, b) {
    const opts = optionMap(cmd, ['grouped', 'sep', 'format'], b.ctx);
    if (opts.has('grouped') && optionBool(opts.get('grouped')!, b.ctx)) throw b.ctx.unsupported('xyseries grouped=true', opts.get('grouped')!.span);
    if (opts.has('format')) throw b.ctx.unsupported('xyseries format=', opts.get('format')!.span, 'use sep= to join the y-data and y-name in column names');
    const sep = opts.get('sep')?.value ?? ': ';
    if (cmd.fields.length < 3) throw b.ctx.error('compile_error', 'xyseries takes an x field, a y-name field and at least one y-data field', cmd.nameSpan, 'e.g. xyseries _time host count');
    const schema = input!.schema;
    const [xRef, nameRef, ...dataRefs] = cmd.fields;
    const x = schema.get(xRef.name);
    const name = schema.get(nameRef.name);
    const data = dataRefs.map((r) => schema.get(r.name) ?? fieldOf(r.name, b.ctx.columns.columnFor(r.name), 'str'));
    const xField = x ?? fieldOf(xRef.name, b.ctx.columns.columnFor(xRef.name), 'str');
    const nameSql = name ? convert.str({ sql: sqlIdent(name.column), type: name.type }) : 'NULL::VARCHAR';
    const present = `${x ? sqlIdent(x.column) : 'NULL'} IS NOT NULL AND ${nameSql} IS NOT NULL`;
    // The y-name values, in the order they first appear.
    const result = b.prerun(
      { key: `xyseries:${cmd.span.start}-${cmd.span.end}`, label: b.labelOf(cmd), span: cmd.span, maxRows: MAX_COLUMNS },
      () => `${b.withClause()}\nSELECT dh_name FROM (SELECT ${nameSql} AS dh_name, min(_dh_seq) AS dh_first FROM ${sqlIdent(input!.name)} WHERE ${present} GROUP BY 1) ORDER BY dh_first LIMIT ${MAX_COLUMNS + 1}`,
    );
    if (result?.truncated) throw b.ctx.error('compile_error', `'${nameRef.name}' has more than ${MAX_COLUMNS} values, too many columns for xyseries`, nameRef.span);
    const names = (result?.rows ?? []).map((r) => String(r[0]));
    const columns: Array<{ field: Field; sql: string }> = [];
    for (const d of data) {
      for (const n of names) {
        const out = data.length > 1 ? `${d.name}${sep}${n}` : n;
        const field = fieldOf(out, b.ctx.columns.columnFor(out), d.type);
        // The last row's value for this x and name.
        columns.push({ field, sql: `arg_max(${sqlIdent(d.column)}, _dh_seq) FILTER (WHERE ${nameSql} = ${sqlString(n)})` });
      }
    }
    const sql =
      `SELECT ${[sqlIdent(xField.column), ...columns.map((c) => `${c.sql} AS ${sqlIdent(c.field.column)}`), 'min(_dh_seq) AS _dh_seq'].join(',\n       ')}\n` +
      `FROM ${sqlIdent(input!.name)}\nWHERE ${present}\nGROUP BY ${sqlIdent(xField.column)}`;
    return b.add(cmd, sql, Schema.of([xField, ...columns.map((c) => c.field)], false));
  },
};

export const untable: CommandHandler<A.UntableCommand> = {
  compile(cmd, input, b) {
    const schema = input!.schema;
    const [xRef, nameRef, valueRef] = cmd.fields;
    const x = schema.get(xRef.name) ?? fieldOf(xRef.name, b.ctx.columns.columnFor(xRef.name), 'str');
    // Every other field in the rows' order (over raw events, those field discovery found), internal ones left out.
    const named = new Set(matchingFields(schema.list(), '*').map((f) => f.name));
    const others = schema.list().filter((f) => f.name !== xRef.name && named.has(f.name));
    const valueType = others.length ? unify(others.map((f) => f.type)) : 'str';
    const nameField = fieldOf(nameRef.name, b.ctx.columns.columnFor(nameRef.name), 'str');
    const valueField = fieldOf(valueRef.name, b.ctx.columns.columnFor(valueRef.name), valueType);
    const xSql = schema.get(xRef.name) ? sqlIdent(x.column) : 'NULL::VARCHAR';
    const parts = others.map(
      (f, i) =>
        `SELECT ${xSql} AS ${sqlIdent(x.column)}, ${sqlString(f.name)} AS ${sqlIdent(nameField.column)}, ` +
        `${coerce({ sql: sqlIdent(f.column), type: f.type }, valueType)} AS ${sqlIdent(valueField.column)}, {'r': _dh_seq, 'f': ${i}} AS _dh_seq ` +
        `FROM ${sqlIdent(input!.name)} WHERE ${sqlIdent(f.column)} IS NOT NULL`,
    );
    const type = (t: Field['type']) => (t === 'num' ? 'DOUBLE' : t === 'mv' ? 'VARCHAR[]' : 'VARCHAR');
    const sql = parts.length
      ? parts.join('\nUNION ALL\n')
      : `SELECT NULL::${type(x.type)} AS ${sqlIdent(x.column)}, NULL::VARCHAR AS ${sqlIdent(nameField.column)}, NULL::VARCHAR AS ${sqlIdent(valueField.column)}, 1 AS _dh_seq WHERE false`;
    return b.add(cmd, sql, Schema.of([x, nameField, valueField], false));
  },
};
