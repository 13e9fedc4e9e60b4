// `eval a=…, b=…`: assignments run left to right and later ones see earlier ones (the headline's file_size
// reads the file_name assigned before it). Assignments that read a field assigned earlier in the same eval start
// a new layer (a nested SELECT), so every expression reads exactly the values Splunk would.

import type * as A from '../../ast/ast.ts';
import { exprFieldNames } from '../../ast/walk.ts';
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
