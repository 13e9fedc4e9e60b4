// `rex [field=f] "(?<name>…)" [max_match=N]`: named groups become fields (from _raw by default). With
// max_match other than 1, every match is taken and the fields are multivalue. A row that does not match keeps
// its previous values. `mode=sed` replaces in place with s/regex/replacement/[g].

import type * as A from '../../ast/ast.ts';
import { sqlIdent, sqlString } from '../../sql/quote.ts';
import { convert } from '../expr.ts';
import type { Span } from '../../errors.ts';
import type { CompileContext } from '../context.ts';
import type { CommandHandler, Relation } from '../pipeline.ts';
import { captureGroups, checkRegex, rewriteString } from '../regex.ts';
import { fieldOf, type Schema } from '../schema.ts';

export const rex: CommandHandler<A.RexCommand> = {
  compile(cmd, input, b) {
    let fieldName = '_raw';
    let maxMatch = 1;
    let sed = false;
    for (const o of cmd.options) {
      const n = o.name.toLowerCase();
      if (n === 'field') fieldName = o.value;
      else if (n === 'max_match' && /^\d+$/.test(o.value)) maxMatch = Number(o.value);
      else if (n === 'mode' && o.value.toLowerCase() === 'sed') sed = true;
      else throw b.ctx.unsupported(`rex option '${o.name}=${o.value}'`, o.span);
    }
    let schema: Schema = input!.schema;
    const source = schema.get(fieldName);
    const text = source ? convert.str({ sql: sqlIdent(source.column), type: source.type }) : 'NULL::VARCHAR';
    if (sed) {
      const m = /^s\/((?:\\.|[^/])*)\/((?:\\.|[^/])*)\/(g?)$/.exec(cmd.regex);
      if (!m) throw b.ctx.error('compile_error', 'rex mode=sed expects s/regex/replacement/ or s/regex/replacement/g', cmd.regexSpan);
      if (!source) return input!;
      b.ctx.regexSite('rex', cmd.regexSpan, true);
      const re = checkRegex(m[1], cmd.regexSpan, b.ctx);
      // In sed's replacement \/ is a slash; the rest is a replacement like replace()'s.
      const replacement = rewriteString(m[2].replace(/\\\//g, '/'), captureGroups(m[1]).length, cmd.regexSpan, b.ctx);
      const sql = `regexp_replace(${text}, ${sqlString(re)}, ${sqlString(replacement)}${m[3] ? ", 'g'" : ''})`;
      schema = schema.with(fieldOf(source.name, source.column, 'str'));
      return b.add(cmd, `SELECT * REPLACE (${sql} AS ${sqlIdent(source.column)})\nFROM ${sqlIdent(input!.name)}`, schema);
    }
    b.ctx.regexSite('rex', cmd.regexSpan, true);
    const out = extractGroups(input!, fieldName, cmd.regex, cmd.regexSpan, maxMatch, b.ctx);
    return b.add(cmd, out.sql, out.schema);
  },
};

/**
 * The named groups of `regex` matched against `fieldName` as fields of `input`'s rows: with maxMatch 1 the first
 * match, else up to maxMatch matches (0: all) as multivalue fields. A row that does not match keeps its values.
 */
export function extractGroups(input: Relation, fieldName: string, regex: string, regexSpan: Span, maxMatch: number, ctx: CompileContext): { sql: string; schema: Schema } {
  let schema = input.schema;
  const source = schema.get(fieldName);
  const text = source ? convert.str({ sql: sqlIdent(source.column), type: source.type }) : 'NULL::VARCHAR';
  const re = checkRegex(regex, regexSpan, ctx);
  // DuckDB extracts capture groups by number, so each name is looked up among all groups (named or not).
  const groups = captureGroups(regex);
  const names = [...new Set(groups.filter((g): g is string => g !== undefined))];
  const groupOf = (name: string) => groups.indexOf(name) + 1;
  if (names.length === 0) throw ctx.error('compile_error', 'rex needs at least one named group, e.g. "(?<user>\\w+)"', regexSpan);
  const replaced: string[] = [];
  const added: string[] = [];
  for (const name of names) {
    const existing = schema.get(name);
    const column = existing?.column ?? ctx.columns.columnFor(name);
    const prev = existing ? convert.list({ sql: sqlIdent(existing.column), type: existing.type }) : 'NULL::VARCHAR[]';
    let sql: string;
    if (maxMatch === 1) {
      const prevStr = existing ? convert.str({ sql: sqlIdent(existing.column), type: existing.type }) : 'NULL::VARCHAR';
      sql = `CASE WHEN regexp_matches(${text}, ${sqlString(re)}) THEN regexp_extract(${text}, ${sqlString(re)}, ${groupOf(name)}) ELSE ${prevStr} END`;
      schema = schema.with(fieldOf(name, column, 'str'));
    } else {
      const all = `regexp_extract_all(${text}, ${sqlString(re)}, ${groupOf(name)})`;
      const limited = maxMatch > 0 ? `${all}[1:${maxMatch}]` : all;
      sql = `CASE WHEN regexp_matches(${text}, ${sqlString(re)}) THEN dh_mv(${limited}) ELSE ${prev} END`;
      schema = schema.with(fieldOf(name, column, 'mv'));
    }
    (existing ? replaced : added).push(`${sql} AS ${sqlIdent(column)}`);
  }
  const star = replaced.length ? `* REPLACE (${replaced.join(', ')})` : '*';
  return { sql: `SELECT ${[star, ...added].join(',\n       ')}\nFROM ${sqlIdent(input.name)}`, schema };
}
