// Where duckhunt's own files are (queries/, the sample data, the default config): the package root, found from
// this module whether it runs from src/ (TypeScript) or from the compiled dist/src/.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function packageRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'duckhunt') return dir;
    if (dirname(dir) === dir) throw new Error('internal: duckhunt package root not found');
  }
}

export const PACKAGE_ROOT = packageRoot();
