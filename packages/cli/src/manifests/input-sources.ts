// Expands `-f` arguments into the ordered list of sources to read: files as given,
// directories walked recursively (manifest extensions only, sorted), `-` for stdin.
import { readdirSync, realpathSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../errors.js';

export type InputSource = { kind: 'file'; path: string } | { kind: 'stdin' };

export const STDIN_LABEL = '<stdin>';
const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'];

export function sourceLabel(source: InputSource): string {
  return source.kind === 'stdin' ? STDIN_LABEL : source.path;
}

export function isManifestFileName(name: string): boolean {
  const lower = name.toLowerCase();
  return !name.startsWith('.') && MANIFEST_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

/**
 * Every problem (missing path, unreadable directory, directory without manifests) is
 * collected and thrown together, so one run names all of them.
 */
export function collectSources(inputs: readonly string[]): InputSource[] {
  const sources: InputSource[] = [];
  const problems: string[] = [];
  for (const input of inputs) {
    if (input === '-') {
      sources.push({ kind: 'stdin' });
      continue;
    }
    let stats: Stats;
    try {
      stats = statSync(input);
    } catch (error) {
      problems.push(`cannot read ${input}: ${describeFsError(error)}`);
      continue;
    }
    if (stats.isDirectory()) {
      const before = problems.length;
      const found = walkDirectory(input, problems, new Set([realpathSync(input)]));
      if (found.length === 0 && problems.length === before) {
        problems.push(`cannot read ${input}: the directory holds no manifest files (*.yaml, *.yml, *.json)`);
      }
      for (const path of found) sources.push({ kind: 'file' as const, path });
    } else if (stats.isFile()) {
      sources.push({ kind: 'file', path: input });
    } else {
      problems.push(`cannot read ${input}: not a regular file or directory`);
    }
  }
  if (problems.length) throw new InputError(problems);
  return sources;
}

/** Names sorted by code unit at each level; dot-files and dot-directories (.git, editor locks) skipped. */
function walkDirectory(dir: string, problems: string[], visited: Set<string>): string[] {
  let names: string[];
  try {
    names = readdirSync(dir).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  } catch (error) {
    problems.push(`cannot read ${dir}: ${describeFsError(error)}`);
    return [];
  }
  const files: string[] = [];
  for (const name of names) {
    if (name.startsWith('.')) continue;
    const path = join(dir, name);
    let stats: Stats;
    try {
      stats = statSync(path);
    } catch (error) {
      // A dangling symlink to a manifest is a problem; to anything else it is not ours.
      if (isManifestFileName(name)) problems.push(`cannot read ${path}: ${describeFsError(error)}`);
      continue;
    }
    if (stats.isDirectory()) {
      const real = realpathSync(path);
      if (visited.has(real)) continue; // a symlink loop
      visited.add(real);
      for (const file of walkDirectory(path, problems, visited)) files.push(file);
    } else if (stats.isFile() && isManifestFileName(name)) {
      files.push(path);
    }
  }
  return files;
}

export function describeFsError(error: unknown): string {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    case 'ABORT_ERR':
      return 'interrupted';
    case 'EMFILE':
    case 'ENFILE':
      return 'too many open files';
    default:
      return code ? `${code}` : error instanceof Error ? error.message : String(error);
  }
}
