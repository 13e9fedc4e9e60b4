// `append [ subsearch ]`: the subsearch's rows after the current ones (capped like join's, decision D8).

import type * as A from '../../ast/ast.ts';
import { sqlIdent } from '../../sql/quote.ts';
import { coerce, unify } from '../expr.ts';
import type { CommandHandler, PipelineBuilder, Relation } from '../pipeline.ts';
import { fieldOf, Schema } from '../schema.ts';
import type { Field } from '../types.ts';
import { compileSubsearch } from './join.ts';

export const append: CommandHandler<A.AppendCommand> = {
  compile(cmd, input, b) {
    for (const o of cmd.options) throw b.ctx.unsupported(`append option '${o.name}'`, o.span);
    const sub = compileSubsearch(cmd.subsearch, b, 'append subsearch');
    // The subsearch table is already numbered 1…n in its order.
    return appendRows(b, cmd, input!, sub, { filter: `s._dh_seq <= ${b.ctx.options.subsearchMaxOut}`, numbered: true });
  },
};

/**
 * The rows of `main`, then those of `added` (where `filter` holds), with the fields of both: a field of one
 * side only is null on the other, a field on both sides gets one shape. The order is renumbered: main rows first
 * (`numbered`: the added rows' _dh_seq is already 1…n).
 */
export function appendRows(b: PipelineBuilder, cmd: A.Command, main: Relation, added: Relation, opts: { filter?: string; numbered?: boolean } = {}): Relation {
  const fields = new Map<string, Field>();
  for (const f of main.schema.list()) fields.set(f.name, f);
  for (const f of added.schema.list()) {
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
    `SELECT ${[...side(main.schema, 'm'), 'row_number() OVER (ORDER BY m._dh_seq) AS _dh_seq'].join(', ')} FROM ${sqlIdent(main.name)} AS m\n` +
    `UNION ALL\n` +
    `SELECT ${[...side(added.schema, 's'), `${opts.numbered ? 's._dh_seq' : 'row_number() OVER (ORDER BY s._dh_seq)'} + (SELECT count(*) FROM ${sqlIdent(main.name)}) AS _dh_seq`].join(', ')} FROM ${sqlIdent(added.name)} AS s WHERE ${opts.filter ?? 'true'}`;
  return b.add(cmd, sql, Schema.of([...fields.values()], false));
}
