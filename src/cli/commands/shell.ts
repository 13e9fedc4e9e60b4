// `duckhunt shell` (and `duckhunt` alone on a terminal): one DuckDB engine, the knowledge and macros loaded
// once, the sources bound once, then queries typed one after another (cli/shell/).

import { LookupProblem, resolveLookup } from '../../knowledge/lookups.ts';
import type { Knowledge } from '../../knowledge/bundle.ts';
import type { OutputFormat } from '../../output/format.ts';
import { EXIT, markInterrupted } from '../exit.ts';
import { withEngine, type LongRun } from '../long-run.ts';
import { describeBindings, knowledgeAndMacros, type QueryFlags } from '../query.ts';
import { Shell } from '../shell/repl.ts';

export interface ShellFlags extends QueryFlags {
  format: Exclude<OutputFormat, 'parquet' | 'arrow'>;
  memoryLimit?: string;
  threads?: number;
  tempDir?: string;
  strict?: boolean;
}

/**
 * The exit code: on a terminal the shell's errors were seen as they came (0); a script fed to it ends with
 * EXIT.failed when any of its queries failed, as `check` does, so that `duckhunt shell < hunt.spl` in a script
 * or a scheduled job does not pass for a clean run.
 */
export async function shellCommand(opts: ShellFlags): Promise<number> {
  let failures = 0;
  const engineOptions = { memoryLimit: opts.memoryLimit, threads: opts.threads, tempDir: opts.tempDir, progress: process.stderr.isTTY, cancellable: true };
  await withEngine(engineOptions, async (engine, longRun) => {
    const session = knowledgeAndMacros(opts);
    const bound = await startUp(longRun, async () => {
      // The sources are checked now (a typo is an error at once), then described again for each query.
      const { bound } = await describeBindings(opts, session.knowledge, engine);
      // Confined once for the whole session: every bound source, every lookup file the knowledge defines, and
      // the lookup directory outputlookup writes to — whichever of them the queries typed later use.
      const lookupDir = session.knowledge.lookupDir;
      await engine.confine(bound, lookupFiles(session.knowledge), lookupDir ? [lookupDir] : []);
      return bound;
    });
    const shell = new Shell(engine, longRun, session, bound, opts);
    await shell.run();
    failures = shell.failures;
  });
  if (failures === 0 || (process.stdin.isTTY && process.stdout.isTTY)) return EXIT.ok;
  process.stderr.write(`duckhunt shell: ${failures} ${failures === 1 ? 'query or command' : 'queries or commands'} failed\n`);
  return EXIT.failed;
}

/** Ctrl-C while the shell starts ends it, as it ends `run` (exit 130). */
async function startUp<T>(longRun: LongRun, work: () => Promise<T>): Promise<T> {
  try {
    return await longRun.watch(work);
  } catch (e) {
    if (longRun.cancelled) markInterrupted();
    throw e;
  }
}

function lookupFiles(k: Knowledge): string[] {
  const files = new Set(k.lookupFiles.values());
  for (const name of k.transforms.names()) {
    try {
      files.add(resolveLookup(k, name).file);
    } catch (e) {
      // A lookup that cannot be used is reported by the query that uses it.
      if (!(e instanceof LookupProblem)) throw e;
    }
  }
  return [...files];
}
