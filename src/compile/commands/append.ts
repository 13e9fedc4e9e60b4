// `append [ subsearch ]`: the subsearch's rows after the current ones (capped like join's, decision D8).

import type * as A from '../../ast/ast.ts';
import { sqlIdent } from '../../sql/quote.ts';
import { coerce, unify } from '../expr.ts';
import type { CommandHandler } from '../pipeline.ts';
import { fieldOf, Schema } from '../schema.ts';
import type { Field } from '../types.ts';
import { compileSubsearch } from './join.ts';

export const append: CommandHandler<A.AppendCommand> = {
  compile(cmd, input, b) {
    for (const o of cmd.options) throw b.ctx.unsupported(`append option '${o.name}'`, o.span);
    const main = input!;
    const sub = compileSubsearch(cmd.subsearch, b, 'append subsearch');
    const fields = new Map<string, Field>();
    for (const f of main.schema.list()) fields.set(f.name, f);
    for (const f of sub.schema.list()) {
      const m = fields.get(f.name);
      // A field no event of either side has (field discovery) stays one that wildcards pass by.
      if (!m) fields.set(f.name, { ...fieldOf(f.name, b.ctx.columns.columnFor(f.name), f.type), absent: f.absent });
      else fields.set(f.name, { ...fieldOf(f.name, m.column, unify([m.type, f.type])), absent: m.absent && f.absent });
    }
    const side = (schema: Schema, alias: string) =>
      [...fields.values()].map((f) => {
        const own = schema.get(f.name);
        const type = f.type === 'num' ? 'DOUBLE' : f.type === 'mv' ? 'VARCHAR[]' : 'VARCHAR';
        return own ? `${coerce({ sql: `${alias}.${sqlIdent(own.column)}`, type: own.type }, f.type)} AS ${sqlIdent(f.column)}` : `NULL::${type} AS ${sqlIdent(f.column)}`;
      });
    const sql =
      // The order is renumbered on both sides (the subsearch table is already numbered 1…n): main rows first.
      `SELECT ${[...side(main.schema, 'm'), 'row_number() OVER (ORDER BY m._dh_seq) AS _dh_seq'].join(', ')} FROM ${sqlIdent(main.name)} AS m\n` +
      `UNION ALL\n` +
      `SELECT ${[...side(sub.schema, 's'), `s._dh_seq + (SELECT count(*) FROM ${sqlIdent(main.name)}) AS _dh_seq`].join(', ')} FROM ${sqlIdent(sub.name)} AS s WHERE s._dh_seq <= ${b.ctx.options.subsearchMaxOut}`;
    return b.add(cmd, sql, Schema.of([...fields.values()], false));
  },
};
