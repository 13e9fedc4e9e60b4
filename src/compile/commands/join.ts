// `join [type=inner|left|outer] [max=N] [overwrite=bool] f1, f2 [ subsearch ]`
//   - keys compare exactly and case-sensitively; a multivalue key compares as its values joined by newlines
//     (decision D3); rows with a null key never match
//   - max=N keeps the first N matching subsearch rows in subsearch order (default 1); max=0 keeps all. The
//     subsearch rows are ranked within their key, so no main row needs an identity: raw events that share a
//     second may have equal _dh_seq when line numbers are off (collect.ts, eventOrderMatters), and every one
//     of them must still be joined
//   - overwrite=true (default): subsearch values replace main values of the same field (including _time)
//   - the subsearch is capped at subsearch_maxout rows (decision D8: 50,000), and the engine reports the cap

import type * as A from '../../ast/ast.ts';
import { sqlIdent } from '../../sql/quote.ts';
import { coerce, unify } from '../expr.ts';
import type { CommandHandler, PipelineBuilder, Relation } from '../pipeline.ts';
import { fieldOf, Schema } from '../schema.ts';
import type { Field } from '../types.ts';
import { rejectWildcard } from '../wildcard.ts';

interface JoinOptions {
  type: 'inner' | 'left';
  max: number;
  overwrite: boolean;
}

function joinOptions(cmd: A.JoinCommand, b: PipelineBuilder): JoinOptions {
  const opts: JoinOptions = { type: 'inner', max: 1, overwrite: true };
  const bool = (o: A.CommandOption): boolean => {
    const v = o.value.toLowerCase();
    if (['true', 't', '1', 'yes'].includes(v)) return true;
    if (['false', 'f', '0', 'no'].includes(v)) return false;
    throw b.ctx.error('compile_error', `${o.name} takes true or false, not '${o.value}'`, o.valueSpan);
  };
  for (const o of cmd.options) {
    switch (o.name.toLowerCase()) {
      case 'type': {
        const t = o.value.toLowerCase();
        if (t === 'inner') opts.type = 'inner';
        else if (t === 'left' || t === 'outer') opts.type = 'left';
        else throw b.ctx.error('compile_error', `join type must be inner, left or outer, not '${o.value}'`, o.valueSpan);
        break;
      }
      case 'max':
        if (!/^\d+$/.test(o.value)) throw b.ctx.error('compile_error', `max must be a whole number (0 = no limit), not '${o.value}'`, o.valueSpan);
        opts.max = Number(o.value);
        break;
      case 'overwrite':
        opts.overwrite = bool(o);
        break;
      case 'usetime':
      case 'earlier':
        if (bool(o)) throw b.ctx.unsupported(`join ${o.name}=true`, o.span);
        break;
      default:
        throw b.ctx.unsupported(`join option '${o.name}'`, o.span, 'duckhunt joins with type=, max= and overwrite=');
    }
  }
  return opts;
}

/** A key as the string it compares as. */
function keySql(alias: string, f: Field): string {
  const col = `${alias}.${sqlIdent(f.column)}`;
  if (f.type === 'mv') return `array_to_string(${col}, chr(10))`;
  if (f.type === 'num') return `dh_str(${col})`;
  return col;
}

