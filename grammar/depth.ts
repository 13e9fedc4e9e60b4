// Depth limits: the parser and the compiler are recursive, so a query nested deeper than the JavaScript stack
// allows would crash them. These checks run first and turn such a query into a positioned error.
//
// Two measures: how deeply brackets and prefix operators nest in the text (the parser recurses once per level;
// checked before parsing), and how deep the AST is (the compiler recurses once per node; a left-associative chain
// of 2,000 `+` is 2,000 levels deep although it has no bracket).

import { SyntaxProblem } from './lexer.ts';

/** Bracket and prefix-operator nesting (default); real detections stay under 20. */
export const DEFAULT_MAX_NESTING = 64;
/** AST depth (default). */
export const DEFAULT_MAX_AST_DEPTH = 1000;

const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r';

/**
 * Throws when `(`/`[` outside double quotes, plus a run of prefix operators (`NOT`, `-`, `!`) right before an
 * operand, nest deeper than `max`. Counts generously (an unbalanced `)` never goes below zero).
 */
export function checkNesting(text: string, max: number): void {
  let depth = 0;
  let run = 0;
  let runStart = 0;
  const fail = (at: number, what: string) => {
    throw new SyntaxProblem(`${what} nest deeper than ${max} levels`, { start: at, end: at + 1 }, `simplify the query, or raise the limit (maxNesting, default ${DEFAULT_MAX_NESTING})`);
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      // Skip the quoted string; a backslash escapes the next character.
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      run = 0;
      continue;
    }
    if (isSpace(c)) continue;
    if (c === '-' || c === '!') {
      if (run === 0) runStart = i;
      run++;
    } else if (c === 'N' && text.startsWith('NOT', i) && !/[A-Za-z0-9_]/.test(text[i + 3] ?? ' ') && !/[A-Za-z0-9_.]/.test(text[i - 1] ?? ' ')) {
      if (run === 0) runStart = i;
      run++;
      i += 2;
    } else {
      if (c === '(' || c === '[') {
        depth++;
        if (depth + run > max) fail(i, 'brackets and prefix operators');
      } else if (c === ')' || c === ']') {
        depth = Math.max(0, depth - 1);
      }
      if (run > 0 && depth + run > max) fail(runStart, 'prefix operators (NOT, -) and brackets');
      run = 0;
    }
  }
  if (run > 0 && depth + run > max) fail(runStart, 'prefix operators (NOT, -) and brackets');
}

interface Spanned {
  span?: { start: number; end: number };
}

/** Throws when the AST is deeper than `max` nodes, pointing at the first node below that depth. Iterative. */
export function checkAstDepth(root: unknown, max: number): void {
  const stack: Array<{ node: unknown; depth: number }> = [{ node: root, depth: 0 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    const isNode = !Array.isArray(node) && (node as Spanned).span !== undefined;
    const d = isNode ? depth + 1 : depth;
    if (d > max) {
      const span = (node as Spanned).span!;
      throw new SyntaxProblem(`the query nests deeper than ${max} levels here (a very long chain of operators counts one level per operator)`, span, `split the expression, or raise the limit (maxAstDepth, default ${DEFAULT_MAX_AST_DEPTH})`);
    }
    for (const [k, v] of Object.entries(node)) if (k !== 'span' && v !== null && typeof v === 'object') stack.push({ node: v, depth: d });
  }
}
