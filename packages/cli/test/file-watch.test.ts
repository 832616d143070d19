import assert from 'node:assert/strict';
import { mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { watchInputs, type InputWatcher } from '../src/manifests/file-watch.js';
import { makeTempDir, type TempDir } from './helpers/temp-dir.js';
import { delay, waitFor } from './helpers/wait.js';

describe('file-watch: watchInputs', () => {
  let dir: TempDir;
  let watcher: InputWatcher | undefined;
  let changes: number;
  const errors: string[] = [];
  const start = (inputs: string[]) => {
    watcher = watchInputs(inputs, { debounceMs: 60, onChange: () => changes++, onError: (m) => errors.push(m) });
  };

  beforeEach(() => {
    dir = makeTempDir();
    changes = 0;
    errors.length = 0;
  });
  afterEach(() => {
    watcher?.close();
    watcher = undefined;
    dir.remove();
  });

  it('calls back once for a burst of writes in a watched directory', async () => {
    dir.write('a.yaml', 'a: 1\n');
    start([dir.path]);
    for (let i = 0; i < 5; i++) dir.write('a.yaml', `a: ${i}\n`);
    await waitFor('a change', () => changes > 0);
    await delay(200);
    assert.equal(changes, 1);
    assert.deepEqual(errors, []);
  });

  it('sees files in subdirectories, including ones created after the start', async () => {
    dir.write('a.yaml', 'a: 1\n');
    start([dir.path]);
    mkdirSync(join(dir.path, 'later'));
    await waitFor('the new directory', () => changes > 0);
    const before = changes;
    await delay(100);
    dir.write('later/b.yaml', 'b: 1\n');
    await waitFor('a change in the new directory', () => changes > before);
  });

  it('for a file input, reacts to that file (also when replaced) and not to its neighbours', async () => {
    const file = dir.write('watched.yaml', 'a: 1\n');
    start([file]);
    dir.write('neighbour.yaml', 'b: 1\n');
    await delay(250);
    assert.equal(changes, 0);
    dir.write('watched.yaml.tmp', 'a: 2\n');
    renameSync(join(dir.path, 'watched.yaml.tmp'), file);
    await waitFor('the replaced file', () => changes > 0);
  });

  it('ignores dot-files (editor swap and lock files)', async () => {
    dir.write('a.yaml', 'a: 1\n');
    start([dir.path]);
    dir.write('.a.yaml.swp', 'x');
    await delay(250);
    assert.equal(changes, 0);
  });

  it('stops calling back once closed', async () => {
    dir.write('a.yaml', 'a: 1\n');
    start([dir.path]);
    watcher?.close();
    dir.write('a.yaml', 'a: 2\n');
    await delay(250);
    assert.equal(changes, 0);
  });
});
