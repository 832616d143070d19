import { libraryConfig } from '../../tools/rollup-config.mjs';

export default libraryConfig(import.meta.url);
