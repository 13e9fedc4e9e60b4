// `top` and `rare`: the most (least) common combinations of the fields' values, with their count and percent.
//
//   top [N] [limit=N] [countfield=count] [percentfield=percent] [showcount=t] [showperc=t] [useother=f]
//       [otherstr=OTHER] field… [BY field…]
//
// Rows are counted per combination as stats counts them (a multivalue field once per value; a row missing a field
// is not counted). The percent is the combination's share of the rows counted in its BY group, rounded to six
// decimals as Splunk prints it (decision X93). Combinations come by count (descending for top, ascending for
// rare), equal counts in value order (numbers first, then text by bytes: decision X93); BY groups in value order.
// limit=0 keeps them all (default 10, per BY group); useother=true adds a row for the rest, every field otherstr.

import type * as A from '../../ast/ast.ts';
import { sqlIdent, sqlString } from '../../sql/quote.ts';
import { splitByFields } from '../groups.ts';
import { optionBool, optionCount, optionMap } from '../options.ts';
import type { CommandHandler } from '../pipeline.ts';
import { fieldOf, Schema } from '../schema.ts';
import type { Field } from '../types.ts';
import { sortKeySql } from './stats.ts';

export const top: CommandHandler<A.TopCommand> = {
  compile(cmd, input, b) {
    const opts = optionMap(cmd, ['limit', 'countfield', 'percentfield', 'showcount', 'showperc', 'useother', 'otherstr'], b.ctx);
    const flag = (name: string, dflt: boolean) => (opts.has(name) ? optionBool(opts.get(name)!, b.ctx) : dflt);
    const limitOpt = opts.get('limit');
    const limit = limitOpt ? optionCount(limitOpt, b.ctx) : (cmd.count ?? 10);
    const countName = opts.get('countfield')?.value ?? 'count';
    const percentName = opts.get('percentfield')?.value ?? 'percent';
    const useother = flag('useother', false);
    const otherstr = opts.get('otherstr')?.value ?? 'OTHER';
    if (cmd.fields.length === 0) throw b.ctx.error('compile_error', `${cmd.command} needs a field, e.g. ${cmd.command} user`, cmd.nameSpan);
    const schema = input!.schema;
    const missing = [...cmd.by, ...cmd.fields].find((f) => !schema.get(f.name));
    const field = (r: A.FieldRef) => schema.get(r.name) ?? fieldOf(r.name, b.ctx.columns.columnFor(r.name), 'str');
    const split = splitByFields(sqlIdent(input!.name), [...cmd.by, ...cmd.fields].map(field));
    const by = split.fields.slice(0, cmd.by.length);
    // With useother the fields also hold otherstr, so they are text.
    const values = split.fields.slice(cmd.by.length).map((f) => (useother && f.type === 'num' ? { ...f, type: 'str' as const } : f));
    const cols = (fs: Field[]) => fs.map((f) => sqlIdent(f.column));
    const byCols = cols(by);
    const partition = byCols.length ? `PARTITION BY ${byCols.join(', ')} ` : '';
    const dir = cmd.command === 'top' ? 'DESC' : 'ASC';
    const asText = (f: Field, i: number) => (useother && split.fields[cmd.by.length + i].type === 'num' ? `dh_str(${sqlIdent(f.column)}) AS ${sqlIdent(f.column)}` : sqlIdent(f.column));
    const counted =
      `SELECT ${[...byCols, ...values.map(asText), 'count(*) AS dh_c'].join(', ')} FROM ${split.from}${missing ? ' WHERE false' : ''}` +
      ` GROUP BY ${[...byCols, ...cols(values)].join(', ')}`;
    const ranked =
      `SELECT *, row_number() OVER (${partition}ORDER BY dh_c ${dir}, ${values.map((f) => sortKeySql(f)).join(', ')}) AS dh_rank, ` +
      `sum(dh_c) OVER (${partition.trim()}) AS dh_total FROM (${counted})`;
    const kept = limit > 0 ? `dh_rank <= ${limit}` : 'true';
    let rows = `SELECT ${[...byCols, ...cols(values), 'dh_c', 'dh_total', 'dh_rank'].join(', ')} FROM (${ranked}) WHERE ${kept}`;
    if (useother && limit > 0) {
      rows +=
        `\nUNION ALL\nSELECT ${[...byCols, ...values.map((f) => `${sqlString(otherstr)} AS ${sqlIdent(f.column)}`), 'sum(dh_c)', 'any_value(dh_total)', `${limit + 1}`].join(', ')}` +
        ` FROM (${ranked}) WHERE dh_rank > ${limit}${byCols.length ? ` GROUP BY ${byCols.join(', ')}` : ''}`;
    }
    const out: Field[] = [...by, ...values];
    const select = [...cols(out)];
    if (flag('showcount', true)) {
      const f = fieldOf(countName, b.ctx.columns.columnFor(countName), 'num');
      select.push(`CAST(dh_c AS DOUBLE) AS ${sqlIdent(f.column)}`);
      out.push(f);
    }
    if (flag('showperc', true)) {
      const f = fieldOf(percentName, b.ctx.columns.columnFor(percentName), 'num');
      select.push(`round(dh_c * 100.0 / dh_total, 6) AS ${sqlIdent(f.column)}`);
      out.push(f);
    }
    const order = [...by.map((f) => sortKeySql(f)), 'dh_rank'];
    select.push(`row_number() OVER (ORDER BY ${order.join(', ')}) AS _dh_seq`);
    return b.add(cmd, `SELECT ${select.join(', ')}\nFROM (${rows})`, Schema.of(out, false));
  },
};
