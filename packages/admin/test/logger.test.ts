import assert from 'node:assert/strict';
import { createSeedPki, tlsSecret, type SeedPki } from '@kupstream/test-pki';
import { createLogger } from '../src/logger.js';

/** A logger writing JSON lines into an array. */
function capture(level: 'info' | 'debug' | 'warn' = 'info') {
  const lines: string[] = [];
  const logger = createLogger({ level, destination: { write: (line: string) => void lines.push(line) } });
  return { logger, lines, text: () => lines.join('') };
}

/** The PEM body lines, so a test fails on any fragment of the key, not only its armour. */
function keyFragments(pem: string): string[] {
  return pem.split('\n').filter((l) => l && !l.startsWith('-----'));
}

describe('admin/logger', () => {
  let pki: SeedPki;
  before(async function () {
    this.timeout(20000);
    pki = await createSeedPki();
  });

  it('writes one JSON object per line with a level label and an ISO time', () => {
    const { logger, lines } = capture();
    logger.info({ upstream: 'default/example-service:443' }, 'dialed');
    logger.debug('hidden at info');
    assert.equal(lines.length, 1);
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.equal(line.level, 'info');
    assert.equal(line.msg, 'dialed');
    assert.equal(line.upstream, 'default/example-service:443');
    assert.match(String(line.time), /^\d{4}-\d\d-\d\dT/);
  });

  it('never writes a private key, however it is passed', () => {
    const { logger, text } = capture('debug');
    const keyPem = pki.client.keyPem;
    logger.info({ credential: { certChainPem: pki.client.certPem, keyPem } }, 'credential loaded');
    logger.info({ keyPem }, 'top level');
    logger.info({ deep: { a: { b: { c: { privateKey: keyPem } } } } }, 'deep');
    logger.info({ note: `oops ${keyPem}` }, 'inside another string');
    logger.info({ secret: tlsSecret('client-cert-secret', pki.client, 'default') }, 'a Secret object');
    logger.info({ tls: { key: keyPem, cert: pki.client.certPem } }, 'tls options');
    logger.warn(`message with the key ${keyPem}`);
    logger.warn('format arg %s', keyPem);
    logger.error({ err: new Error(`failed with ${keyPem}`) }, 'error object');
    logger.child({ keyPem }).info('child bindings');
    logger.info({ list: [{ keyPem }] }, 'in an array');
    const out = text();
    assert.ok(!out.includes('PRIVATE KEY'), 'no PEM armour');
    for (const fragment of keyFragments(keyPem)) assert.ok(!out.includes(fragment), `key fragment ${fragment.slice(0, 12)}… leaked`);
    const base64Key = Buffer.from(keyPem).toString('base64');
    assert.ok(!out.includes(base64Key.slice(0, 60)), 'no base64 of the key (Secret data)');
    // The public parts are still there: redaction is targeted, not a blanket.
    assert.ok(out.includes(keyFragments(pki.client.certPem)[0]!), 'the certificate is logged');
    assert.ok(out.includes('credential loaded') && out.includes('failed with'));
  });

  it('redacts authorization and cookie headers', () => {
    const { logger, text } = capture();
    logger.info({ req: { headers: { authorization: 'Bearer t0ps3cret', cookie: 'sid=c00kie', accept: '*/*' } } }, 'request');
    logger.info({ headers: { 'proxy-authorization': 'Basic cHJveHk=' } }, 'bare headers');
    const out = text();
    for (const secret of ['t0ps3cret', 'c00kie', 'cHJveHk=']) assert.ok(!out.includes(secret), secret);
    assert.ok(out.includes('*/*'));
  });
});
