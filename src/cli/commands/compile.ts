// `duckhunt compile`: print the DuckDB SQL a query compiles to.

import { renderSql } from '../../compile/index.ts';
import { Engine } from '../../engine/engine.ts';
import { prepare, printWarnings, type QueryFlags } from '../query.ts';

export async function compileCommand(file: string | undefined, opts: QueryFlags & { prelude?: boolean }): Promise<void> {
  const engine = await Engine.create({});
  try {
    const q = await prepare(file, opts, engine);
    printWarnings(q.warnings);
    process.stdout.write(renderSql(q, opts.prelude ?? false));
  } finally {
    engine.close();
  }
}
