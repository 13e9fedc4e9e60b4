// `duckhunt compile`: print the DuckDB SQL a query compiles to.

import { renderSql } from '../../compile/index.ts';
import { splParser } from '../../../grammar/index.ts';
import { withEngine } from '../long-run.ts';
import { prepare, printWarnings, type QueryFlags } from '../query.ts';

export async function compileCommand(file: string | undefined, opts: QueryFlags & { prelude?: boolean }): Promise<void> {
  await withEngine({}, async (engine) => {
    const { query } = await prepare(file, opts, engine);
    printWarnings(query.warnings);
    process.stdout.write(renderSql(query, opts.prelude ?? false));
  }, () => void splParser());
}
