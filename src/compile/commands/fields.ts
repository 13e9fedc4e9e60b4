// `table`, `fields` and `rename`: choosing, ordering and renaming fields. Wildcards (`c*`) match field names
// (wildcard.ts: internal fields only for `_…` patterns, X25; matches in byte order, X26).

import type * as A from '../../ast/ast.ts';
import { sqlIdent } from '../../sql/quote.ts';
import { coerce, unify } from '../expr.ts';
import type { CommandHandler } from '../pipeline.ts';
import { fieldOf, Schema } from '../schema.ts';
import type { Field } from '../types.ts';
import { isWildcard, matchingFields, renamer } from '../wildcard.ts';

export const table: CommandHandler<A.TableCommand> = {
  compile(cmd, input, b) {
    const chosen: Field[] = [];
    const cols: string[] = [];
    for (const ref of cmd.fields) {
      const matches = matchingFields(input!.schema.list(), ref.name);
      if (matches.length === 0 && !isWildcard(ref.name)) {
        // A field no row has is still a column, empty. An empty _time keeps _time's numeric shape, so that a
        // later append or join does not turn the other side's times into text.
        const f = fieldOf(ref.name, b.ctx.columns.columnFor(ref.name), ref.name === '_time' ? 'num' : 'str');
        if (!chosen.some((c) => c.name === f.name)) {
          chosen.push(f);
          cols.push(`NULL::${f.type === 'num' ? 'DOUBLE' : 'VARCHAR'} AS ${sqlIdent(f.column)}`);
        }
      }
      for (const f of matches) {
        if (chosen.some((c) => c.name === f.name)) continue;
        chosen.push(f);
        cols.push(sqlIdent(f.column));
      }
    }
    return b.add(cmd, `SELECT ${[...cols, '_dh_seq'].join(', ')}\nFROM ${sqlIdent(input!.name)}`, Schema.of(chosen, false));
  },
};

export const fields: CommandHandler<A.FieldsCommand> = {
  compile(cmd, input, b) {
    const schema = input!.schema;
    // Each field once, at the place of the first name or pattern that selects it.
    const named = new Map<string, Field>();
    for (const r of cmd.fields) for (const f of matchingFields(schema.list(), r.name)) if (!named.has(f.name)) named.set(f.name, f);
    let kept: Field[];
    if (cmd.mode === '-') {
      // All the other fields of the rows: not the names the query gave that no event has.
      kept = schema.list().filter((f) => !named.has(f.name) && !f.absent);
    } else {
      // `fields a b` keeps the internal _time and _raw too; the rows are still events, shown as Splunk lists them:
      // _time first, then the fields in the order named (each at its first name or pattern), _raw last (X30).
      const internal = (name: string) => (schema.get(name) ? [schema.get(name)!] : []);
      kept = [...internal('_time'), ...[...named.values()].filter((f) => f.name !== '_time' && f.name !== '_raw'), ...internal('_raw')];
    }
    return b.add(cmd, `SELECT ${[...kept.map((f) => sqlIdent(f.column)), '_dh_seq'].join(', ')}\nFROM ${sqlIdent(input!.name)}`, Schema.of(kept, false));
  },
};

export const rename: CommandHandler<A.RenameCommand> = {
  compile(cmd, input, b) {
    let schema = input!.schema;
    let from = sqlIdent(input!.name);
    for (const r of cmd.renames) {
      const pairs: Array<[Field, string]> = [];
      if (isWildcard(r.from.name) || isWildcard(r.to.name)) {
        const target = renamer(r.from.name, r.to.name, b.ctx, r.span);
        for (const f of matchingFields(schema.list(), r.from.name)) pairs.push([f, target(f.name)!]);
      } else {
        const f = schema.get(r.from.name);
        if (f) pairs.push([f, r.to.name]);
      }
      if (pairs.length === 0) continue; // renaming a field that does not exist does nothing
      const excluded = new Set<string>();
      const cols: string[] = [];
      for (const [f, to] of pairs) {
        if (f.name === to) continue;
        excluded.add(f.column);
        const target = schema.get(to);
        const column = b.ctx.columns.columnFor(to);
        if (target) {
          // The renamed field replaces an existing one, in the rows that have it: a row without the old field
          // keeps its value of the new one (renaming a field a row lacks does nothing to that row).
          excluded.add(target.column);
          const type = unify([f.type, target.type]);
          const value = `coalesce(${coerce({ sql: sqlIdent(f.column), type: f.type }, type)}, ${coerce({ sql: sqlIdent(target.column), type: target.type }, type)})`;
          cols.push(`${value} AS ${sqlIdent(column)}`);
          schema = schema.without(f.name).without(to).with(fieldOf(to, column, type));
          continue;
        }
        cols.push(`${sqlIdent(f.column)} AS ${sqlIdent(column)}`);
        schema = schema.without(f.name).without(to).with(fieldOf(to, column, f.type));
      }
      if (cols.length === 0) continue;
      from = `(SELECT * EXCLUDE (${[...excluded].map(sqlIdent).join(', ')}), ${cols.join(', ')} FROM ${from})`;
    }
    return b.add(cmd, `SELECT * FROM ${from}`, schema);
  },
};
