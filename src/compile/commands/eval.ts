// `eval a=…, b=…`: assignments run left to right and later ones see earlier ones (the headline's file_size
// reads the file_name assigned before it). Assignments that read a field assigned earlier in the same eval start
// a new layer (a nested SELECT), so every expression reads exactly the values Splunk would.
// `eval {key}=value` (and `eval count_{type}=…`) assigns the field whose name the braces' fields spell in each
// row: the names the rest of the query reads that the target can spell are set where the row spells them.

import type * as A from '../../ast/ast.ts';
import { exprFieldNames } from '../../ast/walk.ts';
import { sqlIdent, sqlString } from '../../sql/quote.ts';
import { coerce, convert, ExprCompiler, unify } from '../expr.ts';
import type { CommandHandler, PipelineBuilder } from '../pipeline.ts';
import { fieldOf, type Schema } from '../schema.ts';
import type { FieldType } from '../types.ts';

/** The parts of a target such as `count_{type}`: the fields in braces, and a pattern a spelled name matches. */
export function dynamicTarget(name: string): { fields: string[]; pattern: RegExp } | undefined {
  const fields = [...name.matchAll(/\{([^{}]+)\}/g)].map((m) => m[1]);
  if (fields.length === 0) return undefined;
  const body = name.split(/\{[^{}]+\}/).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('(.+)');
  return { fields, pattern: new RegExp(`^${body}$`, 's') };
}

export const evalCommand: CommandHandler<A.EvalCommand> = {
  compile(cmd, input, b) {
    let schema = input!.schema;
    let from = sqlIdent(input!.name);
    let layer = newLayer();
    for (const [i, a] of cmd.assignments.entries()) {
      const dynamic = dynamicTarget(a.target.name);
      if (dynamic) {
        from = `(${selectLayer(layer, from)})`;
        layer = newLayer();
        const readLater = cmd.assignments.slice(i + 1).flatMap((x) => [...exprFieldNames(x.expr)]);
        schema = assignSpelled(b, a, dynamic, schema, layer, readLater);
        continue;
      }
      const reads = exprFieldNames(a.expr);
      if ([...reads, a.target.name].some((r) => layer.assigned.has(r))) {
        from = `(${selectLayer(layer, from)})`;
        layer = newLayer();
      }
      const value = new ExprCompiler(b.ctx, schema).value(a.expr);
      const existing = schema.get(a.target.name);
      const column = existing?.column ?? b.ctx.columns.columnFor(a.target.name);
      (existing ? layer.replaced : layer.added).push(`${value.sql} AS ${sqlIdent(column)}`);
      layer.assigned.add(a.target.name);
      schema = schema.with(fieldOf(a.target.name, column, value.type === 'bool' ? 'str' : value.type));
    }
    return b.add(cmd, selectLayer(layer, from), schema);
  },
};

/**
 * One `{field}` assignment: each name the query reads later that the target can spell gets the value in rows
 * whose fields spell it, and keeps its own elsewhere (a name nobody reads is not a column duckhunt makes).
 */
function assignSpelled(b: PipelineBuilder, a: A.EvalAssignment, target: NonNullable<ReturnType<typeof dynamicTarget>>, schema: Schema, layer: Layer, readLater: string[]): Schema {
  const later = b.laterReads();
  if (later.unnamed) {
    throw b.ctx.unsupported(`eval ${a.target.name}= before a command that reads fields it does not name`, a.target.span, 'name the fields the assignment may create, e.g. | table a b');
  }
  const c = new ExprCompiler(b.ctx, schema);
  const value = c.value(a.expr);
  const parts = target.fields.map((f) => convert.str(c.value({ kind: 'field', name: f, quoted: true, span: a.target.span })));
  for (const name of [...new Set([...later.names, ...readLater])].sort()) {
    const m = target.pattern.exec(name);
    if (!m) continue;
    const spelled = parts.map((p, k) => `${p} = ${sqlString(m[k + 1])}`).join(' AND ');
    const existing = schema.get(name);
    const type: FieldType = existing ? unify([existing.type, value.type]) : value.type === 'bool' ? 'str' : value.type;
    const before = existing ? coerce({ sql: sqlIdent(existing.column), type: existing.type }, type) : `NULL::${type === 'num' ? 'DOUBLE' : type === 'mv' ? 'VARCHAR[]' : 'VARCHAR'}`;
    const column = existing?.column ?? b.ctx.columns.columnFor(name);
    (existing ? layer.replaced : layer.added).push(`CASE WHEN ${spelled} THEN ${coerce(value, type)} ELSE ${before} END AS ${sqlIdent(column)}`);
    layer.assigned.add(name);
    schema = schema.with(fieldOf(name, column, type));
  }
  return schema;
}

interface Layer {
  assigned: Set<string>;
  replaced: string[];
  added: string[];
}

const newLayer = (): Layer => ({ assigned: new Set(), replaced: [], added: [] });

function selectLayer(layer: Layer, from: string): string {
  const star = layer.replaced.length ? `* REPLACE (${layer.replaced.join(', ')})` : '*';
  return `SELECT ${[star, ...layer.added].join(',\n       ')}\nFROM ${from}`;
}
