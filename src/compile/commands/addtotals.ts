// `addtotals [row=true] [col=false] [fieldname=Total] [labelfield=f] [label=Total] [field…]`
//
// row=true: each row gets `fieldname` = the sum of the numeric values of the listed fields (wildcards allowed),
// by default of every field except internal ones (`_time`…; over raw events, those field discovery finds); a
// value that is not a number is skipped, and a row with none gets 0 (decision X101). col=true: after the rows, one row with each summed field's total over the
// rows (the row totals included), and `label` in `labelfield` when one is given. A multivalue value is a number
// only when it holds one value (decision D1).

import type * as A from '../../ast/ast.ts';
import { sqlIdent, sqlString } from '../../sql/quote.ts';
import { convert } from '../expr.ts';
import { optionBool, optionMap } from '../options.ts';
import type { CommandHandler, Relation } from '../pipeline.ts';
import { fieldOf, Schema } from '../schema.ts';
import type { Field } from '../types.ts';
import { matchingFields } from '../wildcard.ts';
import { appendRows } from './append.ts';

/**
 * The fields summed: those the listed names and patterns select, else every field but internal ones (over raw
 * events, the fields field discovery found).
 */
function summedFields(cmd: A.AddtotalsCommand, input: Relation, exclude: string): Field[] {
  const fields = input.schema.list().filter((f) => f.name !== exclude);
  const patterns = cmd.fields.length ? cmd.fields.map((f) => f.name) : ['*'];
  const out: Field[] = [];
  for (const p of patterns) for (const f of matchingFields(fields, p)) if (!out.includes(f)) out.push(f);
  return out;
}

const number = (f: Field) => convert.num({ sql: sqlIdent(f.column), type: f.type });

export const addtotals: CommandHandler<A.AddtotalsCommand> = {
  compile(cmd, input, b) {
    const opts = optionMap(cmd, ['row', 'col', 'fieldname', 'labelfield', 'label'], b.ctx);
    const row = opts.has('row') ? optionBool(opts.get('row')!, b.ctx) : true;
    const col = opts.has('col') ? optionBool(opts.get('col')!, b.ctx) : false;
    const fieldname = opts.get('fieldname')?.value ?? 'Total';
    const summed = summedFields(cmd, input!, fieldname);
    let rel = input!;
    if (row) {
      const existing = rel.schema.get(fieldname);
      const column = existing?.column ?? b.ctx.columns.columnFor(fieldname);
      const total = summed.length ? summed.map((f) => `coalesce(${number(f)}, 0)`).join(' + ') : '0';
      const select = existing ? `* REPLACE ((${total})::DOUBLE AS ${sqlIdent(column)})` : `*, (${total})::DOUBLE AS ${sqlIdent(column)}`;
      rel = b.add(cmd, `SELECT ${select} FROM ${sqlIdent(rel.name)}`, rel.schema.with(fieldOf(fieldname, column, 'num')));
      summed.push(rel.schema.get(fieldname)!);
    }
    if (!col) return rel;
    // The totals row: each summed field's total (null when no row has a number in it), the label in labelfield.
    const labelfield = opts.get('labelfield')?.value;
    const label = opts.get('label')?.value ?? 'Total';
    const totals: Field[] = [];
    const cols: string[] = [];
    for (const f of summed) {
      if (f.name === labelfield) continue;
      const sum = `sum(${number(f)})`;
      const type = f.type === 'num' ? 'num' : 'str';
      totals.push(fieldOf(f.name, f.column, type));
      cols.push(`${type === 'num' ? sum : `dh_str(${sum})`} AS ${sqlIdent(f.column)}`);
    }
    if (labelfield) {
      const f = fieldOf(labelfield, rel.schema.get(labelfield)?.column ?? b.ctx.columns.columnFor(labelfield), 'str');
      totals.push(f);
      cols.push(`${sqlString(label)} AS ${sqlIdent(f.column)}`);
    }
    const totalsRow = b.add(cmd, `SELECT ${[...cols, '1 AS _dh_seq'].join(', ')} FROM ${sqlIdent(rel.name)}`, Schema.of(totals, false), 'addtotals col=true: the totals row');
    return appendRows(b, cmd, rel, totalsRow);
  },
};
