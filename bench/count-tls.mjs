// Preloaded into the `kupstream serve` under test (node --import): counts SecureContext
// builds and TLS client connections in that process, so the suite can show that upstream
// connections share contexts instead of building one each. The counts are written to
// $KUPSTREAM_BENCH_TLS_COUNTS (JSON) when they change (checked once a second) and on exit.
import { writeFileSync } from 'node:fs';
import tls from 'node:tls';

const out = process.env.KUPSTREAM_BENCH_TLS_COUNTS;
if (out) {
  const counts = { secureContexts: 0, tlsConnects: 0 };
  // Node's own tls.connect() calls tls.createSecureContext through this same module object
  // when no context is passed, so those builds are counted too.
  const createSecureContext = tls.createSecureContext;
  tls.createSecureContext = function (...args) {
    counts.secureContexts++;
    return Reflect.apply(createSecureContext, this, args);
  };
  const connect = tls.connect;
  tls.connect = function (...args) {
    counts.tlsConnects++;
    return Reflect.apply(connect, this, args);
  };
  let written = '';
  const flush = () => {
    const json = JSON.stringify(counts);
    if (json !== written) writeFileSync(out, (written = json));
  };
  setInterval(flush, 1000).unref();
  process.on('exit', flush);
}
