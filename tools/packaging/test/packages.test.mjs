// Every publishable package, as a consumer sees it after `npm install`: both module
// formats load and agree, types are declared, and the tarball holds the build only.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../../../packages/', import.meta.url));
const packages = readdirSync(root)
  .filter((name) => existsSync(join(root, name, 'package.json')))
  .sort();
const require = createRequire(import.meta.url);

describe('published packages', () => {
  it('are the nine of the design', () => {
    assert.deepEqual(packages, ['admin', 'agent', 'cli', 'cluster', 'core', 'gateway', 'gateway-api-types', 'ingress', 'workers']);
  });

  for (const name of packages) {
    const dir = join(root, name);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));

    describe(pkg.name, () => {
      it('declares version, license, files, sideEffects and a README', () => {
        assert.match(pkg.version, /^\d+\.\d+\.\d+/);
        assert.equal(pkg.license, 'Apache-2.0');
        // Libraries are side-effect free; the CLI names its executable entry as the one exception.
        assert.ok(
          pkg.sideEffects === false ||
            (Array.isArray(pkg.sideEffects) && pkg.sideEffects.every((f) => Object.values(pkg.bin ?? {}).includes(f))),
          `sideEffects: ${JSON.stringify(pkg.sideEffects)}`,
        );
        assert.ok(pkg.files.includes('dist'), 'files holds dist');
        assert.ok(existsSync(join(dir, 'README.md')), 'README.md exists');
      });

      // Every entry point of the exports map (the root and any subpath such as core's building blocks).
      const entries = Object.entries(pkg.exports ?? {}).filter(([, entry]) => typeof entry === 'object');
      for (const [subpath, entry] of entries) {
        it(`${subpath} loads as ESM and as CJS with the same exports, and declares types`, async () => {
          assert.deepEqual(Object.keys(entry), ['types', 'import', 'require'], 'types first, then import and require');
          assert.ok(existsSync(join(dir, entry.types)), `types file ${entry.types} exists`);
          const esm = await import(pathToFileURL(join(dir, entry.import)).href);
          const cjs = require(join(dir, entry.require));
          const names = (m) =>
            Object.keys(m)
              .filter((k) => k !== 'default' && k !== '__esModule')
              .sort();
          assert.deepEqual(names(esm), names(cjs));
          if (name !== 'gateway-api-types') assert.ok(names(esm).length > 0, 'exports something');
        });
      }

      if (pkg.bin) {
        it('has an executable bin with a shebang', () => {
          for (const file of Object.values(pkg.bin)) {
            assert.match(readFileSync(join(dir, file), 'utf8'), /^#!\/usr\/bin\/env node/);
          }
        });
      }

      it('packs the build and docs only — no sources, tests or fixtures', () => {
        const [report] = JSON.parse(
          execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
            cwd: dir,
            encoding: 'utf8',
            stdio: ['ignore', 'pipe', 'ignore'],
          }),
        );
        const files = report.files.map((f) => f.path);
        assert.ok(
          files.some((f) => f.startsWith('dist/')),
          'ships dist/',
        );
        for (const file of files) {
          assert.ok(
            file.startsWith('dist/') || ['package.json', 'README.md', 'LICENSE'].includes(file),
            `unexpected file in the tarball: ${file}`,
          );
          assert.doesNotMatch(file, /(^|\/)(test|fixtures)\//);
        }
      });
    });
  }
});
