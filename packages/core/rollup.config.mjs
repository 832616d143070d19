import { libraryConfig } from '../../tools/rollup-config.mjs';

// Two entry points: the root for hosts, '@kupstream/core/building-blocks' for translators.
export default libraryConfig(import.meta.url, {
  entries: { index: 'src/index.ts', 'building-blocks': 'src/building-blocks.ts' },
});
