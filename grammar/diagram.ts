import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createSyntaxDiagramsCode } from 'chevrotain';
import { splParser } from './index.ts';

/**
 * The railroad diagram page for the parser's grammar, rendered by chevrotain from the recorded productions.
 * Its scripts and stylesheet are inlined from the installed chevrotain package so the page works offline.
 */
export function diagramHtml(): string {
  // chevrotain resolves to lib/src/api.js; the diagrams folder sits at the package root.
  const dir = join(dirname(createRequire(import.meta.url).resolve('chevrotain')), '..', '..', 'diagrams');
  const html = createSyntaxDiagramsCode(splParser().getSerializedGastProductions());
  return html
    .replace(/<link rel='stylesheet' href='[^']*\/diagrams\/(diagrams\.css)'>/, (_m, f: string) => `<style>\n${readFileSync(join(dir, f), 'utf8')}\n</style>`)
    .replace(/<script src='[^']*\/diagrams\/((?:src|vendor)\/[\w.-]+\.js)'><\/script>/g, (_m, f: string) => `<script>\n${readFileSync(join(dir, f), 'utf8')}\n</script>`);
}
