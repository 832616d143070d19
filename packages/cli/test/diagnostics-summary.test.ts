import assert from 'node:assert/strict';
import type { Diagnostic } from '@kupstream/core';
import { httpEndpointCount, summarizeDiagnostics } from '../src/translate/diagnostics-summary.js';

describe('diagnostics-summary', () => {
  it('counts by severity and lists errors and warnings with resource and field', () => {
    const diagnostics: Diagnostic[] = [
      {
        severity: 'error',
        code: 'InvalidClientCertificateRef',
        resource: { kind: 'Gateway', namespace: 'default', name: 'gw' },
        field: 'spec.backendTLS.clientCertificateRef',
        message: 'Secret default/x not found',
      },
      {
        severity: 'warning',
        code: 'UpstreamNotVerified',
        resource: { kind: 'Service', namespace: 'default', name: 'svc' },
        message: 'not verified',
      },
      {
        severity: 'info',
        code: 'GatewayClassAssumed',
        resource: { kind: 'Gateway', namespace: 'default', name: 'gw' },
        message: 'assumed',
      },
    ];
    assert.deepEqual(summarizeDiagnostics(diagnostics), [
      '3 diagnostics: 1 error, 1 warning, 1 info',
      '  error InvalidClientCertificateRef Gateway default/gw spec.backendTLS.clientCertificateRef: Secret default/x not found',
      '  warning UpstreamNotVerified Service default/svc: not verified',
    ]);
    assert.deepEqual(summarizeDiagnostics([]), ['0 diagnostics: 0 errors, 0 warnings, 0 info']);
  });

  it('counts the endpoints an HTTP listener serves and names the others', () => {
    const endpoint = (url: string) => ({ name: url, url, sources: [], routes: [] });
    assert.deepEqual(
      httpEndpointCount({
        endpoints: [endpoint('https://a.example'), endpoint('http://b.example'), endpoint('tcp://c.example:5432')],
        upstreams: [],
        statuses: [],
        diagnostics: [],
      }),
      { served: 2, notServed: ['tcp://c.example:5432'] },
    );
  });
});
