// Gzip integrity. DuckDB's reader stops quietly at the end of a truncated .gz and does not check the CRC, so a
// cut-off or corrupted file would lose its events with no more than one malformed line reported. Node's zlib
// checks both; a file that fails is an error naming it (decision X40).

import { createReadStream, statSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { DuckhuntError } from '../errors.ts';

export const isGzip = (file: string): boolean => /\.gz$/i.test(file);

/** Files already found whole, by path, size and modification time (an engine may read them many times). */
const verified = new Set<string>();

/** Resolves when the whole gzip stream of `file` inflates and its checksums match; else a DuckhuntError. */
export async function verifyGzip(file: string): Promise<void> {
  const st = statSync(file);
  const key = `${file}\0${st.size}\0${st.mtimeMs}`;
  if (verified.has(key)) return;
  let read = 0;
  await new Promise<void>((resolve, reject) => {
    const input = createReadStream(file);
    const gunzip = createGunzip();
    input.on('data', (chunk) => (read += chunk.length));
    input.on('error', reject);
    gunzip.on('error', reject);
    gunzip.on('end', resolve);
    gunzip.resume();
    input.pipe(gunzip);
  }).catch((e: Error & { code?: string }) => {
    if (e.code === 'ENOENT' || e.code === 'EACCES' || e.code === 'EISDIR') throw new DuckhuntError('source_error', `cannot read ${file}: ${e.message}`);
    const size = st.size.toLocaleString('en-US');
    const what =
      e.code === 'Z_BUF_ERROR'
        ? `is truncated: its gzip stream ends before its end marker (${size} bytes)`
        : `is corrupt: ${e.message} (within its first ${read.toLocaleString('en-US')} of ${size} bytes)`;
    throw new DuckhuntError('source_error', `${file} ${what}`, { hint: 'its events cannot all be read: recover or re-export the file (gzip -t checks it)' });
  });
  verified.add(key);
}
