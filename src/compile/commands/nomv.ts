// `nomv field`: a multivalue field becomes one value, its values joined by line breaks — or by the delim of an
// `mvcombine delim=… field` right before it, which Splunk documents as the way to see that delimiter.

import type * as A from '../../ast/ast.ts';
import { sqlIdent, sqlString } from '../../sql/quote.ts';
import type { CommandHandler } from '../pipeline.ts';
import { fieldOf } from '../schema.ts';
import { soleField } from './arguments.ts';
import { optionMap } from '../options.ts';

export const nomv: CommandHandler<A.NomvCommand> = {
  compile(cmd, input, b) {
    const ref = soleField(cmd, b, 'nomv senders');
    optionMap(cmd, [], b.ctx);
    const f = input!.schema.get(ref.name);
    if (!f || f.type !== 'mv') return input!;
    const before = b.previousCommand();
    const combined = before?.command === 'mvcombine' && before.fields[0]?.name === f.name ? before.options.find((o) => o.name.toLowerCase() === 'delim') : undefined;
    const sep = combined ? sqlString(combined.value) : 'chr(10)';
    const col = sqlIdent(f.column);
    return b.add(cmd, `SELECT * REPLACE (array_to_string(${col}, ${sep}) AS ${col})\nFROM ${sqlIdent(input!.name)}`, input!.schema.with(fieldOf(f.name, f.column, 'str')));
  },
};
