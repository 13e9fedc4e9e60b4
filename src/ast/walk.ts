import type { Span } from '../errors.ts';
import type { Command, Expr, FieldRef, Pipeline, SearchExpr } from './ast.ts';

/** The pipelines nested directly in a command: join/append subsearches, appendpipe's, and `[ … ]` inside a search. */
export function subpipelines(c: Command): Pipeline[] {
  switch (c.command) {
    case 'join':
    case 'append':
    case 'appendpipe':
      return [c.subsearch];
    case 'search':
      return c.expr ? searchSubsearches(c.expr) : [];
    default:
      return [];
  }
}

/** The subsearches (`[ … ]`) of a search expression, in text order. */
export function searchSubsearches(e: SearchExpr): Pipeline[] {
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
export function exprFieldNames(e: Expr): Set<string> {
  return new Set(exprFieldRefs(e).map((f) => f.name));
}

/** The field references of an eval expression, each with its place. */
export function exprFieldRefs(e: Expr, out: FieldRef[] = []): FieldRef[] {
  switch (e.kind) {
    case 'field':
      out.push({ name: e.name, span: e.span });
      break;
    case 'call':
      e.args.forEach((a) => exprFieldRefs(a, out));
      break;
    case 'binary':
      exprFieldRefs(e.left, out);
      exprFieldRefs(e.right, out);
      break;
    case 'unary':
      exprFieldRefs(e.operand, out);
      break;
    case 'in':
      exprFieldRefs(e.operand, out);
      e.values.forEach((v) => exprFieldRefs(v, out));
      break;
    default:
      break;
  }
  return out;
}

/**
 * A copy of `node` with every span (and command name span) at `span`: for nodes parsed from text that is not the
 * query (an event type's search, a subsearch's search field, map's search), whose errors point at the term in the
 * query that stands for them.
 */
export function respan<T>(node: T, span: Span): T {
  if (Array.isArray(node)) return node.map((n) => respan(n, span)) as T;
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = k === 'span' || k === 'nameSpan' ? span : respan(v, span);
  return out as T;
}
