// What the shell reads: when a query typed over several lines is complete, and the history kept between
// sessions (a plain text file, one entry a line, newest last, bounded).

import { appendFileSync, chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Whether the query typed so far goes on on the next line: its last line ends in `|`, or a `[` subsearch or a
 * double-quoted string is still open. A backslash escapes the next character inside a string, as in SPL.
 */
export function needsMore(text: string): boolean {
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === '[') depth++;
    else if (c === ']') depth = Math.max(0, depth - 1);
  }
  return quoted || depth > 0 || /\|\s*$/.test(text);
}

/** Entries kept in the history file (and offered by the arrow keys). */
export const HISTORY_SIZE = 1000;

/** $DUCKHUNT_HISTORY, else ~/.duckhunt_history; an empty $DUCKHUNT_HISTORY keeps no history. */
export function historyFile(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.DUCKHUNT_HISTORY !== undefined) return env.DUCKHUNT_HISTORY || undefined;
  return join(homedir(), '.duckhunt_history');
}

/** A query as one history entry: its lines joined by a space (so the arrow keys recall it on one line). */
export const historyEntry = (lines: string[]): string => lines.map((l) => l.trim()).join(' ').trim();

/**
 * The history, newest first (readline's order). A file grown beyond twice the bound (several shells append to it)
 * is cut back to the newest entries.
 */
export function loadHistory(file: string | undefined): string[] {
  if (!file) return [];
  let lines: string[];
  try {
    lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
  } catch {
    return [];
  }
  const kept = lines.slice(-HISTORY_SIZE);
  if (lines.length > 2 * HISTORY_SIZE) rewrite(file, kept);
  return kept.reverse();
}

/** Adds an entry to the file (created readable by this user only: queries name users and hosts). */
export function saveHistory(file: string | undefined, entry: string): string | undefined {
  if (!file) return undefined;
  try {
    appendFileSync(file, entry + '\n', { mode: 0o600 });
    return undefined;
  } catch (e) {
    return `cannot write the history file ${file}: ${(e as Error).message}`;
  }
}

function rewrite(file: string, entries: string[]): void {
  try {
    writeFileSync(file, entries.join('\n') + '\n', { mode: 0o600 });
    chmodSync(file, 0o600);
  } catch {
    // The history is a convenience: a file that cannot be rewritten is read as it is next time.
  }
}
