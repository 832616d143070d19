// In-memory streams for calling runCli in-process.
import { PassThrough, Readable, Writable } from 'node:stream';
import type { CliIo } from '../../src/io.js';

export interface MemoryIo extends CliIo {
  stdoutText(): string;
  stderrText(): string;
}

export function memoryIo(stdinText?: string, signal?: AbortSignal): MemoryIo {
  let out = '';
  let err = '';
  const sink = (append: (text: string) => void) =>
    new Writable({
      write(chunk: Buffer | string, _encoding, callback) {
        append(chunk.toString());
        callback();
      },
    });
  const stdin = stdinText === undefined ? new PassThrough() : Readable.from([Buffer.from(stdinText)]);
  return {
    stdin,
    stdout: sink((t) => (out += t)),
    stderr: sink((t) => (err += t)),
    ...(signal ? { signal } : {}),
    stdoutText: () => out,
    stderrText: () => err,
  };
}
