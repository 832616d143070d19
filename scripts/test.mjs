#!/usr/bin/env node
// Runs every workspace package's tests through turbo (build first), then adds up
// the per-package summaries into one closing line: "N passed, N failed".
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const dirs = ['packages', 'examples', 'tools'].flatMap((group) =>
  existsSync(join(root, group))
    ? readdirSync(join(root, group), { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => join(root, group, d.name))
    : [],
);
const withTests = dirs.filter((dir) => {
  const pkgFile = join(dir, 'package.json');
  return existsSync(pkgFile) && JSON.parse(readFileSync(pkgFile, 'utf8')).scripts?.test;
});
for (const dir of withTests) rmSync(join(dir, '.test-results.json'), { force: true });

const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', TURBO_NO_UPDATE_NOTIFIER: '1', FORCE_COLOR: process.env.FORCE_COLOR ?? '0' };
const args = ['run', 'test', '--continue', '--concurrency=2', ...process.argv.slice(2)];
const run = spawnSync(join(root, 'node_modules/.bin/turbo'), args, { cwd: root, stdio: 'inherit', env });

let passed = 0;
let failed = 0;
let pending = 0;
const missing = [];
for (const dir of withTests) {
  const file = join(dir, '.test-results.json');
  if (!existsSync(file)) {
    missing.push(dir.slice(root.length));
    continue;
  }
  const counts = JSON.parse(readFileSync(file, 'utf8'));
  passed += counts.passed;
  failed += counts.failed;
  pending += counts.pending;
}
for (const name of missing) console.log(`no test results from ${name} (it failed before its tests ran)`);
failed += missing.length;
if (run.status !== 0 && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed${pending ? `, ${pending} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
