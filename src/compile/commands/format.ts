// `format` and `return`: the rows as one search string, in a single result's `search` field — what a subsearch
// puts in its place in the outer search (subsearch-filter.ts parses it there).
//
// format: `( ( a="1" AND b="x" ) OR ( a="2" AND b="y" ) )`: the row prefix, a group per row joined by the row
// separator, the row end; in a group the row's fields in name order (internal `_` fields left out) joined by the
// column separator; a multivalue field is `( f="1" OR f="2" )` with mvsep between the values; a `search` field's
// value goes in as it is, a `query` field's as a quoted term. A row without any of those fields adds nothing; no
// group at all gives emptystr (`NOT( )`). maxresults=N formats the first N rows.
//
// return: the first `count` rows (default 1), each `field="value"`, `alias="value"` or (`$field`) the value
// itself, separated by spaces; several rows are `(…) OR (…)`.

import type * as A from '../../ast/ast.ts';
import { sqlIdent, sqlString } from '../../sql/quote.ts';
import { optionCount, optionMap } from '../options.ts';
import type { CommandHandler, PipelineBuilder, Relation } from '../pipeline.ts';
import { fieldOf, Schema } from '../schema.ts';
import { matchingFields } from '../wildcard.ts';
import type { Field } from '../types.ts';

/** A value quoted as a search value: backslashes and double quotes escaped. */
const quoted = (v: string) => `('"' || replace(replace(${v}, '\\', '\\\\'), '"', '\\"') || '"')`;

/** A field's values as a list of strings (a number as Splunk prints it), null when it has none. */
function valueList(f: Field): string {
  const col = sqlIdent(f.column);
  if (f.type === 'mv') return `dh_mv(list_filter(${col}, lambda dh_v: dh_v IS NOT NULL))`;
  return `CASE WHEN ${col} IS NOT NULL THEN [${f.type === 'num' ? `dh_str(${col})` : col}] END`;
}

/** How a field's values are written as search text: `name="value"`, or (search, $field) the value itself. */
function term(f: Field, as: 'field' | 'value' | 'query', name: string, mvsep: string): string {
  const one = (v: string) => (as === 'value' ? v : as === 'query' ? quoted(v) : `(${sqlString(`${name}=`)} || ${quoted(v)})`);
  const values = valueList(f);
  // One value stands alone; several are ORed in parentheses.
  return `CASE WHEN len(${values}) = 1 THEN ${one(`${values}[1]`)} WHEN len(${values}) > 1 THEN '( ' || array_to_string(list_transform(${values}, lambda dh_x: ${one('dh_x')}), ${sqlString(` ${mvsep} `)}) || ' )' END`;
}

/** `_dh_seq`-ordered rows of the input reduced to one `search` field holding `text` (an aggregate of `row`). */
function searchResult(cmd: A.Command, input: Relation, b: PipelineBuilder, row: string, limit: number | undefined, text: (agg: string, rows: string) => string): Relation {
  const column = b.ctx.columns.columnFor('search');
  const rows = `SELECT ${row} AS dh_row, _dh_seq FROM ${sqlIdent(input.name)} ORDER BY _dh_seq${limit !== undefined ? ` LIMIT ${limit}` : ''}`;
  const sql =
    `SELECT ${text('dh_rows', 'dh_n')} AS ${sqlIdent(column)}, 1 AS _dh_seq\n` +
    `FROM (SELECT list(dh_row ORDER BY _dh_seq) FILTER (WHERE dh_row IS NOT NULL AND dh_row <> '') AS dh_rows, count(dh_row) FILTER (WHERE dh_row <> '') AS dh_n FROM (${rows}))`;
  return b.add(cmd, sql, Schema.of([fieldOf('search', column, 'str')], false));
}

/** Every field of the rows but internal ones (over raw events, those field discovery found), in name order. */
const everyField = (input: Relation): Field[] => matchingFields(input.schema.list(), '*');

export const format: CommandHandler<A.FormatCommand> = {
  compile(cmd, input, b) {
    const opts = optionMap(cmd, ['mvsep', 'maxresults', 'emptystr'], b.ctx);
    const mvsep = opts.get('mvsep')?.value ?? 'OR';
    const emptystr = opts.get('emptystr')?.value ?? 'NOT( )';
    const max = opts.get('maxresults');
    const maxresults = max ? optionCount(max, b.ctx) : 0;
    const [rowPrefix, colPrefix, colSep, colEnd, rowSep, rowEnd] = cmd.strings.length === 6 ? cmd.strings.map((s) => s.text) : ['(', '(', 'AND', ')', 'OR', ')'];
    const fields = everyField(input!);
    const pieces = fields.map((f) => term(f, f.name === 'search' ? 'value' : f.name === 'query' ? 'query' : 'field', f.name, mvsep));
    const row = pieces.length === 0 ? 'NULL::VARCHAR' : `${sqlString(`${colPrefix} `)} || nullif(concat_ws(${sqlString(` ${colSep} `)}, ${pieces.join(', ')}), '') || ${sqlString(` ${colEnd}`)}`;
    return searchResult(cmd, input!, b, row, maxresults > 0 ? maxresults : undefined, (rows, n) =>
      `CASE WHEN ${n} = 0 THEN ${sqlString(emptystr)} ELSE ${sqlString(`${rowPrefix} `)} || array_to_string(${rows}, ${sqlString(` ${rowSep} `)}) || ${sqlString(` ${rowEnd}`)} END`,
    );
  },
};

export const returnCommand: CommandHandler<A.ReturnCommand> = {
  compile(cmd, input, b) {
    if (cmd.items.length === 0) throw b.ctx.error('compile_error', 'return needs a field, e.g. return user, return ip=src_ip or return $user', cmd.nameSpan);
    const schema = input!.schema;
    const pieces = cmd.items.flatMap((item) => {
      const f = schema.get(item.field.name);
      if (!f) return [];
      return [term(f, item.kind === 'value' ? 'value' : 'field', item.alias ?? f.name, 'OR')];
    });
    const row = pieces.length === 0 ? 'NULL::VARCHAR' : `concat_ws(' ', ${pieces.join(', ')})`;
    // One row is the terms themselves; several are each parenthesised and ORed. No row matches nothing, as format's.
    return searchResult(cmd, input!, b, row, cmd.count ?? 1, (rows, n) =>
      `CASE WHEN ${n} = 0 THEN 'NOT( )' WHEN ${n} = 1 THEN ${rows}[1] ELSE '(' || array_to_string(${rows}, ') OR (') || ')' END`,
    );
  },
};
