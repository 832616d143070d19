// Reads one source as text: bounded in size, UTF-8 only, binary content refused with a
// message rather than handed to the YAML parser.
import { readFile } from 'node:fs/promises';
import { addAbortSignal, type Readable } from 'node:stream';
import { describeFsError, sourceLabel, type InputSource } from './input-sources.js';
import { MANIFEST_LIMITS } from './manifest-limits.js';

/** Stops a mistaken `-f /dev/zero`-like input from eating memory (MANIFEST_LIMITS.sourceBytes). */
export const MAX_SOURCE_BYTES = MANIFEST_LIMITS.sourceBytes;

export type SourceText = { ok: true; label: string; text: string } | { ok: false; label: string; problem: string };

/** Reads stdin once, however often it is asked for (serve re-reads files on change, not stdin). */
export type StdinReader = () => Promise<Buffer>;

/** `signal` interrupts a read that waits on a terminal or an idle pipe (Ctrl-C). */
export function stdinReader(stdin: Readable, signal?: AbortSignal): StdinReader {
  let read: Promise<Buffer> | undefined;
  return () => (read ??= readStream(signal ? addAbortSignal(signal, stdin) : stdin));
}

export async function readSource(source: InputSource, readStdin: StdinReader): Promise<SourceText> {
  const label = sourceLabel(source);
  let bytes: Buffer;
  try {
    bytes = source.kind === 'stdin' ? await readStdin() : await readFile(source.path);
  } catch (error) {
    const problem = error instanceof SourceTooLarge ? error.message : describeFsError(error);
    return { ok: false, label, problem: `cannot read ${label}: ${problem}` };
  }
  if (bytes.length > MAX_SOURCE_BYTES) return { ok: false, label, problem: `cannot read ${label}: ${tooLarge(bytes.length)}` };
  const nul = bytes.indexOf(0);
  if (nul >= 0)
    return { ok: false, label, problem: `cannot parse ${label}: binary content (a NUL byte at offset ${nul}); expected YAML or JSON text` };
  try {
    // fatal: invalid UTF-8 is reported instead of turned into U+FFFD; a BOM is dropped.
    return { ok: true, label, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return {
      ok: false,
      label,
      problem: `cannot parse ${label}: not UTF-8 text (offset ${firstInvalidUtf8(bytes)}); expected YAML or JSON text`,
    };
  }
}

class SourceTooLarge extends Error {}

function tooLarge(size: number): string {
  return `too large (${size} bytes or more; at most ${MAX_SOURCE_BYTES} bytes)`;
}

async function readStream(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buffer.length;
    if (size > MAX_SOURCE_BYTES) throw new SourceTooLarge(tooLarge(size));
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/** Offset of the first byte that does not start a valid UTF-8 sequence (for the message). */
function firstInvalidUtf8(bytes: Buffer): number {
  let low = 0;
  let high = bytes.length;
  // The longest prefix that decodes, by bisection; stream mode accepts a prefix that
  // ends inside a multi-byte sequence, so validity is monotone in the prefix length.
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, mid), { stream: true });
      low = mid;
    } catch {
      high = mid - 1;
    }
  }
  // The decodable prefix may end inside the broken sequence: point at that sequence's lead byte.
  let lead = low;
  while (lead > 0 && low - lead < 4 && (bytes[lead - 1]! & 0xc0) === 0x80) lead--;
  if (lead === 0) return low;
  const first = bytes[lead - 1]!;
  const length = first >= 0xf0 ? 4 : first >= 0xe0 ? 3 : first >= 0xc0 ? 2 : 1;
  return low - (lead - 1) < length ? lead - 1 : low;
}
