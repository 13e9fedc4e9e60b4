// Subsearches used as search filters (`… [search … | fields user]`, in the initial search and in `| search`).
// Splunk runs the subsearch first and puts its results in its place as search terms, as its `format` command
// writes them: `( ( user="a" ) OR ( user="b" ) )` — a group per row, ORed; in a row its fields in name order,
// ANDed, each `field="value"`; the values of a multivalue field ORed; internal fields (`_time`…) left out; a
// field named `search` is search text (its first value), one named `query` a quoted term (its first value). No
// row at all is `NOT ()`, which matches nothing. Here the terms are built as the search AST they parse to (a
// quoted value matches as any search value does: case-insensitively, `*` a wildcard), and a `search` field's text
// is parsed. A subsearch that ends with raw events stands for every field of them, which field discovery lists.
// The subsearch's rows are capped at [subsearch] maxout (10,000: the rest are dropped and the cap is reported)
// and its run at maxtime (60 s: an error, where Splunk would use the rows found so far).

import { parseSearchExpression, SyntaxProblem } from '../../grammar/index.ts';
import type * as A from '../ast/ast.ts';
import { respan, searchSubsearches } from '../ast/walk.ts';
import type { Span } from '../errors.ts';
import { sqlIdent } from '../sql/quote.ts';
import type { CompileContext } from './context.ts';
import type { PipelineBuilder } from './pipeline.ts';
import type { Field } from './types.ts';
import { matchingFields } from './wildcard.ts';

/** Does the search expression hold a subsearch? */
const hasSubsearch = (e: A.SearchExpr | undefined): boolean => e !== undefined && searchSubsearches(e).length > 0;

/** The pipeline with every subsearch filter of its search commands replaced by the terms its rows stand for. */
export function withSubsearchFilters(p: A.Pipeline, b: PipelineBuilder): A.Pipeline {
  if (!p.commands.some((c) => c.command === 'search' && hasSubsearch(c.expr))) return p;
  const rewrite = (e: A.SearchExpr): A.SearchExpr => {
    switch (e.kind) {
      case 'and':
      case 'or':
        return { ...e, items: e.items.map(rewrite) };
      case 'not':
        return { ...e, expr: rewrite(e.expr) };
      case 'subsearch':
        return subsearchTerms(e, b);
      default:
        return e;
    }
  };
  const commands = p.commands.map((c) => (c.command === 'search' && c.expr && hasSubsearch(c.expr) ? { ...c, expr: rewrite(c.expr) } : c));
  return { ...p, commands };
}

/** `NOT ()`: what an empty subsearch becomes; it matches nothing. */
const nothing = (span: Span): A.SearchExpr => ({ kind: 'not', expr: { kind: 'term', value: { text: '*', quoted: false, span }, span }, span });

/** The subsearch's result as search terms (compiled first; its rows come from a prerun). */
function subsearchTerms(e: A.SearchSubsearch, b: PipelineBuilder): A.SearchExpr {
  // The outer search reads every field of the subsearch's rows: raw events' fields come from field discovery.
  const nested = b.nested(true);
  const last = nested.compile(e.pipeline);
  if (nested.discovering) return nothing(e.span); // this compile only serves the discovery
  const fields = matchingFields(last.schema.list(), '*');
  if (fields.length === 0) {
    b.ctx.warn('this subsearch returns no fields other than internal ones (_time, _raw…), so as a filter it matches nothing', e.span);
    return nothing(e.span);
  }
  const { filterMaxOut: cap, filterMaxTime: maxtime } = b.ctx.options;
  const result = b.prerun(
    { key: `filter:${e.span.start}-${e.span.end}`, label: b.labelOf(e), span: e.span, maxRows: cap, maxSeconds: maxtime > 0 ? maxtime : undefined, timeSetting: '--subsearch-filter-maxtime' },
    () => `${nested.withClause()}\nSELECT ${fields.map(textColumn).join(', ')}\nFROM ${sqlIdent(last.name)}\nORDER BY _dh_seq\nLIMIT ${cap + 1}`,
  );
  if (!result) return nothing(e.span);
  if (result.truncated) {
    b.ctx.warn(`this subsearch returned more than ${cap.toLocaleString('en-US')} rows; only the first ${cap.toLocaleString('en-US')} are used, as Splunk does (raise the cap with --subsearch-filter-maxout)`, e.span);
  }
  return rowsAsSearch(fields, result.rows.slice(0, cap), e.span, b.ctx);
}

/** A field's values as text: a string, a list of strings (multivalue), or null. */
function textColumn(f: Field): string {
  const col = sqlIdent(f.column);
  return f.type === 'num' ? `dh_str(${col})` : col;
}

const valuesOf = (v: unknown): string[] => (v === null || v === undefined ? [] : Array.isArray(v) ? v.filter((x) => x !== null).map(String) : [String(v)]);

/** Rows as the search they format to (see the header): a group per row, ORed. */
export function rowsAsSearch(fields: Field[], rows: unknown[][], span: Span, ctx: CompileContext): A.SearchExpr {
  const value = (text: string): A.SearchValue => ({ text, quoted: true, span });
  const compare = (name: string, text: string): A.SearchExpr => ({ kind: 'compare', field: { name, span }, op: '=', value: value(text), span });
  const order = fields.map((f, i) => ({ f, i })).sort((a, b) => Buffer.compare(Buffer.from(a.f.name), Buffer.from(b.f.name)));
  // One ordinary field: every value of every row ORed, i.e. `field IN (…)` (compiled as one list).
  if (order.length === 1 && !['search', 'query'].includes(order[0].f.name)) {
    const values = rows.flatMap((r) => valuesOf(r[order[0].i]));
    if (values.length === 0) return nothing(span);
    return { kind: 'in', field: { name: order[0].f.name, span }, values: [...new Set(values)].map(value), span };
  }
  const groups: A.SearchExpr[] = [];
  for (const row of rows) {
    const terms: A.SearchExpr[] = [];
    for (const { f, i } of order) {
      const values = valuesOf(row[i]);
      if (values.length === 0) continue;
      if (f.name === 'search') terms.push(searchText(values[0], span, ctx));
      else if (f.name === 'query') terms.push({ kind: 'term', value: value(values[0]), span });
      else terms.push(values.length === 1 ? compare(f.name, values[0]) : { kind: 'or', items: values.map((v) => compare(f.name, v)), span });
    }
    if (terms.length > 0) groups.push(terms.length === 1 ? terms[0] : { kind: 'and', items: terms, span });
  }
  if (groups.length === 0) return nothing(span);
  return groups.length === 1 ? groups[0] : { kind: 'or', items: groups, span };
}

/** A `search` field's text as the search expression it is; its nodes point at the subsearch. */
function searchText(text: string, span: Span, ctx: CompileContext): A.SearchExpr {
  if (/^\s*NOT\s*\(\s*\)\s*$/.test(text)) return nothing(span); // format's and return's empty result
  if (text.trim() === '') return { kind: 'term', value: { text: '*', quoted: false, span }, span };
  try {
    return respan(parseSearchExpression(text), span);
  } catch (e) {
    if (e instanceof SyntaxProblem) throw ctx.error('syntax_error', `the subsearch's search text is not a search: ${e.message} in '${text.length > 200 ? text.slice(0, 197) + '...' : text}'`, span);
    throw e;
  }
}

