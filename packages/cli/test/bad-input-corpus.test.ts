// Malformed input through the whole CLI (in-process, all three translators): text that
// cannot be parsed is refused with exit 2 and its position; anything that parses is
// translated (exit 0) with diagnostics. Never an internal error, never a stack trace.
import assert from 'node:assert/strict';
import type { TranslationModel } from '@kupstream/core';
import { runCli } from '../src/run-cli.js';
import { memoryIo } from './helpers/memory-io.js';
import { makeTempDir, type TempDir } from './helpers/temp-dir.js';

const gateway = (spec: string) => `apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw}\nspec: ${spec}\n`;
const route = (spec: string) => `apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r}\nspec: ${spec}\n`;
const ingress = (spec: string) => `apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: i}\nspec: ${spec}\n`;
const agentEndpoint = (spec: string) =>
  `apiVersion: ngrok.k8s.ngrok.com/v1alpha1\nkind: AgentEndpoint\nmetadata: {name: a}\nspec: ${spec}\n`;
const secret = (data: string) => `apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ntype: kubernetes.io/tls\ndata: ${data}\n`;
const service = (annotations: string, ports: string) =>
  `apiVersion: v1\nkind: Service\nmetadata:\n  name: svc\n  annotations: ${annotations}\nspec:\n  ports: ${ports}\n`;

/** Parses, so it is translated: the output is JSON and says what is wrong. */
const DIAGNOSED: Record<string, string> = {
  'wrong types in a Gateway': gateway('{gatewayClassName: 5, listeners: "many", backendTLS: {clientCertificateRef: [1, 2]}}'),
  'nulls in a Gateway': gateway('{gatewayClassName: ngrok, listeners: [null, {name: null, port: null, protocol: null}]}'),
  'wrong types in an HTTPRoute': route(
    '{parentRefs: "gw", hostnames: 7, rules: [{matches: "all", backendRefs: [{name: 3, port: "443"}]}]}',
  ),
  'nested garbage in an HTTPRoute': route('{parentRefs: [{name: gw}], rules: [[[]], {filters: {a: {b: {c: []}}}}]}'),
  'wrong types in an Ingress': ingress('{ingressClassName: [], rules: [{host: 1, http: {paths: "/"}}], defaultBackend: 5}'),
  'wrong types in an AgentEndpoint': agentEndpoint('{url: 8080.5, upstream: "x", clientCertificateRefs: {name: s}, bindings: [1, 2]}'),
  'an AgentEndpoint with no spec': 'apiVersion: ngrok.k8s.ngrok.com/v1alpha1\nkind: AgentEndpoint\nmetadata: {name: a}\n',
  'objects without metadata': 'apiVersion: v1\nkind: Service\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nspec: {}\n',
  'metadata of the wrong type':
    'apiVersion: v1\nkind: Service\nmetadata: [a, b]\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: 5, namespace: {}}\n',
  'invalid base64 and PEM in a Secret referenced by a Gateway':
    secret(
      '{tls.crt: "!!!not base64!!!", tls.key: "LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCmdhcmJhZ2UKLS0tLS1FTkQgUFJJVkFURSBLRVktLS0tLQo="}',
    ) +
    '---\n' +
    gateway(
      '{gatewayClassName: ngrok, backendTLS: {clientCertificateRef: {name: s}}, listeners: [{name: l, hostname: a.example, port: 443, protocol: HTTPS}]}',
    ),
  'invalid JSON in the app-protocols annotation':
    service(`{k8s.ngrok.com/app-protocols: '{"https-port": '}`, '[{name: https-port, port: 443}]') +
    '---\n' +
    ingress(
      '{ingressClassName: ngrok, rules: [{host: a.example, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: svc, port: {number: 443}}}}]}}]}',
    ),
  'scalars and lists as documents': '42\n---\n- a\n- b\n---\n"text"\n',
  'unknown kinds and versions':
    'apiVersion: example.com/v9\nkind: Widget\nmetadata: {name: w}\n---\napiVersion: gateway.networking.k8s.io/v9\nkind: Gateway\nmetadata: {name: g}\n---\napiVersion: extensions/v1beta1\nkind: Ingress\nmetadata: {name: old}\n',
};

/** Parses and holds nothing wrong enough to report. */
const QUIET: Record<string, string> = {
  'a huge string': `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${'x'.repeat(1_000_000)}\n`,
  'empty documents only': '---\n---\n# nothing\n',
};

/** Does not parse: refused with exit 2, the file and line named. */
const REFUSED: Record<string, string | Buffer> = {
  'a YAML syntax error': 'apiVersion: v1\nkind: Service\nmetadata:\n  name: [a\n',
  'a tab used for indentation': 'metadata:\n\tname: x\n',
  'an unterminated quoted string': 'apiVersion: "v1\nkind: Service\n',
  'invalid JSON': '{"apiVersion": "v1", "kind": "Service",, }',
  'a binary file': Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03]),
};

describe('bad input corpus (runCli, all translators)', () => {
  let dir: TempDir;
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(() => dir.remove());

  const translated = [
    ...Object.entries(DIAGNOSED).map(([name, text]) => ({ name, text, diagnosed: true })),
    ...Object.entries(QUIET).map(([name, text]) => ({ name, text, diagnosed: false })),
  ];
  for (const { name, text, diagnosed } of translated) {
    it(`translates ${name}${diagnosed ? ', reporting instead of failing' : ''}`, async () => {
      dir.write('input.yaml', text);
      const io = memoryIo();
      const code = await runCli(['translate', '-f', dir.path, '--now', '2026-06-01T00:00:00Z'], io);
      assert.equal(code, 0, `exit ${code}; stderr: ${io.stderrText()}`);
      assert.equal(io.stderrText(), '');
      const model = JSON.parse(io.stdoutText()) as TranslationModel;
      if (diagnosed) assert.ok(model.diagnostics.length > 0, `no diagnostic for ${name}`);
    });
  }

  for (const [name, content] of Object.entries(REFUSED)) {
    it(`refuses ${name} with exit 2, naming the file and the position`, async () => {
      const file = dir.write('input.yaml', content);
      const io = memoryIo();
      const code = await runCli(['translate', '-f', file], io);
      assert.equal(code, 2, `exit ${code}; stderr: ${io.stderrText()}`);
      assert.equal(io.stdoutText(), '');
      const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      assert.match(
        io.stderrText(),
        new RegExp(`^kupstream: cannot parse ${escaped}( \\(document \\d+, line \\d+(, column \\d+)?\\))?: \\S`),
      );
      assert.doesNotMatch(io.stderrText(), /\n\s+at |internal error/);
    });
  }
});
