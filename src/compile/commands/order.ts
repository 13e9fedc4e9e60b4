// Commands that depend on or change row order: sort, head, tail, dedup.

import type * as A from '../../ast/ast.ts';
import { sqlIdent } from '../../sql/quote.ts';
import type { CommandHandler, PipelineBuilder } from '../pipeline.ts';
import type { Schema } from '../schema.ts';
import { rejectWildcard } from '../wildcard.ts';
import { sortKeySql } from './stats.ts';

/** Splunk's sort keeps 10,000 rows unless a count is given (`sort 0` keeps all). */
const SORT_DEFAULT_LIMIT = 10_000;

function orderBy(keys: A.SortKey[], schema: Schema, b: PipelineBuilder, reverse = false): string[] {
  return keys.map((k) => {
    rejectWildcard(k.field.name, 'sort', b.ctx, k.field.span);
    const f = schema.get(k.field.name);
    if (!f) return 'NULL';
    const desc = k.descending !== reverse;
    if (k.collation === 'num') return `dh_num(${f.type === 'num' ? `dh_str(${sqlIdent(f.column)})` : sqlIdent(f.column)}) ${desc ? 'DESC' : 'ASC'} NULLS LAST`;
    if (k.collation === 'str') return `${f.type === 'num' ? `dh_str(${sqlIdent(f.column)})` : sqlIdent(f.column)} ${desc ? 'DESC' : 'ASC'} NULLS LAST`;
    if (k.collation === 'ip') throw b.ctx.unsupported('sort ip()', k.span);
    // auto: numbers numerically, then strings by bytes; rows without the field last in both directions.
    return sortKeySql(f, desc);
  });
}

/** Renumbers _dh_seq in a new order and keeps the first `limit` rows (undefined: all). */
function reorder(inputName: string, order: string[], limit: number | undefined): string {
  const seq = `row_number() OVER (ORDER BY ${[...order, '_dh_seq'].join(', ')})`;
  return `SELECT * EXCLUDE (_dh_seq), ${seq} AS _dh_seq\nFROM ${sqlIdent(inputName)}${limit !== undefined ? `\nQUALIFY ${seq} <= ${limit}` : ''}`;
}

export const sort: CommandHandler<A.SortCommand> = {
  compile(cmd, input, b) {
    const limit = cmd.limit === undefined ? SORT_DEFAULT_LIMIT : cmd.limit === 0 ? undefined : cmd.limit;
    return b.add(cmd, reorder(input!.name, orderBy(cmd.keys, input!.schema, b, cmd.reverse), limit), input!.schema);
  },
};

export const head: CommandHandler<A.HeadCommand> = {
  compile(cmd, input, b) {
    let n = cmd.count ?? 10;
    for (const o of cmd.options) {
      if (o.name.toLowerCase() === 'limit' && /^\d+$/.test(o.value)) n = Number(o.value);
      else throw b.ctx.unsupported(`head option '${o.name}'`, o.span);
    }
    if (!Number.isInteger(n) || n < 0) throw b.ctx.error('compile_error', 'head takes a whole number of rows', cmd.span);
    return b.add(cmd, `SELECT * FROM ${sqlIdent(input!.name)}\nORDER BY _dh_seq\nLIMIT ${n}`, input!.schema);
  },
};

export const tail: CommandHandler<A.TailCommand> = {
  compile(cmd, input, b) {
    const n = cmd.count ?? 10;
    if (!Number.isInteger(n) || n < 0) throw b.ctx.error('compile_error', 'tail takes a whole number of rows', cmd.span);
    // tail returns the last N rows in reverse order.
    return b.add(cmd, reorder(input!.name, ['_dh_seq DESC'], n), input!.schema);
  },
};

export const dedup: CommandHandler<A.DedupCommand> = {
  compile(cmd, input, b) {
    const schema = input!.schema;
    let keepempty = false;
    for (const o of cmd.options) {
      const name = o.name.toLowerCase();
      const on = ['true', 't', '1'].includes(o.value.toLowerCase());
      if (name === 'keepempty') keepempty = on;
      else if ((name === 'consecutive' || name === 'keepevents') && !on) continue;
      else throw b.ctx.unsupported(`dedup option '${o.name}=${o.value}'`, o.span);
    }
    if (cmd.fields.length === 0) throw b.ctx.error('compile_error', 'dedup needs at least one field', cmd.nameSpan);
    const n = cmd.count ?? 1;
    const cols = cmd.fields.map((f) => {
      rejectWildcard(f.name, 'dedup', b.ctx, f.span);
      const field = schema.get(f.name);
      return field ? sqlIdent(field.column) : 'NULL';
    });
    // Rows missing any of the fields are dropped (keepempty=true keeps them all).
    const present = cols.map((c) => `${c} IS NOT NULL`).join(' AND ');
    const rank = `row_number() OVER (PARTITION BY ${cols.join(', ')} ORDER BY _dh_seq)`;
    const keep = keepempty ? `NOT (${present}) OR ${rank} <= ${n}` : `${present} AND ${rank} <= ${n}`;
    const deduped = b.add(cmd, `SELECT * FROM ${sqlIdent(input!.name)}\nQUALIFY ${keep}`, schema);
    if (cmd.sortby.length === 0) return deduped;
    return b.add(cmd, reorder(deduped.name, orderBy(cmd.sortby, schema, b), undefined), schema, 'dedup … sortby');
  },
};
