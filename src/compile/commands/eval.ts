// `eval a=…, b=…`: assignments run left to right and later ones see earlier ones (the headline's file_size
// reads the file_name assigned before it). Assignments that read a field assigned earlier in the same eval start
// a new layer (a nested SELECT), so every expression reads exactly the values Splunk would.

import type * as A from '../../ast/ast.ts';
import { sqlIdent } from '../../sql/quote.ts';
import { ExprCompiler } from '../expr.ts';
import type { CommandHandler } from '../pipeline.ts';
import { fieldOf } from '../schema.ts';

export const evalCommand: CommandHandler<A.EvalCommand> = {
  compile(cmd, input, b) {
    let schema = input!.schema;
    let from = sqlIdent(input!.name);
    let layer = newLayer();
    for (const a of cmd.assignments) {
      const reads = new Set<string>();
      collectReads(a.expr, reads);
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

export function collectReads(e: A.Expr, out: Set<string>): void {
  switch (e.kind) {
    case 'field':
      out.add(e.name);
      return;
    case 'call':
      e.args.forEach((x) => collectReads(x, out));
      return;
    case 'binary':
      collectReads(e.left, out);
      collectReads(e.right, out);
      return;
    case 'unary':
      collectReads(e.operand, out);
      return;
    case 'in':
      collectReads(e.operand, out);
      e.values.forEach((x) => collectReads(x, out));
      return;
    default:
      return;
  }
}
