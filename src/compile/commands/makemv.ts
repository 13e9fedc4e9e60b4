// `makemv [delim=s | tokenizer=re] [allowempty=b] [setsv=b] field`: splits a field's value into a multivalue, on
// every occurrence of the delimiter (a single space by default; several characters allowed), or into the first
// capture group of each match of the tokenizer. Empty values are dropped unless allowempty=true. Internal fields
// (`_raw`, `_time`…) are left alone, as Splunk documents; so is a field the row does not have. Each value of a
// field that is already multivalue is split (decision X106).

import type * as A from '../../ast/ast.ts';
import { sqlIdent, sqlString } from '../../sql/quote.ts';
import { convert } from '../expr.ts';
import type { CommandHandler } from '../pipeline.ts';
import { captureGroups, checkRegex } from '../regex.ts';
import { fieldOf } from '../schema.ts';
import { soleField } from './arguments.ts';
import { optionBoolean } from './lookup.ts';
import { optionMap } from '../options.ts';

export const makemv: CommandHandler<A.MakemvCommand> = {
  compile(cmd, input, b) {
    const ref = soleField(cmd, b, 'makemv delim="," recipients');
    const opts = optionMap(cmd, ['delim', 'tokenizer', 'allowempty', 'setsv'], b.ctx);
    const delim = opts.get('delim');
    const tokenizer = opts.get('tokenizer');
    if (delim && tokenizer) throw b.ctx.error('compile_error', 'makemv takes delim= or tokenizer=, not both', tokenizer.span);
    const allowEmpty = opts.has('allowempty') && optionBoolean(b, opts.get('allowempty')!);
    // setsv=true also sets Splunk's single-value rendering of the field (its values joined); a duckhunt field
    // has one representation, the multivalue, so the option changes nothing here (decision X106).
    if (opts.has('setsv')) optionBoolean(b, opts.get('setsv')!);
    const f = input!.schema.get(ref.name);
    if (!f || ref.name.startsWith('_')) return input!;
    let split: (s: string) => string;
    if (tokenizer) {
      if (captureGroups(tokenizer.value).length === 0) {
        throw b.ctx.error('compile_error', 'the tokenizer needs a capture group: its first group of each match is a value', tokenizer.valueSpan, 'e.g. tokenizer="([^,]+),?"');
      }
      const re = sqlString(checkRegex(tokenizer.value, tokenizer.valueSpan, b.ctx));
      split = (s) => `regexp_extract_all(${s}, ${re}, 1)`;
    } else {
      if (delim?.value === '') throw b.ctx.error('compile_error', 'makemv delim= cannot be empty', delim.valueSpan);
      split = (s) => `string_split(${s}, ${sqlString(delim?.value ?? ' ')})`;
    }
    const col = sqlIdent(f.column);
    const pieces = f.type === 'mv' ? `flatten(list_transform(${col}, lambda dh_s: ${split('dh_s')}))` : split(convert.str({ sql: col, type: f.type }));
    const values = allowEmpty ? pieces : `list_filter(${pieces}, lambda dh_v: dh_v <> '')`;
    return b.add(cmd, `SELECT * REPLACE (dh_mv(${values}) AS ${col})\nFROM ${sqlIdent(input!.name)}`, input!.schema.with(fieldOf(f.name, f.column, 'mv')));
  },
};
