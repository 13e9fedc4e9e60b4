// One ingest at a time per dataset: a lock file beside it holding the writer's pid and host. A lock whose process
// is gone (killed, crashed) is taken over, and the taker says so; a live one is an error naming its holder.

import { hostname } from 'node:os';
import { linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { DuckhuntError } from '../errors.ts';

export interface DatasetLock {
  /** Set when a stale lock was taken over: what to tell the user. */
  notice?: string;
  release(): void;
}

interface Holder {
  pid: number;
  host: string;
  started: string;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

const readHolder = (path: string): { text: string; holder?: Holder } | undefined => {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined; // released meanwhile
  }
  try {
    const h = JSON.parse(text) as Holder;
    return { text, holder: typeof h.pid === 'number' && typeof h.host === 'string' ? h : undefined };
  } catch {
    return { text };
  }
};

/** Takes the lock at `path` for `what` (the dataset, for messages). */
export function lockDataset(path: string, what: string): DatasetLock {
  const mine = JSON.stringify({ pid: process.pid, host: hostname(), started: new Date().toISOString() } satisfies Holder);
  let notice: string | undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      // Written aside and linked into place: the lock appears with its content, never empty.
      const tmp = `${path}.${process.pid}.tmp`;
      writeFileSync(tmp, mine);
      try {
        linkSync(tmp, path);
      } finally {
        unlinkSync(tmp);
      }
      return { notice, release: () => release(path, mine) };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') throw new DuckhuntError('source_error', `cannot create the lock ${path} for ${what}: ${(e as Error).message}`);
    }
    const seen = readHolder(path);
    if (!seen) continue;
    const h = seen.holder;
    if (!h || h.host !== hostname() || alive(h.pid)) {
      const who = h ? `process ${h.pid} on ${h.host}, since ${h.started}` : 'a process that left an unreadable lock';
      throw new DuckhuntError('source_error', `another duckhunt ingest (${who}) is writing ${what}`, {
        hint: `wait for it to finish; if no ingest is running, remove ${path}`,
      });
    }
    // Stale: move it aside (only one taker can move a given file), check that what moved is the stale lock read
    // above, and try again.
    const aside = `${path}.stale.${process.pid}`;
    try {
      renameSync(path, aside);
    } catch {
      continue;
    }
    const moved = readHolder(aside)?.text;
    if (moved !== seen.text) {
      // A live lock was taken meanwhile and moved by mistake: put it back.
      try {
        linkSync(aside, path);
      } catch {
        /* its owner's lock is replaced by whoever took the path since */
      }
      unlinkSync(aside);
      continue;
    }
    unlinkSync(aside);
    notice = `took over the lock of ingest process ${h.pid}, which is no longer running (it was started ${h.started})`;
  }
  throw new DuckhuntError('source_error', `could not take the lock ${path} for ${what}: other ingests keep taking it`);
}

function release(path: string, mine: string): void {
  if (readHolder(path)?.text === mine) unlinkSync(path);
}
