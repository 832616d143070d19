// Preload (`node --import ./agent-build-hook.mjs`) that swaps `@kupstream/agent` for
// another build of it, named by KUPSTREAM_BENCH_AGENT (a path to a bundled index.js).
// bench/agent-stages.mjs uses it to run builds of successive agent changes side by side
// in one run. That build's own imports (@kupstream/core, tslib) resolve as the real
// package's do, so it can live anywhere, e.g. in /tmp.
import { register } from 'node:module';
import { pathToFileURL } from 'node:url';
import { isMainThread } from 'node:worker_threads';

const build = process.env.KUPSTREAM_BENCH_AGENT ? pathToFileURL(process.env.KUPSTREAM_BENCH_AGENT).href : undefined;
const real = new URL('../packages/agent/dist/index.js', import.meta.url).href;

/** Module resolve hook (runs on the hooks thread). */
export async function resolve(specifier, context, next) {
  if (build && specifier === '@kupstream/agent') return { url: build, shortCircuit: true };
  if (build && context.parentURL === build) return next(specifier, { ...context, parentURL: real });
  return next(specifier, context);
}

if (isMainThread && build) register(import.meta.url);
