// Only undici's Pool and Client are loaded, by their module paths (undici is pinned):
// the package root loads all of undici (fetch, WebSocket, caches, mocks), about 3 MiB of
// heap the proxy never uses. Measured: less live heap also lowers the peak RSS, which
// V8 lets grow to a multiple of the live heap between full collections.
declare module 'undici/lib/dispatcher/pool.js' {
  import { Pool } from 'undici';
  export = Pool;
}

declare module 'undici/lib/dispatcher/client.js' {
  import { Client } from 'undici';
  export = Client;
}
