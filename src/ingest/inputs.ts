// Which bytes of each input an ingest adds (decision X41), and a private copy of them to read.
//
// An input already ingested, with the same size and modification time, is skipped without being read. Any
// other input is read once: its content is hashed (SHA-256) and the bytes to ingest are copied into the staging
// directory, so a file that grows or changes while it is ingested cannot make the dataset disagree with what was
// recorded. Then:
//   - its first N bytes are exactly an ingested input's N bytes (the same path grown by appended lines; or a copy
//     or a renamed, rotated log): only the bytes after N are added — none, when there are none;
//   - else, at a path already ingested: it changed, and the ingest stops with an error (nothing is written);
//   - else it is new and added whole.
// Only complete lines are taken: a last line without a line break is added when it is a whole JSON object, else
// held back until it is complete (a log being written). A .gz is taken whole (an appended part must itself be a
// gzip stream: gzip members appended to the file).

import { closeSync, createReadStream, openSync, readSync, statSync, writeSync } from 'node:fs';
import { createHash, type Hash } from 'node:crypto';
import { join } from 'node:path';
import { DuckhuntError } from '../errors.ts';
import { isGzip } from '../sources/gzip.ts';

/** What a dataset records of each input it holds (in the batch record, `_batch.json`). */
export interface IngestedInput {
  path: string;
  /** The file's size and modification time when it was read: unchanged, it is not read again. */
  fileSize: number;
  mtimeMs: number;
  /** Bytes taken from the start of the file, and their SHA-256. */
  bytes: number;
  sha256: string;
  /**
   * Lines in those bytes (line breaks, and a last line without one; for a .gz, the lines read): later appended
   * lines are numbered after them.
   */
  lines: number;
}

/** One input's part to add: `staged` holds the file's bytes from `start` (its line `lineBase` + 1) to `record.bytes`. */
export interface StagedInput {
  path: string;
  staged: string;
  start: number;
  lineBase: number;
  record: IngestedInput;
  /** The input whose content this one continues (the same path grown, or a copy / rotated log), if any. */
  continues?: IngestedInput;
}

export interface InputPlan {
  staged: StagedInput[];
  /** Inputs with nothing to add: unchanged, or content already ingested (`of` names where, if elsewhere). */
  skipped: { path: string; of?: string }[];
  /** Inputs whose last line is incomplete: its bytes wait for the next ingest. */
  heldBack: { path: string; bytes: number }[];
}

interface ReadResult {
  /** Bytes to take (complete lines), their hash and lines. */
  end: number;
  sha256: string;
  lines: number;
  /** SHA-256 of the first b bytes, for each boundary b asked for that the file reaches. */
  prefixes: Map<number, string>;
}

/**
 * Reads `path` (its first `size` bytes), hashing it with digests at the boundaries, and copies its bytes from
 * `copyFrom` up to the end of its last complete line into `staged`.
 */
