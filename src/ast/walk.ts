import type { Command, Pipeline, SearchExpr } from './ast.ts';

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
