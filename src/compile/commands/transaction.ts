// `transaction [field…] [maxspan=…] [maxpause=…] [maxevents=1000] [startswith=…] [endswith=…] [keepevicted=f]
//  [mvlist=f] [nullstr=NULL]`: events grouped into transactions, one row each.
//
// Events with the same values of the fields (all of them: an event missing one is in no transaction) are grouped
// by Splunk's rules, which engine/transaction.ts runs over them in the order they arrive (raw events: newest
// first). A transaction's row: `_time` of its earliest event, `duration` (latest minus earliest `_time`),
// `eventcount`, `_raw` the events' `_raw` oldest first, one per line, and every other field merged: its distinct
// values sorted by bytes (mvlist=true: one value per event in arrival order, nullstr for an event without one);
// the key fields keep their value. keepevicted=true keeps the transactions the rules could not complete too,
// with `closed_txn` 0 (1 for the others). Transactions come newest first (by `_time`, decision X102).

import type * as A from '../../ast/ast.ts';
import type { TransactionRules } from '../../engine/transaction.ts';
import { sqlIdent, sqlString } from '../../sql/quote.ts';
import type { CompileContext } from '../context.ts';
import { convert, ExprCompiler } from '../expr.ts';
import { valueSearch } from '../option-expr.ts';
import { optionBool, optionMap } from '../options.ts';
import type { CommandHandler, PipelineBuilder, Relation } from '../pipeline.ts';
import { fieldOf, Schema } from '../schema.ts';
import { compileSearch } from '../search.ts';
import type { Field } from '../types.ts';

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** maxspan/maxpause: `<int>[s|m|h|d]` (seconds without a unit); -1: no limit. */
function duration(o: A.CommandOption | undefined, ctx: CompileContext): number | undefined {
  if (!o) return undefined;
  const m = /^(-1|\d+)([smhd]?)$/i.exec(o.value.trim());
  if (!m) throw ctx.error('compile_error', `${o.name} takes a time such as 30s, 10m, 2h or 1d (-1: no limit), not '${o.value}'`, o.valueSpan);
  return m[1] === '-1' ? undefined : Number(m[1]) * UNITS[(m[2] || 's').toLowerCase()];
}

function filterSql(f: A.TransactionFilter | undefined, name: string, schema: Schema, ctx: CompileContext): string {
  if (!f) return 'false';
  if (f.kind === 'eval') return `coalesce(${new ExprCompiler(ctx, schema).cond(f.expr)}, false)`;
  const expr = f.kind === 'search' ? f.expr : valueSearch(name, f.value, ctx);
  return `coalesce(${compileSearch(expr, { ctx, schema })}, false)`;
}

export const transaction: CommandHandler<A.TransactionCommand> = {
  compile(cmd, input, b) {
    const opts = optionMap(cmd, ['maxspan', 'maxpause', 'maxevents', 'keepevicted', 'mvlist', 'nullstr', 'connected'], b.ctx);
    const flag = (name: string, dflt: boolean) => (opts.has(name) ? optionBool(opts.get(name)!, b.ctx) : dflt);
    if (!flag('connected', true)) throw b.ctx.unsupported('transaction connected=false', opts.get('connected')!.span);
    const maxevents = opts.get('maxevents');
    if (maxevents && !/^(-1|\d+)$/.test(maxevents.value)) throw b.ctx.error('compile_error', `maxevents takes a whole number (-1: no limit), not '${maxevents.value}'`, maxevents.valueSpan);
    const rules: TransactionRules = {
      maxspan: duration(opts.get('maxspan'), b.ctx),
      maxpause: duration(opts.get('maxpause'), b.ctx),
      maxevents: maxevents ? (maxevents.value === '-1' ? undefined : Number(maxevents.value)) : 1000,
      startswith: cmd.startswith !== undefined,
      endswith: cmd.endswith !== undefined,
      keepevicted: flag('keepevicted', false),
    };
    if (cmd.fields.length > 1) {
      b.ctx.warn('an event without all of these fields is in no transaction (Splunk may join it to a transaction sharing the fields it has)', cmd.fields[1].span);
    }
    const schema = input!.schema;
    const time = schema.get('_time');
    const raw = schema.get('_raw');
    const keys = cmd.fields.map((f) => schema.get(f.name));
    const present = keys.some((k) => !k) ? 'false' : keys.map((k) => `${sqlIdent(k!.column)} IS NOT NULL`).join(' AND ') || 'true';
    const keyJson = keys.length && !keys.some((k) => !k) ? `CAST(to_json([${keys.map((k) => convert.str({ sql: sqlIdent(k!.column), type: k!.type === 'mv' ? 'str' : k!.type })).join(', ')}]) AS VARCHAR)` : `''`;
    const t = time ? convert.num({ sql: sqlIdent(time.column), type: time.type }) : 'NULL::DOUBLE';
    // 1. The events numbered by key, then arrival, with what the rules read.
    const numbered = b.add(
      cmd,
      `SELECT *, row_number() OVER (ORDER BY dh_key, _dh_seq) AS dh_id FROM (\n` +
        `SELECT *, ${keyJson} AS dh_key, ${t} AS dh_t, ${filterSql(cmd.startswith, 'startswith', schema, b.ctx)} AS dh_s, ${filterSql(cmd.endswith, 'endswith', schema, b.ctx)} AS dh_e\n` +
        `FROM ${sqlIdent(input!.name)} WHERE ${present})`,
      schema,
      'transaction: events numbered by key and arrival',
    );
    // 2. The transactions (ranges of event numbers), made by the engine before the query runs.
    const table = b.ctx.name('dh_transactions');
    b.scope.subsearches.push({
      table,
      sql: `${b.withClause()}\nSELECT dh_id, dh_key, dh_t, dh_s, dh_e FROM ${sqlIdent(numbered.name)} ORDER BY dh_id`,
      label: b.labelOf(cmd),
      span: cmd.span,
      transaction: rules,
    });
    // 3. A row per transaction.
    return transactionRows(cmd, numbered, table, keys as Field[], { time, raw, keepevicted: rules.keepevicted, mvlist: flag('mvlist', false), nullstr: opts.get('nullstr')?.value ?? 'NULL' }, b);
  },
};

