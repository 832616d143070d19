// Shared rollup config: every library package ships ESM + CJS from src/index.ts.
// Declarations come from `tsc -p tsconfig.build.json` (one .d.ts tree per package).
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import typescript from '@rollup/plugin-typescript';

export function libraryConfig(configUrl, { entries = { index: 'src/index.ts' }, banner } = {}) {
  const dir = dirname(fileURLToPath(configUrl));
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const deps = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})]);
  const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
  const external = (id) => builtins.has(id) || [...deps].some((d) => id === d || id.startsWith(`${d}/`));
  return {
    input: Object.fromEntries(Object.entries(entries).map(([name, file]) => [name, join(dir, file)])),
    external,
    plugins: [
      typescript({
        tsconfig: join(dir, 'tsconfig.build.json'),
        declaration: false,
        declarationMap: false,
        outDir: undefined,
        emitDeclarationOnly: false,
        noEmit: false,
      }),
    ],
    output: [
      { dir: join(dir, 'dist'), format: 'es', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js', banner },
      {
        dir: join(dir, 'dist'),
        format: 'cjs',
        entryFileNames: '[name].cjs',
        chunkFileNames: 'chunks/[name]-[hash].cjs',
        exports: 'named',
        banner,
      },
    ],
    onwarn(warning, warn) {
      if (warning.code === 'CIRCULAR_DEPENDENCY') throw new Error(warning.message);
      warn(warning);
    },
  };
}
