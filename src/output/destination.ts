// Where `-o FILE` writes. The result goes to a partial file beside the target and is renamed into place only
// when all of it is there, so a failed or interrupted run never leaves a truncated or partial file (and the
// previous file stays whole). A path the query reads is refused — the same file by any name (a symbolic or
// hard link, a relative path: compared by device and inode), or one a bound glob matches — because writing it
// would destroy the logs before they are read. A pipe or a device (`/dev/null`, `>(gzip)`) is written directly.

import { randomBytes } from 'node:crypto';
import { createWriteStream, chmodSync, lstatSync, openSync, closeSync, realpathSync, renameSync, rmSync, statSync, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import picomatch from 'picomatch';
import { removeAtExit } from '../cleanup.ts';
import { DuckhuntError, systemReason } from '../errors.ts';
import type { ByteSink } from './format.ts';
import { streamSink } from './sink.ts';

/** What the query reads: the files its bindings match now, and their globs (which may match a new file). */
export interface BoundInputs {
  files: string[];
  patterns: string[];
}

export class OutputFile {
  private handle: FileHandle | undefined;
  /** Unregisters the partial file's removal at exit (once it is renamed into place or removed). */
  private readonly forgetPartial: () => void;

  private constructor(
    /** The path as given, for messages. */
    readonly shown: string,
    /** The file that receives the result (a symbolic link is written through to its target). */
    readonly target: string,
    /** Where the result is written first; undefined when the target is a pipe or a device, written directly. */
    readonly partial: string | undefined,
    private readonly previous: Stats | undefined,
  ) {
    // A run stopped by Ctrl-C (or any exit) leaves no partial file behind.
    this.forgetPartial = removeAtExit(() => this.removePartial());
  }

  /**
   * Checks the path before anything runs (a typo fails at once, not after a long query) and reserves the
   * partial file beside it.
   */
  static plan(path: string, inputs: BoundInputs): OutputFile {
    const abs = resolve(path);
    const fail = (message: string, hint?: string) => new DuckhuntError('output_error', `-o ${path}: ${message}`, { hint });
    const stats = statSync(abs, { throwIfNoEntry: false });
    if (stats?.isDirectory()) throw fail('is a directory', `name a file, e.g. -o ${join(path, 'results.csv')}`);
    if (stats && !stats.isFile()) return new OutputFile(path, abs, undefined, undefined);
    if (!stats && lstatSync(abs, { throwIfNoEntry: false })?.isSymbolicLink()) throw fail('is a symbolic link to a file that does not exist');
    const target = stats ? realpathSync(abs) : abs;
    const dir = dirname(target);
    const dirStats = statSync(dir, { throwIfNoEntry: false });
    if (!dirStats?.isDirectory()) throw fail(`the directory ${dir} does not exist`);
    const partial = join(dir, `.${basename(target)}.duckhunt-${process.pid}-${randomBytes(4).toString('hex')}.partial`);
    refuseInputs(target, stats, partial, inputs, fail);
    try {
      closeSync(openSync(partial, 'wx', 0o666));
    } catch (e) {
      throw fail(`cannot write in ${dir}: ${systemReason(e)}`);
    }
    return new OutputFile(path, target, partial, stats);
  }

  /** A sink for the formats duckhunt writes itself (all but Parquet); `commit` puts the file in place. */
  async open(): Promise<ByteSink> {
    if (!this.partial) {
      const stream = streamSink(createWriteStream(this.target), this.shown);
      this.finish = () => stream.end();
      return stream.write;
    }
    const handle = await open(this.partial, 'w');
    this.handle = handle;
    this.finish = async () => {
      await handle.sync();
      await handle.close();
    };
    return async (text) => {
      try {
        await (typeof text === 'string' ? handle.write(text) : handle.write(text));
      } catch (e) {
        throw new DuckhuntError('output_error', `cannot write the results to ${this.shown}: ${systemReason(e)}`);
      }
    };
  }

  private finish: () => Promise<void> = async () => {};

  /** The result is complete: the partial file replaces the target (keeping the target's permissions). */
  async commit(): Promise<void> {
    try {
      await this.finish();
      if (!this.partial) return;
      if (this.previous) chmodSync(this.partial, this.previous.mode & 0o7777);
      renameSync(this.partial, this.target);
      this.forgetPartial();
    } catch (e) {
      if (e instanceof DuckhuntError) throw e;
      throw new DuckhuntError('output_error', `cannot write the results to ${this.shown}: ${systemReason(e)}`);
    }
  }

  /** The run failed: the partial file goes, the target is left as it was. */
  async abort(): Promise<void> {
    await this.handle?.close().catch(() => {});
    this.removePartial();
    this.forgetPartial();
  }

  private removePartial(): void {
    if (this.partial) rmSync(this.partial, { force: true });
  }
}

function refuseInputs(target: string, stats: Stats | undefined, partial: string, inputs: BoundInputs, fail: (m: string, hint?: string) => DuckhuntError): void {
  const hint = 'write the results somewhere the query does not read';
  for (const file of inputs.files) {
    const input = statSync(file, { throwIfNoEntry: false });
    const same = input && stats ? input.dev === stats.dev && input.ino === stats.ino : resolve(file) === target;
    if (same) throw fail(`is the input file ${file} (writing it would destroy the logs before they are read)`, hint);
  }
  for (const pattern of inputs.patterns) {
    const matches = picomatch(pattern, { dot: true, nobrace: true, noextglob: true });
    if (matches(target) || matches(partial)) throw fail(`matches the bound path ${pattern}: the query would read its own output`, hint);
  }
}
