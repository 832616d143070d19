// Parsing manifests on a worker thread: the event loop stays free (serve's traffic, the
// signal handlers) however long a file takes. The worker is started per load and ended
// after it; where its bundle cannot be found (an unusual install), parsing stays inline.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { fromPlain, parseManifestText, type ParsedSource, type PlainParse } from './yaml-documents.js';

type Reply = { id: number; ok: true; parsed: PlainParse } | { id: number; ok: false; message: string };

/** The load was stopped by a signal. */
export class ParseAborted extends Error {
  override readonly name = 'ParseAborted';
}

/**
 * The worker's bundle: dist/manifest-parse-worker.{js,cjs} next to the module (or above its
 * chunks/ folder). From source (tests under tsx) there is none, and parsing stays inline.
 */
function workerFile(): URL | undefined {
  const here = new URL(import.meta.url);
  for (const dir of ['./', '../', '../../'])
    for (const name of ['manifest-parse-worker.js', 'manifest-parse-worker.cjs']) {
      const url = new URL(`${dir}${name}`, here);
      if (existsSync(fileURLToPath(url))) return url;
    }
  return undefined;
}

export class ManifestParser {
  readonly #signal: AbortSignal | undefined;
  #worker: Worker | undefined;
  readonly #pending = new Map<number, { resolve: (p: ParsedSource) => void; reject: (e: Error) => void }>();
  #seq = 0;

  readonly #workerUrl: URL | undefined;

  /** `workerUrl`: the worker bundle to run (default: found next to this module). */
  constructor(signal?: AbortSignal, workerUrl?: URL) {
    this.#signal = signal;
    this.#workerUrl = workerUrl;
  }

  parse(label: string, text: string): Promise<ParsedSource> {
    if (this.#signal?.aborted) return Promise.reject(new ParseAborted('stopped by a signal'));
    const worker = this.#start();
    if (!worker) return Promise.resolve(parseManifestText(label, text));
    const id = ++this.#seq;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.postMessage({ id, label, text });
    });
  }

  close(): void {
    void this.#worker?.terminate();
    this.#worker = undefined;
  }

  #start(): Worker | undefined {
    if (this.#worker) return this.#worker;
    const file = this.#workerUrl ?? workerFile();
    if (!file) return undefined;
    const worker = new Worker(file);
    worker.unref();
    const failAll = (error: Error) => {
      for (const { reject } of this.#pending.values()) reject(error);
      this.#pending.clear();
      this.close();
    };
    worker.on('message', (reply: Reply) => {
      const waiting = this.#pending.get(reply.id);
      if (!waiting) return;
      this.#pending.delete(reply.id);
      if (reply.ok) waiting.resolve({ documents: reply.parsed.documents.map(fromPlain), problems: reply.parsed.problems });
      else waiting.reject(new Error(reply.message));
    });
    worker.on('error', failAll);
    worker.on('exit', (code) => {
      if (this.#pending.size) failAll(new Error(`the manifest parser stopped (exit code ${code})`));
    });
    this.#signal?.addEventListener('abort', () => failAll(new ParseAborted('stopped by a signal')), { once: true });
    this.#worker = worker;
    return worker;
  }
}
