// The code table of README.md, for the Node/OpenSSL codes the live tests cannot provoke
// on loopback (revocation, unreachable networks, parser errors, OS timeouts).
import assert from 'node:assert/strict';
import { classifyUpstreamError, UpstreamError, type FailureContext } from '../src/index.js';

function nodeError(code: string, message = code): Error {
  return Object.assign(new Error(message), { code });
}

describe('classifyUpstreamError', () => {
  const tls: FailureContext = { phase: 'tls', upstream: 'u', presentedCertificate: true };
  const cases: [string, FailureContext, string, number][] = [
    ['CERT_REVOKED', tls, 'certificate_revoked', 502],
    ['SELF_SIGNED_CERT_IN_CHAIN', tls, 'certificate_untrusted', 502],
    ['EHOSTUNREACH', { phase: 'tcp' }, 'connection_failed', 502],
    ['ETIMEDOUT', { phase: 'tcp' }, 'connect_timeout', 504],
    ['EAI_AGAIN', { phase: 'dns' }, 'dns_failure', 502],
    ['HPE_INVALID_CONSTANT', { phase: 'request' }, 'protocol_error', 502],
    ['ERR_HTTP2_STREAM_ERROR', { phase: 'request' }, 'protocol_error', 502],
    ['ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE', { ...tls, phase: 'request' }, 'client_certificate_rejected', 502],
    ['ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', { phase: 'tls', presentedCertificate: false }, 'client_certificate_required', 502],
    ['ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', { phase: 'tls', presentedCertificate: false }, 'client_certificate_required', 502],
    ['ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', tls, 'protocol_error', 502],
    ['ECONNRESET', { phase: 'tls', presentedCertificate: false }, 'protocol_error', 502],
    ['ECONNRESET', { phase: 'request', established: true }, 'connection_reset', 502],
  ];
  for (const [code, context, expected, status] of cases) {
    it(`${code} in phase ${context.phase}${context.presentedCertificate ? ' with a certificate' : ''} → ${expected}`, () => {
      const err = classifyUpstreamError(nodeError(code), context);
      assert.equal(err.code, expected);
      assert.equal(err.status, status);
      assert.equal(err.causeCode, code);
    });
  }
  it('keeps an UpstreamError as it is and maps "socket hang up" to connection_reset', () => {
    const typed = new UpstreamError('handshake_timeout', 'x', { phase: 'tls' });
    assert.equal(classifyUpstreamError(typed, { phase: 'request' }), typed);
    assert.equal(classifyUpstreamError(new Error('socket hang up'), { phase: 'request' }).code, 'connection_reset');
  });
});
