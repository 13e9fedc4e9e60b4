// `replace old WITH new [, …] IN field [, …]`: values of the fields equal to `old` become `new`. `*` in `old`
// matches any run of characters, and the `*`s of `new` are what they matched (the two must have as many, or `new`
// none). A value matching several pairs takes, as the reference says, the later of exact pairs, and the fuller
// of wildcard pairs (exact pairs first, then wildcard pairs with more literal characters, later first among
// equals); matching is case-sensitive and each value of a multivalue field is replaced (decision X115). Without
// IN Splunk replaces in every field the search did not compute, which duckhunt cannot tell apart: unsupported.

import type * as A from '../../ast/ast.ts';
import { sqlIdent, sqlString } from '../../sql/quote.ts';
import { convert } from '../expr.ts';
import type { CommandHandler } from '../pipeline.ts';
import { fieldOf } from '../schema.ts';
import { isWildcard, rejectWildcard } from '../wildcard.ts';

export const replace: CommandHandler<A.ReplaceCommand> = {
  compile(cmd, input, b) {
    if (cmd.fields.length === 0) throw b.ctx.unsupported('replace without IN', cmd.nameSpan, 'name the fields: replace "a" WITH "b" IN field');
    cmd.fields.forEach((f) => rejectWildcard(f.name, 'replace', b.ctx, f.span));
    const exact = cmd.pairs.filter((p) => !isWildcard(p.from.text)).reverse();
    const literalLength = (p: (typeof cmd.pairs)[number]) => p.from.text.replace(/\*/g, '').length;
    const wild = cmd.pairs
      .map((p, i) => ({ p, i }))
      .filter(({ p }) => isWildcard(p.from.text))
      .sort((x, y) => literalLength(y.p) - literalLength(x.p) || y.i - x.i)
      .map(({ p }) => p);
    const whens = (v: string) => [
      ...exact.map((p) => `WHEN ${v} = ${sqlString(p.from.text)} THEN ${sqlString(p.to.text)}`),
      ...wild.map((p) => {
        const stars = p.from.text.split('*').length - 1;
        const toStars = p.to.text.split('*').length - 1;
        if (toStars !== 0 && toStars !== stars) {
          throw b.ctx.error('compile_error', `'${p.to.text}' must have as many wildcards as '${p.from.text}', or none`, p.to.span);
        }
        const re = `^${p.from.text.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('(.*)')}$`;
        let n = 0;
        const to = p.to.text.replace(/\\/g, '\\\\').replace(/\*/g, () => `\\${++n}`);
        return `WHEN regexp_full_match(${v}, ${sqlString(re)}) THEN regexp_replace(${v}, ${sqlString(re)}, ${sqlString(to)})`;
      }),
    ];
    let schema = input!.schema;
    const replaced: string[] = [];
    for (const ref of cmd.fields) {
      const f = schema.get(ref.name);
      if (!f) continue;
      const col = sqlIdent(f.column);
      const one = (v: string) => `CASE ${whens(v).join(' ')} ELSE ${v} END`;
      replaced.push(`${f.type === 'mv' ? `list_transform(${col}, lambda dh_v: ${one('dh_v')})` : one(convert.str({ sql: col, type: f.type }))} AS ${col}`);
      schema = schema.with(fieldOf(f.name, f.column, f.type === 'mv' ? 'mv' : 'str'));
    }
    if (replaced.length === 0) return input!;
    return b.add(cmd, `SELECT * REPLACE (${replaced.join(', ')})\nFROM ${sqlIdent(input!.name)}`, schema);
  },
};
