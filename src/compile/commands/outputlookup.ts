// `outputlookup [append=t] [create_empty=b] [override_if_empty=b] [max=N] <file.csv | table>`: writes the
// results to a CSV lookup file and passes them on unchanged. Files are written only into the lookup directory
// (--lookup-dir, or lookupDir in the config), under their own name (never a path), through a temporary file
// renamed into place, so a reader never sees half a table. Every field is written as text (a multivalue field
// as its values joined by line breaks, Splunk's separated-value format).

import { basename, join } from 'node:path';
import type * as A from '../../ast/ast.ts';
import { sqlIdent } from '../../sql/quote.ts';
import { convert } from '../expr.ts';
import type { CommandHandler, LookupWrite } from '../pipeline.ts';
import { userFields } from '../pipeline.ts';
import { optionBoolean } from './lookup.ts';

const LOOKUP_FILE = /^[^/\\]+\.csv(\.gz)?$/i;

export const outputlookup: CommandHandler<A.OutputlookupCommand> = {
  compile(cmd, input, b) {
    const write: Omit<LookupWrite, 'file' | 'select' | 'name'> = { append: false, createEmpty: true, overrideIfEmpty: true, max: undefined };
    for (const o of cmd.options) {
      const name = o.name.toLowerCase();
      if (name === 'append') write.append = optionBoolean(b, o);
      else if (name === 'create_empty') write.createEmpty = optionBoolean(b, o);
      else if (name === 'override_if_empty') write.overrideIfEmpty = optionBoolean(b, o);
      else if (name === 'createinapp') optionBoolean(b, o);
      else if (name === 'max') {
        if (!/^\d+$/.test(o.value)) throw b.ctx.error('compile_error', `max must be a whole number, not '${o.value}'`, o.valueSpan);
        write.max = Number(o.value);
      } else if (name === 'output_format' && o.value.toLowerCase() === 'splunk_sv_csv') continue;
      else throw b.ctx.unsupported(`outputlookup option '${o.name}'`, o.span, 'duckhunt writes CSV lookups with append=, create_empty=, override_if_empty= and max=');
    }
    const k = b.ctx.options.knowledge;
    // A lookup definition writes to its file; otherwise the name must be a file name ending in .csv (or .csv.gz).
    const defined = k.transforms.get(cmd.table)?.settings.get('filename')?.value.trim();
    const fileName = defined ? basename(defined) : cmd.table;
    if (!LOOKUP_FILE.test(fileName) || fileName.startsWith('.')) {
      throw b.ctx.error(
        'compile_error',
        defined ? `the lookup ${cmd.table} names the file '${fileName}', which is not a .csv file name` : `outputlookup writes a lookup file: '${cmd.table}' is neither a lookup definition nor a file name ending in .csv`,
        cmd.tableSpan,
        'e.g. outputlookup baseline.csv',
      );
    }
    const select = userFields(input!.schema).map((f) => {
      const text = f.type === 'mv' ? `array_to_string(${sqlIdent(f.column)}, chr(10))` : convert.str({ sql: sqlIdent(f.column), type: f.type });
      return `${text} AS ${sqlIdent(f.name)}`;
    });
    const file = k.lookupDir ? join(k.lookupDir, fileName) : undefined;
    return b.materialize(cmd, input!, { write: { ...write, file, name: cmd.table, select: select.join(', ') || '1 AS "(no fields)"' } });
  },
};
