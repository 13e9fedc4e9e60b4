// `fromjson field [prefix=p]`: the top-level keys of the JSON object in the field become fields (named
// prefix + key), replacing fields of the same name in rows whose object has the key. An array becomes a
// multivalue, an object its JSON text, JSON null no value (decision X109). Which keys exist is only known
// from the data, so the fields taken are those the rest of the query reads (as with the events' own JSON).

import type * as A from '../../ast/ast.ts';
import { sqlIdent } from '../../sql/quote.ts';
import { coerce, convert, unify } from '../expr.ts';
import { jsonTopLevelValue } from '../json.ts';
import type { CommandHandler, PipelineBuilder, Relation } from '../pipeline.ts';
import { fieldOf } from '../schema.ts';
import type { TypedSql } from '../types.ts';
import { soleField } from './arguments.ts';
import { optionMap } from '../options.ts';

export const fromjson: CommandHandler<A.FromjsonCommand> = {
  compile(cmd, input, b) {
    const ref = soleField(cmd, b, 'fromjson Data');
    const prefix = optionMap(cmd, ['prefix'], b.ctx).get('prefix')?.value ?? '';
    const source = input!.schema.get(ref.name);
    if (!source) return input!;
    const text = convert.str({ sql: sqlIdent(source.column), type: source.type });
    return jsonExtraction(cmd, input!, b, (name) => {
      if (!name.startsWith(prefix) || name === prefix || name === '_time' || name === '_raw') return undefined;
      return { sql: jsonTopLevelValue(text, name.slice(prefix.length)), type: 'mv' };
    }, `fromjson ${ref.name}`);
  },
};

/**
 * Sets the fields the rest of the query reads (`valueOf` gives each one's value out of the JSON, or undefined
 * when the JSON cannot hold it), keeping a field's previous value in rows where the JSON has none.
 */
export function jsonExtraction(cmd: A.Command, input: Relation, b: PipelineBuilder, valueOf: (name: string) => TypedSql | undefined, what: string): Relation {
  const later = b.laterReads();
  if (later.unnamed) {
    throw b.ctx.unsupported(
      `${what} before a command that reads fields it does not name (a wildcard, fields -, fillnull without fields)`,
      cmd.nameSpan,
      "duckhunt takes from the JSON the fields the query names: name them, e.g. '| table user src'",
    );
  }
  let schema = input.schema;
  const replaced: string[] = [];
  const added: string[] = [];
  for (const name of [...later.names].sort()) {
    const value = valueOf(name);
    if (!value) continue;
    const existing = schema.get(name);
    if (existing) {
      const type = unify([existing.type, value.type]);
      replaced.push(`coalesce(${coerce(value, type)}, ${coerce({ sql: sqlIdent(existing.column), type: existing.type }, type)}) AS ${sqlIdent(existing.column)}`);
      schema = schema.with(fieldOf(name, existing.column, type));
    } else {
      const column = b.ctx.columns.columnFor(name);
      added.push(`${value.sql} AS ${sqlIdent(column)}`);
      schema = schema.with(fieldOf(name, column, value.type === 'mv' ? 'mv' : 'str'));
    }
  }
  if (replaced.length === 0 && added.length === 0) return input;
  const star = replaced.length ? `* REPLACE (${replaced.join(', ')})` : '*';
  return b.add(cmd, `SELECT ${[star, ...added].join(',\n       ')}\nFROM ${sqlIdent(input.name)}`, schema);
}
