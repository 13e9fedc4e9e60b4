// Writing result text to a stream (standard output, a pipe or a device named by -o): each write waits for the
// stream to drain, so memory stays flat however fast DuckDB produces rows, and the stream's errors become
// messages. A reader that went away (EPIPE: `duckhunt run … | head -1`) ends the run quietly, as Unix tools do.

import { DuckhuntError, systemReason } from '../errors.ts';
import type { ByteSink } from './format.ts';

/** The reader of the output closed it: the run stops, and the command exits quietly (main turns it into 141). */
export class OutputClosed extends DuckhuntError {
  constructor() {
    super('output_error', 'the reader of the output went away');
  }
}

export interface StreamSink {
  write: ByteSink;
  /** Resolves once everything written has reached the stream's destination. */
  end(): Promise<void>;
}

export function streamSink(stream: NodeJS.WritableStream, name: string): StreamSink {
  let failure: NodeJS.ErrnoException | undefined;
  stream.on('error', (e: NodeJS.ErrnoException) => (failure ??= e));
  const check = () => {
    if (failure) throw failure.code === 'EPIPE' ? new OutputClosed() : new DuckhuntError('output_error', `cannot write the results to ${name}: ${systemReason(failure)}`);
  };
  // Resolves once the text has been handed on (or failed); errors are reported by check.
  const settled = (text: string | Uint8Array) =>
    new Promise<void>((resolve) => {
      stream.write(text, () => resolve());
    });
  return {
    async write(text) {
      check();
      // Text the stream buffers resolves its callback later; waiting for it is the back-pressure.
      await settled(text);
      check();
    },
    async end() {
      check();
      await settled('');
      check();
    },
  };
}