async function readInput(path: string, size: number, gz: boolean, boundaries: number[], copyFrom: number, staged: string): Promise<ReadResult> {
  const hash = createHash('sha256');
  const prefixes = new Map<number, string>();
  const out = openSync(staged, 'w');
  let fed = 0;
  let newlines = 0;
  let lastByte = -1;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  // Hashes (and copies) bytes in file order, taking the digest at each boundary passed.
  const feed = (h: Hash, buf: Buffer, at: number, copy: boolean) => {
    let off = 0;
    for (const b of boundaries) {
      if (b <= at || b > at + buf.length) continue;
      h.update(buf.subarray(off, b - at));
      off = b - at;
      prefixes.set(b, h.copy().digest('hex'));
    }
    h.update(buf.subarray(off));
    if (!copy) return;
    for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, i + 1)) newlines++;
    if (buf.length > 0) lastByte = buf[buf.length - 1];
    const from = Math.max(0, copyFrom - at);
    if (from < buf.length) writeSync(out, buf, from);
  };
  if (boundaries.includes(0)) prefixes.set(0, createHash('sha256').digest('hex'));
  try {
    if (size > 0) {
      await new Promise<void>((resolve, reject) => {
        const input = createReadStream(path, { start: 0, end: size - 1 });
        input.on('error', reject);
        input.on('end', resolve);
        input.on('data', (chunk) => {
          const buf = chunk as Buffer;
          const nl = gz ? buf.length - 1 : buf.lastIndexOf(10);
          if (nl < 0) {
            pending.push(buf);
            pendingBytes += buf.length;
            return;
          }
          const complete = Buffer.concat([...pending, buf.subarray(0, nl + 1)]);
          feed(hash, complete, fed, true);
          fed += complete.length;
          pending = [buf.subarray(nl + 1)];
          pendingBytes = buf.length - nl - 1;
        });
      });
    }
    const read = fed + pendingBytes;
    if (read !== size) throw new DuckhuntError('source_error', `${path} changed while it was read (${read} of ${size} bytes)`, { hint: 'run ingest again' });
    const rest = Buffer.concat(pending);
    if (rest.length > 0 && wholeJsonObject(rest)) {
      feed(hash, rest, fed, true);
      fed += rest.length;
    } else if (rest.length > 0) {
      feed(hash.copy(), rest, fed, false); // digests of boundaries inside the held-back part
    }
    const lines = newlines + (fed > 0 && lastByte !== 10 ? 1 : 0);
    return { end: fed, sha256: hash.digest('hex'), lines, prefixes };
  } finally {
    closeSync(out);
  }
}

function wholeJsonObject(buf: Buffer): boolean {
  const text = buf.toString('utf8').trim();
  if (!text.startsWith('{')) return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Copies bytes [from, to) of `file` into `dest`. */
function copyRange(file: string, from: number, to: number, dest: string): void {
  const input = openSync(file, 'r');
  const output = openSync(dest, 'w');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (let at = from; at < to; ) {
      const n = readSync(input, buf, 0, Math.min(buf.length, to - at), at);
      if (n === 0) break;
      writeSync(output, buf, 0, n);
      at += n;
    }
  } finally {
    closeSync(input);
    closeSync(output);
  }
}

interface ReadInput {
  path: string;
  index: number;
  size: number;
  mtimeMs: number;
  gz: boolean;
  /** The latest record of this path, if it was ingested before. */
  prev?: IngestedInput;
  staged: string;
  copiedFrom: number;
  read: ReadResult;
}

/**
 * Decides, for each input, what to add given what the dataset holds (`ingested`: the latest record of each
 * input path), copying the bytes to add into `stagingDir`. A changed input is an error naming every such file.
 */