export const join: CommandHandler<A.JoinCommand> = {
  compile(cmd, input, b) {
    const main = input!;
    const opts = joinOptions(cmd, b);
    cmd.fields.forEach((f) => rejectWildcard(f.name, 'join', b.ctx, f.span));
    const sub = compileSubsearch(cmd.subsearch, b, `join subsearch`);
    const hidden = (f: Field) => f.name.startsWith('_dh_');
    let keys = cmd.fields.map((f) => f.name);
    if (keys.length === 0) {
      keys = main.schema.list().filter((f) => sub.schema.get(f.name) && !hidden(f)).map((f) => f.name);
      if (keys.length === 0) throw b.ctx.error('compile_error', 'join has no field list and the two sides have no field in common', cmd.nameSpan);
    }
    const on: string[] = [];
    // What a subsearch row is matched by: main rows match exactly the subsearch rows with the same key values.
    const rankKeys: string[] = [];
    for (const k of keys) {
      const m = main.schema.get(k);
      const s = sub.schema.get(k);
      if (!m || !s) {
        // A key missing on either side can never be equal: no row matches.
        on.push('false');
        continue;
      }
      if (m.type === 'mv' || s.type === 'mv') {
        // Splunk's behaviour for a multivalue key is undocumented (decision D3), so say which rule applies.
        const at = cmd.fields.find((f) => f.name === k)?.span ?? cmd.nameSpan;
        b.ctx.warn(`join key '${k}' may be multivalue: it matches as a whole, its values joined by newlines, never value by value (decision D3)`, at);
      }
      on.push(`${keySql('m', m)} = ${keySql('s', s)}`);
      rankKeys.push(keySql('s', s));
    }
    // The subsearch rows as the join reads them: capped at subsearch_maxout, then (implicit keys) with flags
    // saying which keys are in use, then (max=N) ranked within their key.
    let subRows = `SELECT * FROM ${sqlIdent(sub.name)} AS s WHERE s._dh_seq <= ${b.ctx.options.subsearchMaxOut}`;
    if (cmd.fields.length === 0) {
      // No field list: the fields common to both result sets. The schema of raw events lists every field the
      // query names, present in the events or not, so a field only counts as common when some row on each
      // side has it; at least one field must be common. The flags are columns of the subsearch side: DuckDB
      // cannot run a subquery in the condition of a left join.
      const flags = keys.map((k, i) => {
        const present = (rel: Relation, f: Field) => `EXISTS (SELECT 1 FROM ${sqlIdent(rel.name)} WHERE ${sqlIdent(f.column)} IS NOT NULL)`;
        return `(${present(main, main.schema.get(k)!)} AND ${present(sub, sub.schema.get(k)!)}) AS _dh_key${i}`;
      });
      subRows = `SELECT *, ${flags.join(', ')} FROM (${subRows}) AS s`;
      const implicit = on.map((cond, i) => `(NOT s._dh_key${i} OR ${cond})`);
      on.splice(0, on.length, ...implicit, `(${keys.map((_, i) => `s._dh_key${i}`).join(' OR ')})`);
      // Only the keys in use decide which main rows a subsearch row matches.
      rankKeys.splice(0, rankKeys.length, ...rankKeys.map((key, i) => `CASE WHEN s._dh_key${i} THEN ${key} END`));
    }
    // max=N: a main row's matches are the subsearch rows of its key, so its first N matches are the rows ranked
    // 1…N within their key, in subsearch order.
    if (opts.max > 0 && rankKeys.length > 0) {
      subRows = `SELECT *, row_number() OVER (PARTITION BY ${rankKeys.join(', ')} ORDER BY _dh_seq) AS _dh_rank FROM (${subRows}) AS s`;
      on.push(`s._dh_rank <= ${opts.max}`);
    }
    let schema: Schema = main.schema;
    const cols: string[] = [];
    const mainExcluded: string[] = ['_dh_seq'];
    for (const sf of sub.schema.list()) {
      const mf = main.schema.get(sf.name);
      // A named key keeps the main value (the two are equal); an implicit key may be common only in name
      // (see above), so it is merged like any other field.
      if (cmd.fields.length > 0 && keys.includes(sf.name) && mf) continue;
      if (!mf) {
        const column = b.ctx.columns.columnFor(sf.name);
        cols.push(`s.${sqlIdent(sf.column)} AS ${sqlIdent(column)}`);
        schema = schema.with({ ...fieldOf(sf.name, column, sf.type), absent: sf.absent });
        continue;
      }
      // The same field on both sides: a present subsearch value wins with overwrite=true, else the main one.
      const type = unify([mf.type, sf.type]);
      const ms = coerce({ sql: `m.${sqlIdent(mf.column)}`, type: mf.type }, type);
      const ss = coerce({ sql: `s.${sqlIdent(sf.column)}`, type: sf.type }, type);
      cols.push(`coalesce(${opts.overwrite ? `${ss}, ${ms}` : `${ms}, ${ss}`}) AS ${sqlIdent(mf.column)}`);
      mainExcluded.push(mf.column);
      schema = schema.with(fieldOf(mf.name, mf.column, type));
    }
    const sql =
      `SELECT m.* EXCLUDE (${mainExcluded.map(sqlIdent).join(', ')}),\n       ${[...cols, "{'m': m._dh_seq, 's': s._dh_seq} AS _dh_seq"].join(',\n       ')}\n` +
      `FROM ${sqlIdent(main.name)} AS m\n${opts.type === 'left' ? 'LEFT JOIN' : 'JOIN'} (${subRows}) AS s\n  ON ${on.join(' AND ')}`;
    return b.add(cmd, sql, schema);
  },
};

/**
 * Compiles a subsearch into its own statement (a temporary table holding at most cap + 1 rows in subsearch
 * order, renumbered 1…n), registered with the query so the engine runs it first and reports a hit cap.
 */
export function compileSubsearch(p: A.Pipeline, b: PipelineBuilder, label: string): Relation {
  const nested = b.nested(false, true);
  const last = nested.compile(p);
  const table = b.ctx.name('dh_subsearch');
  const cap = b.ctx.options.subsearchMaxOut;
  // QUALIFY on the renumbered order, not ORDER BY … LIMIT: a top-N of cap + 1 rows would have to fit in memory.
  const ending = (rows: string) =>
    `SELECT * EXCLUDE (_dh_seq), row_number() OVER (ORDER BY _dh_seq) AS _dh_seq FROM ${rows}\nQUALIFY row_number() OVER (ORDER BY _dh_seq) <= ${cap + 1}`;
  const sql = `${nested.withClause()}\n${ending(sqlIdent(last.name))}`;
  const passes = nested.passesPlan(last, ending);
  b.scope.subsearches.push({ table, sql, cap, label: `${label}: ${b.labelOf(p)}`, span: p.span, ...(passes ? { passes } : {}) });
  return { name: table, schema: Schema.of(last.schema.list(), false) };
}
