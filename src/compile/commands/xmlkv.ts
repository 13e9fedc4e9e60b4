// `xmlkv [field] [maxinputs=N]`: the key-value pairs of XML text (`_raw` by default) as fields: `<key>value</key>`
// gives key=value, a key repeated in the text a multivalue (decision X141). Which keys exist is only known from the
// data, so the fields taken are those the rest of the query reads (jsonExtraction's rule, as fromjson and spath),
// replacing fields of the same name in rows whose XML has the key. Values are the text between the tags as written
// (entities not decoded, as in the XML event fields, X83); an element holding other elements is no value.

import type * as A from '../../ast/ast.ts';
import { sqlIdent, sqlString } from '../../sql/quote.ts';
import { textElementPattern } from '../../sources/xml.ts';
import { convert } from '../expr.ts';
import type { CommandHandler } from '../pipeline.ts';
import { jsonExtraction } from './fromjson.ts';
import { optionMap } from '../options.ts';

export const xmlkv: CommandHandler<A.XmlkvCommand> = {
  compile(cmd, input, b) {
    // maxinputs bounds how many results one call of the streaming command takes; every row is still processed.
    optionMap(cmd, ['maxinputs'], b.ctx);
    if (cmd.fields.length > 1) throw b.ctx.error('compile_error', 'xmlkv takes at most one field (default _raw)', cmd.fields[1].span, 'e.g. xmlkv UserData_Xml');
    const name = cmd.fields[0]?.name ?? '_raw';
    const source = input!.schema.get(name);
    if (!source) return input!;
    const text = convert.str({ sql: sqlIdent(source.column), type: source.type });
    return jsonExtraction(cmd, input!, b, (key) => {
      if (key.startsWith('_') || !/^[A-Za-z_][\w.:-]*$/.test(key)) return undefined;
      const element = sqlString(textElementPattern(key));
      return { sql: `dh_mv(list_filter(regexp_extract_all(${text}, ${element}, 1), lambda dh_v: dh_v <> ''))`, type: 'mv' };
    }, `xmlkv ${name}`);
  },
};
