// `map search="…" [maxsearches=N]`: Splunk's looping operator. The search runs once for each input row (the first
// maxsearches, 10 by default, in row order) with every `$field$` replaced by that row's value of the field, and
// the results of the runs follow one another. The input rows come from a prerun (compile/prerun.ts); each filled-in
// search is then compiled as a subsearch of its own, so map's output is what those searches return.

import { parsePipeline, SyntaxProblem } from '../../../grammar/index.ts';
import type * as A from '../../ast/ast.ts';
import { respan } from '../../ast/walk.ts';
import { DuckhuntError } from '../../errors.ts';
import { expandMacros } from '../../macros/index.ts';
import { sqlIdent } from '../../sql/quote.ts';
import { MAP_TOKEN, mapTokenFields } from '../collect.ts';
import { convert } from '../expr.ts';
import { optionCount, optionMap } from '../options.ts';
import type { CommandHandler, PipelineBuilder, Relation } from '../pipeline.ts';
import { Schema } from '../schema.ts';
import { appendRows } from './append.ts';
import { compileSubsearch } from './join.ts';

/** Splunk's default maxsearches. */
const DEFAULT_MAX_SEARCHES = 10;

export const map: CommandHandler<A.MapCommand> = {
  compile(cmd, input, b) {
    const opts = optionMap(cmd, ['search', 'maxsearches'], b.ctx);
    if (cmd.fields.length > 0) throw b.ctx.unsupported('map of a saved search', cmd.fields[0].span, 'write the search out: map search="search …"');
    const search = opts.get('search');
    if (!search) throw b.ctx.error('compile_error', 'map needs the search to run for each row', cmd.nameSpan, 'e.g. map search="search sourcetype=x user=$user$"');
    const max = opts.has('maxsearches') ? optionCount(opts.get('maxsearches')!, b.ctx) : DEFAULT_MAX_SEARCHES;
    if (max < 1) throw b.ctx.error('compile_error', 'maxsearches must be at least 1 (0 does not mean unlimited)', opts.get('maxsearches')!.valueSpan);

    // The fields the search names, as text, in the input's order.
    const names = mapTokenFields(search.value);
    const schema = input!.schema;
    const columns = names.map((name) => {
      const f = schema.get(name);
      if (!f) return 'NULL::VARCHAR';
      // A number as Splunk prints it; text and multivalue as they are (several values are refused below).
      return f.type === 'num' ? convert.str({ sql: sqlIdent(f.column), type: f.type }) : sqlIdent(f.column);
    });
    const result = b.prerun(
      { key: `map:${cmd.span.start}-${cmd.span.end}`, label: b.labelOf(cmd), span: cmd.span, maxRows: max },
      () => `${b.withClause()}\nSELECT ${['_dh_seq', ...columns].join(', ')}\nFROM ${sqlIdent(input!.name)}\nORDER BY _dh_seq\nLIMIT ${max + 1}`,
    );
    // No rows yet (this compile asks for them) or none at all: no search runs, no rows.
    let out: Relation = b.add(cmd, 'SELECT 1::BIGINT AS _dh_seq WHERE false', Schema.of([], false));
    if (!result || result.rows.length === 0) return out;
    if (result.truncated) {
      b.ctx.warn(`map: the input has more than ${max} rows; the search ran for the first ${max} only, as Splunk does (raise maxsearches=)`, cmd.nameSpan);
    }
    result.rows.slice(0, max).forEach((row, i) => {
      const text = search.value.replace(MAP_TOKEN, (token, name: string) => {
        if (name === '_serial_id') return String(i + 1);
        const cell = row[1 + names.indexOf(name)];
        const values = Array.isArray(cell) ? cell.filter((x) => x !== null) : cell === null || cell === undefined ? [] : [cell];
        if (values.length > 1) throw b.ctx.unsupported(`map over the multivalue field '${name}' (row ${i + 1} has ${values.length} values)`, search.valueSpan, `make it one value first, e.g. eval ${name}=mvindex(${name}, 0)`);
        const v = values[0];
        // A token naming a field the row does not have stays as written (decision X140).
        return v === null || v === undefined ? token : String(v);
      });
      b.scope.placeless = { what: "map's search", span: search.valueSpan };
      let sub: Relation;
      try {
        sub = compileSubsearch(mapSearch(text, i, search, b), b, `map search ${i + 1}`);
      } finally {
        b.scope.placeless = undefined;
      }
      out = appendRows(b, cmd, out, sub, { filter: `s._dh_seq <= ${b.ctx.options.subsearchMaxOut}`, numbered: true });
    });
    return out;
  },
};

/**
 * One filled-in search: macros expanded, parsed, event types and tags expanded, every node pointing at map's search
 * option. Field discovery and preruns are not available inside it (their answers are keyed by place in the query,
 * which every filled-in search shares).
 */
function mapSearch(text: string, i: number, option: A.CommandOption, b: PipelineBuilder): A.Pipeline {
  const shown = text.length > 200 ? text.slice(0, 197) + '...' : text;
  let p: A.Pipeline;
  try {
    p = parsePipeline(expandMacros(text, b.scope.terms.macros).text);
  } catch (e) {
    // Positions inside the filled-in text mean nothing to the user: the error points at the search option.
    if (e instanceof SyntaxProblem) throw b.ctx.error('syntax_error', `map's search ${i + 1} (${shown}): ${e.message}`, option.valueSpan);
    if (e instanceof DuckhuntError) throw b.ctx.error(e.kind, `map's search ${i + 1} (${shown}): ${e.message.split('\n')[0]}`, option.valueSpan);
    throw e;
  }
  const first = p.commands[0];
  if (first?.command !== 'search' && first?.command !== 'inputlookup' && first?.command !== 'makeresults' && first?.command !== 'tstats') {
    throw b.ctx.error('compile_error', `map's search ${i + 1} must start with a search or another generating command: ${shown}`, option.valueSpan);
  }
  return b.scope.terms.expandPipeline(respan(p, option.valueSpan));
}
