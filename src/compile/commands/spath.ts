// `spath [input=f] [output=o] [path=p | p]`: the value at a JSON path of a field (`_raw` by default), named
// `output` (default: the path). Paths are Splunk's: `a.b`, `a{}.b` (every element: multivalue).
// Without a path it extracts every field of the JSON, named as Splunk names event fields (`a.b`, `c{}`,
// `c{}.d`). On `_raw` duckhunt already extracts every field a query names, so that changes nothing (X14); on
// another field the fields the rest of the query reads are taken from it, replacing fields of the same name in
// rows whose JSON has them (decision X108).

import type * as A from '../../ast/ast.ts';
import { sqlIdent } from '../../sql/quote.ts';
import { convert } from '../expr.ts';
import { jsonField } from '../json.ts';
import type { CommandHandler } from '../pipeline.ts';
import { fieldOf } from '../schema.ts';
import { jsonExtraction } from './fromjson.ts';
import { optionMap } from '../options.ts';

export const spath: CommandHandler<A.SpathCommand> = {
  compile(cmd, input, b) {
    const opts = optionMap(cmd, ['input', 'output', 'path'], b.ctx);
    const inputField = opts.get('input')?.value ?? '_raw';
    const output = opts.get('output');
    const path = opts.get('path')?.value ?? cmd.path;
    const schema = input!.schema;
    const source = schema.get(inputField);
    const text = source ? convert.str({ sql: sqlIdent(source.column), type: source.type }) : 'NULL::VARCHAR';
    if (path === undefined) {
      if (output) throw b.ctx.error('compile_error', 'spath output= needs a path: without one spath extracts every field of the JSON, under its own name', output.span);
      if (inputField === '_raw') return input!;
      return jsonExtraction(cmd, input!, b, (name) => (name === '_time' || name === '_raw' ? undefined : jsonField(text, name)), `spath input=${inputField}`);
    }
    if (/\{\d+\}/.test(path)) throw b.ctx.unsupported(`the indexed spath path '${path}'`, cmd.span, 'use {} (every element) and mvindex()');
    const target = output?.value ?? path;
    const existing = schema.get(target);
    const column = existing?.column ?? b.ctx.columns.columnFor(target);
    const value = jsonField(text, path, false);
    const select = existing ? `SELECT * REPLACE (${value.sql} AS ${sqlIdent(column)})` : `SELECT *, ${value.sql} AS ${sqlIdent(column)}`;
    return b.add(cmd, `${select}\nFROM ${sqlIdent(input!.name)}`, schema.with(fieldOf(target, column, value.type === 'mv' ? 'mv' : 'str')));
  },
};