function transactionRows(
  cmd: A.TransactionCommand,
  numbered: Relation,
  table: string,
  keys: Field[],
  o: { time: Field | undefined; raw: Field | undefined; keepevicted: boolean; mvlist: boolean; nullstr: string },
  b: PipelineBuilder,
): Relation {
  const schema = numbered.schema;
  const cols: string[] = [];
  const out: Field[] = [];
  const keyNames = new Set(keys.map((k) => k.name));
  // The fields the transaction computes replace any the events have.
  const computed = new Set(['_time', '_raw', 'duration', 'eventcount', 'closed_txn']);
  for (const f of schema.list()) {
    const col = sqlIdent(f.column);
    if (computed.has(f.name)) continue;
    if (keyNames.has(f.name)) {
      cols.push(`any_value(${col}) AS ${col}`);
      out.push(f);
      continue;
    }
    const values = convert.list({ sql: col, type: f.type });
    cols.push(
      o.mvlist
        ? `dh_mv(flatten(list(coalesce(${values}, [${sqlString(o.nullstr)}]) ORDER BY dh_id))) AS ${col}`
        : `dh_mv(list_sort(list_distinct(list_filter(flatten(list(${values})), lambda dh_v: dh_v IS NOT NULL)))) AS ${col}`,
    );
    out.push(fieldOf(f.name, f.column, 'mv'));
  }
  const add = (name: string, type: Field['type'], sql: string) => {
    const f = schema.get(name) ?? fieldOf(name, b.ctx.columns.columnFor(name), type);
    cols.push(`${sql} AS ${sqlIdent(f.column)}`);
    out.push({ ...f, type });
  };
  if (o.time) add('_time', 'num', 'min(dh_t)');
  if (o.raw) add('_raw', 'str', `string_agg(${sqlIdent(o.raw.column)}, chr(10) ORDER BY dh_id DESC)`);
  add('duration', 'num', 'max(dh_t) - min(dh_t)');
  add('eventcount', 'num', 'CAST(count(*) AS DOUBLE)');
  if (o.keepevicted) add('closed_txn', 'num', 'CASE WHEN any_value(dh_in_closed) THEN 1 ELSE 0 END::DOUBLE');
  // Newest transaction first; one without a time last.
  cols.push(`row_number() OVER (ORDER BY min(dh_t) DESC NULLS LAST, dh_in) AS _dh_seq`);
  // Each event's transaction: the last one starting at or before it, if the event is not past its end. (A window
  // over the events and the transactions' first events together; DuckDB plans the range join as a nested loop.)
  const last = (c: string) => `last_value(${c} IGNORE NULLS) OVER (ORDER BY dh_id, dh_k ROWS UNBOUNDED PRECEDING)`;
  const members =
    `SELECT *, ${last('dh_txn')} AS dh_in, ${last('dh_last')} AS dh_in_last, ${last('dh_closed')} AS dh_in_closed FROM (\n` +
    `  SELECT *, NULL::DOUBLE AS dh_txn, NULL::DOUBLE AS dh_last, NULL::BOOLEAN AS dh_closed, 1 AS dh_k FROM ${sqlIdent(numbered.name)}\n` +
    `  UNION ALL BY NAME\n  SELECT dh_first AS dh_id, dh_txn, dh_last, dh_closed, 0 AS dh_k FROM ${sqlIdent(table)})`;
  const sql =
    `SELECT ${cols.join(',\n       ')}\n` +
    `FROM (${members})\nWHERE dh_k = 1 AND dh_id <= dh_in_last\nGROUP BY dh_in`;
  return b.add(cmd, sql, Schema.of(out, schema.open));
}
