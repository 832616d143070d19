// Manifests that parse but have the wrong shape: one file per case, each breaking one
// thing, each object named after its case so its diagnostics can be told apart. The
// expectation is what the input broke (the object and the field), never a copy of output.
import { tlsSecret } from '@kupstream/test-pki';

export interface Expected {
  kind: string;
  namespace?: string;
  name: string;
  /** The diagnostic's `field` must match. */
  field: RegExp;
  /** And, when given, its message (e.g. a Service problem reported on the Ingress that uses it). */
  message?: RegExp;
}

export interface ShapeCase {
  text: string;
  expect: Expected[];
}

const GW = 'apiVersion: gateway.networking.k8s.io/v1';
const NET = 'apiVersion: networking.k8s.io/v1';
const AE = 'apiVersion: ngrok.k8s.ngrok.com/v1alpha1';

const gateway = (name: string, spec: string) => `${GW}\nkind: Gateway\nmetadata: {name: ${name}}\nspec: ${spec}\n`;
const listeners = (name: string) => `[{name: web, hostname: ${name}.example.com, port: 443, protocol: HTTPS}]`;
const route = (name: string, spec: string) => `${GW}\nkind: HTTPRoute\nmetadata: {name: ${name}}\nspec: ${spec}\n`;
const ingress = (name: string, spec: string) => `${NET}\nkind: Ingress\nmetadata: {name: ${name}}\nspec: ${spec}\n`;
const agentEndpoint = (name: string, spec: string) => `${AE}\nkind: AgentEndpoint\nmetadata: {name: ${name}}\nspec: ${spec}\n`;
const service = (name: string, annotations = '{}') =>
  `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\n  annotations: ${annotations}\nspec:\n  ports: [{name: https, port: 443}, {name: http, port: 80}]\n`;
const doc = (...parts: string[]) => parts.join('---\n');
const ref = (kind: string, name: string, field: RegExp, message?: RegExp): Expected => ({
  kind,
  namespace: 'default',
  name,
  field,
  ...(message ? { message } : {}),
});

/** Ingress rule with one path to `svc`. */
const rule = (host: string, svc: string, port = 80) =>
  `[{host: ${host}, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: ${svc}, port: {number: ${port}}}}}]}}]`;

/** Secrets whose material is broken, each referenced by a Gateway so it is read. */
export function secretCases(pki: { certPem: string; keyPem: string; otherKeyPem: string }): Record<string, ShapeCase> {
  const good = tlsSecret('x', pki);
  const secret = (name: string, data: Record<string, string>) => JSON.stringify({ ...good, metadata: { name }, data }) + '\n';
  const referenced = (name: string, data: Record<string, string>) =>
    doc(
      secret(name, data),
      gateway(
        `gw-${name}`,
        `{gatewayClassName: ngrok, tls: {backend: {clientCertificateRef: {name: ${name}}}}, listeners: ${listeners(name)}}`,
      ),
      route(`r-${name}`, `{parentRefs: [{name: gw-${name}}], rules: [{backendRefs: [{name: svc-${name}, port: 443}]}]}`),
      service(`svc-${name}`, `{k8s.ngrok.com/app-protocols: '{"https":"HTTPS"}'}`),
    );
  const expectGateway = (name: string) => [ref('Gateway', `gw-${name}`, /^spec\.tls\.backend\.clientCertificateRef/)];
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  return {
    'a Secret whose tls.crt is not base64': {
      text: referenced('s-not-base64', { ...good.data, 'tls.crt': '!!!not base64!!!' }),
      expect: expectGateway('s-not-base64'),
    },
    'a Secret whose tls.crt is base64 of garbage PEM': {
      text: referenced('s-garbage-pem', {
        ...good.data,
        'tls.crt': b64('-----BEGIN CERTIFICATE-----\nnot der\n-----END CERTIFICATE-----\n'),
      }),
      expect: expectGateway('s-garbage-pem'),
    },
    'a Secret whose tls.key is truncated': {
      text: referenced('s-key-truncated', { ...good.data, 'tls.key': b64(pki.keyPem.slice(0, 200)) }),
      expect: expectGateway('s-key-truncated'),
    },
    'a Secret whose tls.key belongs to another certificate': {
      text: referenced('s-key-mismatch', { ...good.data, 'tls.key': b64(pki.otherKeyPem) }),
      expect: expectGateway('s-key-mismatch'),
    },
    'a Secret whose certificate and key are swapped': {
      text: referenced('s-swapped', { 'tls.crt': good.data['tls.key'], 'tls.key': good.data['tls.crt'] }),
      expect: expectGateway('s-swapped'),
    },
    'a Secret whose tls.key is missing': {
      text: referenced('s-no-key', { 'tls.crt': good.data['tls.crt'] }),
      expect: expectGateway('s-no-key'),
    },
  };
}

