// Entry of a `kupstream serve --workers N` worker process (its own bundle, dist/serve-worker.js),
// forked by the primary through node:cluster; see serve/workers/worker-process.ts.
import { runServeWorker } from './serve/workers/worker-process.js';

runServeWorker();
