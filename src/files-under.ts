// Walking a directory of query or macro files: every file below it, sorted by name at each level (so that the
// order, and overrides between files, do not depend on the file system), following symbolic links so that a
// linked folder is read like a real one. A link to a missing file, a directory that cannot be read, and a link
// back to a directory being read (a loop) are errors naming the path, never a crash or an endless walk.

import { lstatSync, readdirSync, realpathSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { systemReason } from './errors.ts';

export function filesUnder(dir: string, fail: (path: string, why: string) => Error, ancestors: string[] = []): string[] {
  let real: string;
  let names: string[];
  try {
    real = realpathSync(dir);
    names = readdirSync(dir).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  } catch (e) {
    throw fail(dir, systemReason(e));
  }
  if (ancestors.includes(real)) throw fail(dir, 'it links back to a directory it is inside of (a loop)');
  return names.flatMap((name) => {
    const path = join(dir, name);
    let stats: Stats;
    try {
      stats = statSync(path);
    } catch (e) {
      throw fail(path, lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink() ? 'a symbolic link to a file that does not exist' : systemReason(e));
    }
    return stats.isDirectory() ? filesUnder(path, fail, [...ancestors, real]) : [path];
  });
}
