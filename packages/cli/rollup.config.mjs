import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { libraryConfig } from '../../tools/rollup-config.mjs';

const config = libraryConfig(import.meta.url, {
  entries: {
    index: 'src/index.ts',
    cli: 'src/cli.ts',
    'manifest-parse-worker': 'src/manifest-parse-worker.ts',
    'serve-worker': 'src/serve-worker.ts',
  },
  banner: '#!/usr/bin/env node',
});

// The bin must be executable straight out of the build (npm sets the bit on install, a checkout does not).
config.plugins.push({
  name: 'kupstream-executable-bin',
  writeBundle(options, bundle) {
    for (const file of Object.keys(bundle)) if (file === 'cli.js' || file === 'cli.cjs') chmodSync(join(options.dir, file), 0o755);
  },
});

export default config;
