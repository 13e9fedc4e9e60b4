// `inputlookup [append=t] [start=N] [max=N] <table> [WHERE <search>]`: the rows of a lookup table, in file
// order, every field text. A table that does not exist gives no rows and a warning, as in Splunk (whose
// inputlookup reports a missing lookup as a warning unless strict=true).

import type * as A from '../../ast/ast.ts';
import { LookupProblem, lookupTableSql, resolveLookup } from '../../knowledge/lookups.ts';
import { sqlIdent } from '../../sql/quote.ts';
import type { CommandHandler } from '../pipeline.ts';
import { fieldOf, Schema } from '../schema.ts';
import { compileSearch } from '../search.ts';
import { appendRows } from './append.ts';
import { lookupTable, optionBoolean } from './lookup.ts';

export const inputlookup: CommandHandler<A.InputlookupCommand> = {
  generating: true,
  compile(cmd, input, b) {
    let append = false;
    let start = 0;
    let max: number | undefined;
    for (const o of cmd.options) {
      const name = o.name.toLowerCase();
      const count = () => {
        if (!/^\d+$/.test(o.value)) throw b.ctx.error('compile_error', `${o.name} must be a whole number, not '${o.value}'`, o.valueSpan);
        return Number(o.value);
      };
      if (name === 'append') append = optionBoolean(b, o);
      else if (name === 'start') start = count();
      else if (name === 'max') max = count();
      else if (name === 'strict') optionBoolean(b, o);
      else throw b.ctx.unsupported(`inputlookup option '${o.name}'`, o.span, 'duckhunt runs inputlookup with append=, start=, max= and strict=');
    }
    if (input && !append) {
      throw b.ctx.error('compile_error', 'inputlookup starts a search unless append=true: put it first (| inputlookup …)', cmd.nameSpan);
    }
    let rows;
    if (!exists(b, cmd)) {
      b.ctx.warn(`the lookup table ${cmd.table} does not exist in the loaded knowledge bundles: inputlookup returns no rows, as in Splunk`, cmd.tableSpan);
      rows = b.add(cmd, 'SELECT 0::BIGINT AS _dh_seq WHERE false', Schema.of([], false));
    } else {
      const { def, columns } = lookupTable(b.ctx, cmd.table, cmd.tableSpan);
      const schema = Schema.of(columns.map((c) => fieldOf(c, b.ctx.columns.columnFor(c), 'str')), false);
      const conds = [`_dh_row > ${start}`, ...(max !== undefined ? [`_dh_row <= ${start + max}`] : [])];
      if (cmd.where) conds.push(compileSearch(cmd.where, { ctx: b.ctx, schema }));
      const cols = columns.map((c) => `${sqlIdent(c)} AS ${sqlIdent(schema.get(c)!.column)}`);
      rows = b.add(cmd, `SELECT ${[...cols, '_dh_row AS _dh_seq'].join(', ')}\nFROM ${lookupTableSql(def.file, columns)}\nWHERE ${conds.join(' AND ')}`, schema);
    }
    return input ? appendRows(b, cmd, input, rows) : rows;
  },
};

/** Whether the table exists (a definition whose file is missing, or a KV store, is still an error). */
function exists(b: Parameters<CommandHandler<A.InputlookupCommand>['compile']>[2], cmd: A.InputlookupCommand): boolean {
  try {
    resolveLookup(b.ctx.options.knowledge, cmd.table);
    return true;
  } catch (e) {
    if (e instanceof LookupProblem && e.kind === 'compile_error') return false;
    return true; // lookupTable reports it, positioned
  }
}
