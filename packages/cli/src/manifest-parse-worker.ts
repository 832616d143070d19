// Worker thread entry (its own bundle, dist/manifest-parse-worker.js): parses manifest
// text off the main thread, so `serve` keeps routing while a reload parses and a signal
// stops `translate` even in the middle of a large file.
import { parentPort } from 'node:worker_threads';
import { parseManifestPlain } from './manifests/yaml-documents.js';

export interface ParseRequest {
  id: number;
  label: string;
  text: string;
}

parentPort?.on('message', ({ id, label, text }: ParseRequest) => {
  try {
    parentPort?.postMessage({ id, ok: true, parsed: parseManifestPlain(label, text) });
  } catch (error) {
    parentPort?.postMessage({ id, ok: false, message: error instanceof Error ? error.message : String(error) });
  }
});
