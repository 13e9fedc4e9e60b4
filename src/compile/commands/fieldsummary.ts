// `fieldsummary [maxvals=100] [field…]`: a row per field (the listed ones, wildcards allowed, else every field
// except internal ones), in byte order of the names, for the fields some row has:
//
//   field, count (rows with the field), distinct_count (distinct values), is_exact, max, mean, min (over the
//   values that are numbers), numeric_count (values that are numbers), stdev (sample), values
//
// A multivalue field counts each of its values. `values` is JSON, `[{"value":"x","count":3},…]`: the maxvals
// (0: all) most frequent values, equal counts in value order (numbers first, then text by bytes). Splunk stops
// counting distinct values exactly past maxvals and then says is_exact=0; here the count is always exact, so
// is_exact is always 1 (decision X98).

import type * as A from '../../ast/ast.ts';
import { sqlIdent, sqlString } from '../../sql/quote.ts';
import { convert } from '../expr.ts';
import { optionCount, optionMap } from '../options.ts';
import type { CommandHandler } from '../pipeline.ts';
import { fieldOf, Schema } from '../schema.ts';
import type { Field } from '../types.ts';
import { matchingFields } from '../wildcard.ts';

const OUTPUT: Array<[string, Field['type']]> = [
  ['field', 'str'],
  ['count', 'num'],
  ['distinct_count', 'num'],
  ['is_exact', 'num'],
  ['max', 'num'],
  ['mean', 'num'],
  ['min', 'num'],
  ['numeric_count', 'num'],
  ['stdev', 'num'],
  ['values', 'str'],
];

export const fieldsummary: CommandHandler<A.FieldsummaryCommand> = {
  compile(cmd, input, b) {
    const opts = optionMap(cmd, ['maxvals'], b.ctx);
    const maxvals = opts.has('maxvals') ? optionCount(opts.get('maxvals')!, b.ctx) : 100;
    const schema = input!.schema;
    // Over raw events the fields are those field discovery found.
    const chosen: Field[] = [];
    for (const p of cmd.fields.length ? cmd.fields.map((f) => f.name) : ['*']) for (const f of matchingFields(schema.list(), p)) if (!chosen.includes(f)) chosen.push(f);
    const out = OUTPUT.map(([name, type]) => fieldOf(name, b.ctx.columns.columnFor(name), type));
    const col = (name: string) => sqlIdent(out.find((f) => f.name === name)!.column);
    if (chosen.length === 0) {
      const none = OUTPUT.map(([name, type]) => `NULL::${type === 'num' ? 'DOUBLE' : 'VARCHAR'} AS ${col(name)}`);
      return b.add(cmd, `SELECT ${none.join(', ')}, 1 AS _dh_seq WHERE false`, Schema.of(out, false));
    }
    // Every row as (field name, its values), one pair per chosen field; then one row per value.
    const pairs = chosen.map((f) => `{'f': ${sqlString(f.name)}, 'l': ${convert.list({ sql: sqlIdent(f.column), type: f.type })}}`);
    const rows = b.add(cmd, `SELECT dh_p.f AS dh_f, dh_p.l AS dh_l FROM (SELECT unnest([${pairs.join(', ')}]) AS dh_p FROM ${sqlIdent(input!.name)}) WHERE dh_p.l IS NOT NULL`, schema, 'fieldsummary: each field of each row');
    const values = b.add(cmd, `SELECT dh_f, unnest(dh_l) AS dh_v FROM ${sqlIdent(rows.name)}`, schema, 'fieldsummary: each value');
    const order = `dh_n DESC, (dh_num(dh_v) IS NULL), dh_num(dh_v), dh_v`;
    const top = `list({'value': dh_v, 'count': dh_n} ORDER BY ${order})${maxvals > 0 ? `[1:${maxvals}]` : ''}`;
    const sql =
      `SELECT c.dh_f AS ${col('field')}, CAST(c.dh_c AS DOUBLE) AS ${col('count')}, CAST(s.dh_dc AS DOUBLE) AS ${col('distinct_count')}, 1::DOUBLE AS ${col('is_exact')},\n` +
      `       s.dh_max AS ${col('max')}, s.dh_mean AS ${col('mean')}, s.dh_min AS ${col('min')}, CAST(s.dh_nc AS DOUBLE) AS ${col('numeric_count')}, s.dh_sd AS ${col('stdev')},\n` +
      `       CAST(to_json(v.dh_top) AS VARCHAR) AS ${col('values')}, row_number() OVER (ORDER BY c.dh_f) AS _dh_seq\n` +
      `FROM (SELECT dh_f, count(*) AS dh_c FROM ${sqlIdent(rows.name)} GROUP BY dh_f) AS c\n` +
      `JOIN (SELECT dh_f, count(DISTINCT dh_v) AS dh_dc, max(dh_num(dh_v)) AS dh_max, avg(dh_num(dh_v)) AS dh_mean, min(dh_num(dh_v)) AS dh_min, count(dh_num(dh_v)) AS dh_nc, stddev_samp(dh_num(dh_v)) AS dh_sd FROM ${sqlIdent(values.name)} GROUP BY dh_f) AS s USING (dh_f)\n` +
      `JOIN (SELECT dh_f, ${top} AS dh_top FROM (SELECT dh_f, dh_v, count(*) AS dh_n FROM ${sqlIdent(values.name)} GROUP BY dh_f, dh_v) GROUP BY dh_f) AS v USING (dh_f)`;
    return b.add(cmd, sql, Schema.of(out, false));
  },
};
