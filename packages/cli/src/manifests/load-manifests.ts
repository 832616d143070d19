// -f arguments → ClusterSnapshot plus the diagnostics of loading. Input that cannot be
// read or parsed throws one InputError listing every problem (file, document, line, column).
import { createHash } from 'node:crypto';
import { InputError } from '../errors.js';
import { collectSources, type InputSource } from './input-sources.js';
import { readSource, type StdinReader } from './read-source.js';
import { buildSnapshot, type BuiltSnapshot } from '@kupstream/core';
import { ManifestParser } from './parse-off-thread.js';
import type { ManifestDocument } from './yaml-documents.js';

export interface LoadOptions {
  /** Namespace of objects without metadata.namespace. */
  namespace: string;
  readStdin: StdinReader;
  /** Stops the load (parsing runs on a worker thread, so this works mid-file): ParseAborted. */
  signal?: AbortSignal;
}

export interface LoadedManifests extends BuiltSnapshot {
  sources: InputSource[];
  /** SHA-256 over every source's name and text: equal fingerprints, equal input. */
  fingerprint: string;
}

export async function loadManifests(inputs: readonly string[], options: LoadOptions): Promise<LoadedManifests> {
  const sources = collectSources(inputs);
  const problems: string[] = [];
  const documents: ManifestDocument[] = [];
  const hash = createHash('sha256');
  const parser = new ManifestParser(options.signal);
  try {
    for (const source of sources) {
      // One at a time: a directory of thousands of files must not exhaust file descriptors.
      const text = await readSource(source, options.readStdin);
      if (!text.ok) {
        problems.push(text.problem);
        continue;
      }
      hash.update(`${text.label}\u0000${text.text.length}\u0000${text.text}`);
      const parsed = await parser.parse(text.label, text.text);
      // Loops, not push(...): a spread of 100k arguments overflows the stack.
      for (const problem of parsed.problems) problems.push(problem);
      for (const document of parsed.documents) documents.push(document);
    }
  } finally {
    parser.close();
  }
  if (problems.length) throw new InputError(problems);
  return { ...buildSnapshot(documents, options.namespace), sources, fingerprint: hash.digest('hex') };
}
