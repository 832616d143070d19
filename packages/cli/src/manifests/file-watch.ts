// Watches the -f inputs for `serve` and calls back once per burst of changes.
// Directories are watched one by one (not with `recursive`, whose Linux implementation in
// Node 20 polls), and the set is refreshed after every burst so new subdirectories count.
import { readdirSync, realpathSync, statSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

export interface WatchOptions {
  /** Quiet time after the last event before `onChange` runs (editors write in several steps). */
  debounceMs: number;
  onChange: () => void;
  onError: (message: string) => void;
}

export interface InputWatcher {
  close(): void;
}

interface WatchedDir {
  watcher: FSWatcher;
  /** undefined: every entry matters; otherwise only these names (a file given with -f). */
  names?: Set<string>;
}

export function watchInputs(inputs: readonly string[], options: WatchOptions): InputWatcher {
  const watched = new Map<string, WatchedDir>();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const schedule = () => {
    if (closed) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      refresh();
      options.onChange();
    }, options.debounceMs);
  };

  const refresh = () => {
    const wanted = wantedDirectories(inputs);
    for (const [dir, entry] of watched) {
      if (!wanted.has(dir)) {
        entry.watcher.close();
        watched.delete(dir);
      }
    }
    for (const [dir, names] of wanted) {
      const current = watched.get(dir);
      if (current) {
        current.names = names;
        continue;
      }
      try {
        const entry: WatchedDir = { watcher: watch(dir, { persistent: true }), ...(names ? { names } : {}) };
        entry.watcher.on('change', (_event, filename) => {
          const name = filename === null ? undefined : String(filename);
          // Dot-files are editor swap and lock files; they are never read.
          if (name?.startsWith('.')) return;
          if (entry.names && name !== undefined && !entry.names.has(name)) return;
          schedule();
        });
        entry.watcher.on('error', (error) => {
          options.onError(`stopped watching ${dir}: ${error.message}`);
          entry.watcher.close();
          watched.delete(dir);
          schedule();
        });
        watched.set(dir, entry);
      } catch (error) {
        options.onError(`cannot watch ${dir}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  };

  refresh();
  return {
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      for (const entry of watched.values()) entry.watcher.close();
      watched.clear();
    },
  };
}

/** Directory → names to care about (undefined: all). A file input is watched through its directory, which survives editors that replace the file. */
function wantedDirectories(inputs: readonly string[]): Map<string, Set<string> | undefined> {
  const wanted = new Map<string, Set<string> | undefined>();
  for (const input of inputs) {
    if (input === '-') continue;
    const path = resolve(input);
    if (isDirectory(path)) {
      for (const dir of directoryTree(path, new Set())) wanted.set(dir, undefined);
      continue;
    }
    const dir = dirname(path);
    if (wanted.has(dir) && wanted.get(dir) === undefined) continue;
    const names = wanted.get(dir) ?? new Set<string>();
    names.add(basename(path));
    wanted.set(dir, names);
  }
  return wanted;
}

function directoryTree(dir: string, seen: Set<string>): string[] {
  const real = realPath(dir);
  if (seen.has(real)) return []; // a symlink loop, or a directory reached twice
  seen.add(real);
  const dirs = [dir];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return dirs;
  }
  for (const name of names) {
    if (name.startsWith('.')) continue;
    const child = join(dir, name);
    if (isDirectory(child)) for (const dir of directoryTree(child, seen)) dirs.push(dir);
  }
  return dirs;
}

function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