export async function planInputs(files: string[], ingested: IngestedInput[], stagingDir: string): Promise<InputPlan> {
  const byPath = new Map(ingested.map((r) => [r.path, r]));
  const plan: InputPlan = { staged: [], skipped: [], heldBack: [] };
  // Read every input with something new, smallest first, so that an input can be found to continue the content
  // of one read before it (a copy made bigger) as well as of one the dataset holds.
  const toRead: { path: string; index: number; size: number; mtimeMs: number }[] = [];
  for (const [index, path] of files.entries()) {
    let st;
    try {
      st = statSync(path);
    } catch (e) {
      throw new DuckhuntError('source_error', `cannot read ${path}: ${(e as Error).message}`);
    }
    const prev = byPath.get(path);
    if (prev && prev.fileSize === st.size && prev.mtimeMs === st.mtimeMs) {
      plan.skipped.push({ path });
      if (prev.bytes < prev.fileSize) plan.heldBack.push({ path, bytes: prev.fileSize - prev.bytes });
      continue;
    }
    toRead.push({ path, index, size: st.size, mtimeMs: st.mtimeMs });
  }
  const known: IngestedInput[] = [...ingested];
  const read: ReadInput[] = [];
  for (const f of toRead.sort((a, b) => a.size - b.size || a.index - b.index)) {
    const gz = isGzip(f.path);
    const prev = byPath.get(f.path);
    const staged = join(stagingDir, `${f.index}.ndjson${gz ? '.gz' : ''}`);
    const boundaries = [...new Set(known.map((r) => r.bytes))].filter((b) => b <= f.size).sort((a, b) => a - b);
    let r: ReadResult;
    try {
      r = await readInput(f.path, f.size, gz, boundaries, prev?.bytes ?? 0, staged);
    } catch (e) {
      if (e instanceof DuckhuntError) throw e;
      throw new DuckhuntError('source_error', `cannot read ${f.path}: ${(e as Error).message}`);
    }
    read.push({ ...f, gz, prev, staged, copiedFrom: prev?.bytes ?? 0, read: r });
    known.push({ path: f.path, fileSize: f.size, mtimeMs: f.mtimeMs, bytes: r.end, sha256: r.sha256, lines: r.lines });
  }

  // What each input continues: its own earlier content; else (a new path, or a path whose earlier content moved
  // to another input: a rotated log) the longest known content it starts with.
  const startsWith = (f: ReadInput, k: IngestedInput) => k.bytes > 0 && k.bytes <= f.read.end && k.path !== f.path && f.read.prefixes.get(k.bytes) === k.sha256;
  const longest = (f: ReadInput) => [...known].sort((a, b) => b.bytes - a.bytes).find((k) => startsWith(f, k));
  const grown = (f: ReadInput) => f.prev !== undefined && f.read.prefixes.get(f.prev.bytes) === f.prev.sha256;
  const moved = new Set(read.filter((f) => !grown(f)).map((f) => longest(f)?.path).filter((p): p is string => p !== undefined));
  const changed: string[] = [];
  for (const f of read.sort((a, b) => a.index - b.index)) {
    const r = f.read;
    if (r.end < f.size) plan.heldBack.push({ path: f.path, bytes: f.size - r.end });
    let continues: IngestedInput | undefined;
    if (grown(f)) continues = f.prev;
    else if (f.prev && !moved.has(f.path)) {
      changed.push(`${f.path} (${f.size < f.prev.bytes ? `now ${f.size} bytes, ${f.prev.bytes} were ingested` : `its first ${f.prev.bytes} bytes differ from what was ingested`})`);
      continue;
    } else continues = longest(f);
    const start = continues?.bytes ?? 0;
    const record: IngestedInput = { path: f.path, fileSize: f.size, mtimeMs: f.mtimeMs, bytes: r.end, sha256: r.sha256, lines: r.lines };
    if (start >= r.end) {
      plan.skipped.push({ path: f.path, of: continues && continues.path !== f.path ? continues.path : undefined });
      continue;
    }
    let source = f.staged;
    if (start !== f.copiedFrom) {
      // Only the part after the known content is added: copied from the staged bytes, or read again when the
      // staged bytes start after it (a rotated log: this path's own earlier content is elsewhere now).
      source = join(stagingDir, `${f.index}.part.ndjson${f.gz ? '.gz' : ''}`);
      if (start > f.copiedFrom) copyRange(f.staged, start - f.copiedFrom, r.end - f.copiedFrom, source);
      else await copyAgain(f, start, source);
    }
    plan.staged.push({ path: f.path, staged: source, start, lineBase: continues?.lines ?? 0, record, continues });
  }
  if (changed.length > 0) {
    throw new DuckhuntError('source_error', `input changed since it was ingested, so its events cannot be added without duplicating or losing some: ${changed.join('; ')}`, {
      hint: 'rebuild the dataset from all its inputs with --overwrite, or move the changed file out of the inputs',
    });
  }
  return plan;
}

/** Copies bytes [start, end) of an input again, checking that the file did not change since it was hashed. */
async function copyAgain(f: ReadInput, start: number, dest: string): Promise<void> {
  const again = await readInput(f.path, f.size, f.gz, [], start, dest);
  const st = statSync(f.path);
  if (again.sha256 !== f.read.sha256 || st.size !== f.size || st.mtimeMs !== f.mtimeMs) {
    throw new DuckhuntError('source_error', `${f.path} changed while it was ingested`, { hint: 'run ingest again' });
  }
}
