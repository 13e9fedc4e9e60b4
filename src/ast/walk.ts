import type { Command, Expr, Pipeline, SearchExpr } from './ast.ts';

/** The pipelines nested directly in a command: join/append subsearches and `[ … ]` inside a search. */
export function subpipelines(c: Command): Pipeline[] {
  switch (c.command) {
    case 'join':
    case 'append':
      return [c.subsearch];
    case 'search':
      return c.expr ? searchSubsearches(c.expr) : [];
    default:
      return [];
  }
}

function searchSubsearches(e: SearchExpr): Pipeline[] {
  switch (e.kind) {
    case 'and':
    case 'or':
      return e.items.flatMap(searchSubsearches);
    case 'not':
      return searchSubsearches(e.expr);
    case 'subsearch':
      return [e.pipeline];
    default:
      return [];
  }
}

/** The names of the fields an eval expression reads. */
export function exprFieldNames(e: Expr, out: Set<string> = new Set()): Set<string> {
  switch (e.kind) {
    case 'field':
      out.add(e.name);
      break;
    case 'call':
      e.args.forEach((a) => exprFieldNames(a, out));
      break;
    case 'binary':
      exprFieldNames(e.left, out);
      exprFieldNames(e.right, out);
      break;
    case 'unary':
      exprFieldNames(e.operand, out);
      break;
    case 'in':
      exprFieldNames(e.operand, out);
      e.values.forEach((v) => exprFieldNames(v, out));
      break;
    default:
      break;
  }
  return out;
}