export const SHAPE_CASES: Record<string, ShapeCase> = {
  // Gateway API
  'a Gateway whose listeners is a string': {
    text: gateway('gw-listeners-string', '{gatewayClassName: ngrok, listeners: "many"}'),
    expect: [ref('Gateway', 'gw-listeners-string', /^spec\.listeners/)],
  },
  'a Gateway whose listener port is a string': {
    text: gateway(
      'gw-port-string',
      '{gatewayClassName: ngrok, listeners: [{name: web, hostname: a.example.com, port: "443", protocol: HTTPS}]}',
    ),
    expect: [ref('Gateway', 'gw-port-string', /^spec\.listeners\[0\]\.port/)],
  },
  'a Gateway whose listener is null': {
    text: gateway('gw-listener-null', '{gatewayClassName: ngrok, listeners: [null]}'),
    expect: [ref('Gateway', 'gw-listener-null', /^spec\.listeners\[0\]/)],
  },
  'a Gateway whose class name is a number': {
    text: gateway('gw-class-number', `{gatewayClassName: 5, listeners: ${listeners('gw-class-number')}}`),
    expect: [ref('Gateway', 'gw-class-number', /^spec\.gatewayClassName/)],
  },
  'a Gateway whose client certificate ref is a list': {
    text: gateway(
      'gw-certref-list',
      `{gatewayClassName: ngrok, tls: {backend: {clientCertificateRef: [1, 2]}}, listeners: ${listeners('gw-certref-list')}}`,
    ),
    expect: [ref('Gateway', 'gw-certref-list', /^spec\.tls\.backend\.clientCertificateRef/)],
  },
  'a Gateway with a huge listener hostname': {
    text: gateway(
      'gw-huge-hostname',
      `{gatewayClassName: ngrok, listeners: [{name: web, hostname: ${'a'.repeat(300_000)}.example.com, port: 443, protocol: HTTPS}]}`,
    ),
    expect: [ref('Gateway', 'gw-huge-hostname', /^spec\.listeners\[0\]\.hostname/)],
  },
  'an HTTPRoute whose parentRefs is a string': {
    text: route('r-parentrefs-string', '{parentRefs: "gw", rules: []}'),
    expect: [ref('HTTPRoute', 'r-parentrefs-string', /^spec\.parentRefs/)],
  },
  'an HTTPRoute whose hostnames is a number': {
    text: doc(
      gateway('gw-for-hostnames', `{gatewayClassName: ngrok, listeners: ${listeners('gw-for-hostnames')}}`),
      route('r-hostnames-number', '{parentRefs: [{name: gw-for-hostnames}], hostnames: 7, rules: []}'),
    ),
    expect: [ref('HTTPRoute', 'r-hostnames-number', /^spec\.hostnames/)],
  },
  'an HTTPRoute whose backend port is a string': {
    text: doc(
      gateway('gw-for-port', `{gatewayClassName: ngrok, listeners: ${listeners('gw-for-port')}}`),
      route('r-port-string', '{parentRefs: [{name: gw-for-port}], rules: [{backendRefs: [{name: svc-port, port: "443"}]}]}'),
      service('svc-port'),
    ),
    expect: [ref('HTTPRoute', 'r-port-string', /^spec\.rules\[0\]\.backendRefs\[0\]\.port/)],
  },
  'an HTTPRoute whose matches is a string': {
    text: doc(
      gateway('gw-for-matches', `{gatewayClassName: ngrok, listeners: ${listeners('gw-for-matches')}}`),
      route(
        'r-matches-string',
        '{parentRefs: [{name: gw-for-matches}], rules: [{matches: "all", backendRefs: [{name: svc-matches, port: 80}]}]}',
      ),
      service('svc-matches'),
    ),
    expect: [ref('HTTPRoute', 'r-matches-string', /^spec\.rules\[0\]\.matches/)],
  },
  'an HTTPRoute whose rule is a nested list': {
    text: doc(
      gateway('gw-for-nested', `{gatewayClassName: ngrok, listeners: ${listeners('gw-for-nested')}}`),
      route('r-nested', '{parentRefs: [{name: gw-for-nested}], rules: [[[]]]}'),
    ),
    expect: [ref('HTTPRoute', 'r-nested', /^spec\.rules\[0\]/)],
  },
  'an HTTPRoute whose first rule is a number, before a valid rule': {
    text: doc(
      gateway('gw-for-scalar-rule', `{gatewayClassName: ngrok, listeners: ${listeners('gw-for-scalar-rule')}}`),
      route('r-scalar-rule', '{parentRefs: [{name: gw-for-scalar-rule}], rules: [5, {backendRefs: [{name: svc-scalar-rule, port: 80}]}]}'),
      service('svc-scalar-rule'),
    ),
    expect: [ref('HTTPRoute', 'r-scalar-rule', /^spec\.rules\[0\]/)],
  },
  'a BackendTLSPolicy whose targetRefs is a number': {
    text: `${GW}\nkind: BackendTLSPolicy\nmetadata: {name: p-targetrefs}\nspec: {targetRefs: 5, validation: {hostname: a.example.com, wellKnownCACertificates: System}}\n`,
    expect: [ref('BackendTLSPolicy', 'p-targetrefs', /^spec\.targetRefs/)],
  },
  // Ingress
  'an Ingress whose rules is a mapping': {
    text: ingress('i-rules-mapping', '{ingressClassName: ngrok, rules: {host: x.example.com}}'),
    expect: [ref('Ingress', 'i-rules-mapping', /^spec\.rules/)],
  },
  'an Ingress whose host is a number': {
    text: doc(ingress('i-host-number', `{ingressClassName: ngrok, rules: ${rule('1', 'svc-host')}}`), service('svc-host')),
    expect: [ref('Ingress', 'i-host-number', /^spec\.rules\[0\]\.host/)],
  },
  'an Ingress whose pathType is a number': {
    text: doc(
      ingress(
        'i-pathtype-number',
        '{ingressClassName: ngrok, rules: [{host: pt.example.com, http: {paths: [{path: /, pathType: 5, backend: {service: {name: svc-pt, port: {number: 80}}}}]}}]}',
      ),
      service('svc-pt'),
    ),
    expect: [ref('Ingress', 'i-pathtype-number', /^spec\.rules\[0\]\.http\.paths\[0\]\.pathType/)],
  },
  'an Ingress whose defaultBackend is a number': {
    text: ingress('i-default-number', '{ingressClassName: ngrok, defaultBackend: 5}'),
    expect: [ref('Ingress', 'i-default-number', /^spec\.defaultBackend/)],
  },
  'an Ingress with a huge host': {
    text: doc(
      ingress('i-huge-host', `{ingressClassName: ngrok, rules: ${rule(`${'a.'.repeat(150_000)}example.com`, 'svc-huge')}}`),
      service('svc-huge'),
    ),
    expect: [ref('Ingress', 'i-huge-host', /^spec\.rules\[0\]\.host/)],
  },
  'a Service whose app-protocols annotation is invalid JSON': {
    text: doc(
      ingress('i-bad-annotation', `{ingressClassName: ngrok, rules: ${rule('annotation.example.com', 'svc-bad-annotation', 443)}}`),
      service('svc-bad-annotation', `{k8s.ngrok.com/app-protocols: '{"https": '}`),
    ),
    // Reported on the Ingress that dials the Service (the Service itself gets no status).
    expect: [
      ref(
        'Ingress',
        'i-bad-annotation',
        /^spec\.rules\[0\]\.http\.paths\[0\]\.backend\.service/,
        /svc-bad-annotation.*k8s\.ngrok\.com\/app-protocols/,
      ),
    ],
  },
  'a Service whose canonical app-protocols annotation maps to an unknown protocol': {
    text: doc(
      ingress('i-quic-annotation', `{ingressClassName: ngrok, rules: ${rule('quic.example.com', 'svc-quic', 443)}}`),
      service('svc-quic', `{ngrok.com/app-protocols: '{"https": "QUIC"}'}`),
    ),
    expect: [
      ref('Ingress', 'i-quic-annotation', /^spec\.rules\[0\]\.http\.paths\[0\]\.backend\.service/, /svc-quic.*ngrok\.com\/app-protocols/),
    ],
  },
  // AgentEndpoint
  'an AgentEndpoint whose url is a number': {
    text: agentEndpoint('a-url-number', '{url: 8080.5, upstream: {url: "http://localhost:80"}}'),
    expect: [ref('AgentEndpoint', 'a-url-number', /^spec\.url/)],
  },
  'an AgentEndpoint whose upstream is a string': {
    text: agentEndpoint('a-upstream-string', '{url: "https://a.example.com", upstream: "x"}'),
    expect: [ref('AgentEndpoint', 'a-upstream-string', /^spec\.upstream/)],
  },
  'an AgentEndpoint whose clientCertificateRefs is a mapping': {
    text: agentEndpoint(
      'a-certrefs-mapping',
      '{url: "https://b.example.com", upstream: {url: "https://svc:443"}, clientCertificateRefs: {name: s}}',
    ),
    expect: [ref('AgentEndpoint', 'a-certrefs-mapping', /^spec\.clientCertificateRefs/)],
  },
  'an AgentEndpoint whose bindings are numbers': {
    text: agentEndpoint('a-bindings-numbers', '{url: "https://c.example.com", upstream: {url: "http://svc:80"}, bindings: [1, 2]}'),
    expect: [ref('AgentEndpoint', 'a-bindings-numbers', /^spec\.bindings/)],
  },
  'an AgentEndpoint whose inline traffic policy is invalid JSON': {
    text: agentEndpoint(
      'a-policy-json',
      `{url: "https://d.example.com", upstream: {url: "http://svc:80"}, trafficPolicy: {inline: '{"on_http_request": '}}`,
    ),
    expect: [ref('AgentEndpoint', 'a-policy-json', /^spec\.trafficPolicy/)],
  },
  // Objects that are not quite objects
  'a Gateway without metadata': {
    text: `${GW}\nkind: Gateway\nspec: {gatewayClassName: ngrok}\n`,
    expect: [ref('Gateway', '', /^metadata/)],
  },
  'an HTTPRoute whose metadata is a list': {
    text: `${GW}\nkind: HTTPRoute\nmetadata: [a, b]\nspec: {}\n`,
    expect: [ref('HTTPRoute', '', /^metadata/)],
  },
  'an Ingress whose name is a number': {
    text: `${NET}\nkind: Ingress\nmetadata: {name: 5}\nspec: {ingressClassName: ngrok}\n`,
    expect: [ref('Ingress', '', /^metadata\.name/)],
  },
  'an object without apiVersion': {
    text: 'kind: Gateway\nmetadata: {name: no-api-version}\n',
    expect: [ref('Gateway', 'no-api-version', /^apiVersion$/)],
  },
  'an object without kind': { text: `${GW}\nmetadata: {name: no-kind}\n`, expect: [ref('', 'no-kind', /^kind$/)] },
  // A version of a group kupstream reads, but not one it reads: the object must not pass for v1.
  'a Gateway of an unknown version': {
    text: `apiVersion: gateway.networking.k8s.io/v9\nkind: Gateway\nmetadata: {name: gw-v9}\nspec: {gatewayClassName: ngrok, listeners: ${listeners('gw-v9')}}\n`,
    expect: [ref('Gateway', 'gw-v9', /^apiVersion$/)],
  },
  'a Service of an unknown version': {
    text: doc(
      `apiVersion: v2\nkind: Service\nmetadata: {name: svc-v2}\nspec: {ports: [{name: http, port: 80}]}\n`,
      ingress('i-for-v2', `{ingressClassName: ngrok, rules: ${rule('v2.example.com', 'svc-v2')}}`),
    ),
    expect: [ref('Service', 'svc-v2', /^apiVersion$/)],
  },
  'an Ingress of a removed group': {
    text: `apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata: {name: i-extensions}\n`,
    expect: [ref('Ingress', 'i-extensions', /^apiVersion$/)],
  },
};

/** Documents that are not objects at all: named by file and document in the message. */
export const NON_OBJECT_CASES: Record<string, { text: string; documents: number[] }> = {
  'scalars and lists as documents': { text: '42\n---\n- a\n- b\n---\n"text"\n---\ntrue\n', documents: [1, 2, 3, 4] },
  'an unknown kind': { text: 'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n', documents: [1] },
};

/** Parses to nothing: no output object, no complaint needed. */
export const EMPTY_CASES: Record<string, string> = {
  'empty documents only': '---\n---\n# nothing here\n---\n',
  'an empty file': '',
};
