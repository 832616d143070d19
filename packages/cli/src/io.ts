// What a command may touch of its process: the three streams and a stop signal. Tests
// pass their own; the binary passes process.std* and a signal wired to SIGINT/SIGTERM.
import type { Readable, Writable } from 'node:stream';

export interface CliIo {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  /** Aborting it stops `serve` cleanly and interrupts a pending read of stdin. */
  signal?: AbortSignal;
}

/** Resolves once the chunk is handed to the stream, so large JSON is not cut short. */
export function writeOut(stream: Writable, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(text, (error) => (error ? reject(error) : resolve()));
  });
}
