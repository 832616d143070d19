// Where the worker entry of `serve --workers N` is: dist/serve-worker.{js,cjs} next to the
// running module, or above its chunks/ folder. From source (tests under tsx) there is none.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function workerBundle(): string | undefined {
  const here = new URL(import.meta.url);
  for (const dir of ['./', '../', '../../'])
    for (const name of ['serve-worker.js', 'serve-worker.cjs']) {
      const path = fileURLToPath(new URL(`${dir}${name}`, here));
      if (existsSync(path)) return path;
    }
  return undefined;
}
