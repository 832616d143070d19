import assert from 'node:assert/strict';
import { MANIFEST_LIMITS } from '../src/manifests/manifest-limits.js';
import { buildSnapshot, LoaderCode } from '@kupstream/core';
import { parseManifestText, type ManifestDocument } from '../src/manifests/yaml-documents.js';

function build(text: string, namespace = 'default') {
  const { documents, problems } = parseManifestText('m.yaml', text);
  assert.deepEqual(problems, []);
  return buildSnapshot(documents, namespace);
}

describe('snapshot-builder: buildSnapshot', () => {
  it('puts each kind in its snapshot list and defaults the namespace like kubectl', () => {
    const { snapshot, diagnostics, objectCount } = build(`apiVersion: v1
kind: Service
metadata: {name: svc}
---
apiVersion: v1
kind: Secret
metadata: {name: s, namespace: other}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: ngrok}
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: ngrok}
---
apiVersion: v1
kind: Namespace
metadata: {name: team-a}
---
apiVersion: ngrok.k8s.ngrok.com/v1alpha1
kind: AgentEndpoint
metadata: {name: aep, namespace: ""}
`);
    assert.deepEqual(diagnostics, []);
    assert.equal(objectCount, 6);
    assert.deepEqual(snapshot.services?.[0]?.metadata, { name: 'svc', namespace: 'default' });
    assert.deepEqual(snapshot.secrets?.[0]?.metadata, { name: 's', namespace: 'other' });
    assert.deepEqual(snapshot.gatewayClasses?.[0]?.metadata, { name: 'ngrok' }, 'cluster-scoped: no namespace');
    assert.deepEqual(snapshot.ingressClasses?.[0]?.metadata, { name: 'ngrok' });
    assert.deepEqual(snapshot.namespaces?.[0]?.metadata, { name: 'team-a' });
    assert.deepEqual(snapshot.agentEndpoints?.[0]?.metadata, { name: 'aep', namespace: 'default' }, 'an empty namespace is no namespace');
  });

  it('uses --namespace for objects without one', () => {
    const { snapshot } = build('apiVersion: v1\nkind: Service\nmetadata: {name: svc}\n', 'team-a');
    assert.equal(snapshot.services?.[0]?.metadata?.namespace, 'team-a');
  });

  it('leaves a metadata that is not a mapping for the translators to report', () => {
    const { snapshot } = build('apiVersion: v1\nkind: Service\nmetadata: oops\n');
    assert.equal((snapshot.services?.[0] as unknown as { metadata: unknown }).metadata, 'oops');
  });

  it('flattens List kinds, nested ones too, and names items by position', () => {
    const { snapshot, diagnostics } = build(`apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Service
  metadata: {name: a}
- apiVersion: v1
  kind: ServiceList
  items:
  - apiVersion: v1
    kind: Service
    metadata: {name: b}
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: d}
`);
    assert.deepEqual(
      snapshot.services?.map((s) => s.metadata?.name),
      ['a', 'b'],
    );
    assert.equal(diagnostics.length, 1);
    assert.equal(diagnostics[0]?.code, LoaderCode.ignoredKind);
    assert.equal(
      diagnostics[0]?.message,
      'm.yaml (document 1, items[2], line 13): apps/v1 Deployment is not a kind kupstream reads; it is not translated',
    );
  });

  it('reports a List whose items is not a list', () => {
    const { diagnostics } = build('apiVersion: v1\nkind: List\nitems: {a: 1}\n');
    assert.equal(diagnostics[0]?.severity, 'error');
    assert.equal(diagnostics[0]?.field, 'items');
    assert.match(diagnostics[0]!.message, /items: expected a list of objects, found a mapping/);
  });

  it('refuses the List that takes a document past the item limit, nested Lists counted, and keeps the others', () => {
    const limit = MANIFEST_LIMITS.listItemsPerDocument;
    const service = (i: number) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: `s${i}` } });
    const half = Math.ceil(limit / 2) + 1;
    const list = (start: number, n: number) => ({
      apiVersion: 'v1',
      kind: 'List',
      items: Array.from({ length: n }, (_, i) => service(start + i)),
    });
    // Built as parsed documents: parsing 100,000 objects of YAML text takes seconds and is not what is tested.
    const document = (index: number, value: unknown): ManifestDocument => ({
      source: 'm.yaml',
      index,
      line: 1,
      value,
      lineOf: () => undefined,
    });
    // Two nested Lists of just over half the limit each: the first is read, the second refused.
    const outer = { apiVersion: 'v1', kind: 'List', items: [list(0, half), list(half, half)] };
    const { snapshot, diagnostics } = buildSnapshot([document(1, outer)], 'default');
    assert.equal(snapshot.services?.length, half);
    const errors = diagnostics.filter((d) => d.severity === 'error');
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.field, 'items');
    assert.match(errors[0]!.message, /document 1, items\[1\].*past 100000 List items; none of them is read \(split the List/);
    // The limit is per document: the same Lists as two documents are both read.
    const twice = buildSnapshot([document(1, list(0, half)), document(2, list(half, half))], 'default');
    assert.equal(twice.snapshot.services?.length, 2 * half);
    assert.equal(twice.diagnostics.filter((d) => d.severity === 'error').length, 0);
  });

  it('reports unknown kinds (info) naming file, document and line', () => {
    const { diagnostics, objectCount } = build(
      'apiVersion: v1\nkind: Service\nmetadata: {name: s}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n',
    );
    assert.equal(objectCount, 1);
    assert.deepEqual(diagnostics, [
      {
        severity: 'info',
        code: 'IgnoredKind',
        resource: { kind: 'Deployment', namespace: 'default', name: 'web' },
        message: 'm.yaml (document 2, line 5): apps/v1 Deployment is not a kind kupstream reads; it is not translated',
      },
    ]);
  });

  it('reports a known kind under an API group it is not read from (warning)', () => {
    const { diagnostics, snapshot } = build('apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata: {name: old}\n');
    assert.equal(snapshot.ingresses, undefined);
    assert.equal(diagnostics[0]?.severity, 'warning');
    assert.equal(diagnostics[0]?.code, LoaderCode.unsupportedApiVersion);
    assert.equal(diagnostics[0]?.field, 'apiVersion');
    assert.match(diagnostics[0]!.message, /Ingress is read from API group networking\.k8s\.io, not from extensions\/v1beta1/);
  });

  it('reports documents that are not objects, or lack apiVersion or kind (errors)', () => {
    const { diagnostics } = build(
      'just a string\n---\n- a\n- b\n---\n42\n---\nkind: Service\nmetadata: {name: s}\n---\napiVersion: v1\nkind: [x]\n',
    );
    assert.deepEqual(
      diagnostics.map((d) => [d.severity, d.code, d.field, d.message]),
      [
        [
          'error',
          'InvalidManifest',
          undefined,
          'm.yaml (document 1, line 1): expected a Kubernetes object (a mapping with apiVersion, kind and metadata), found a string',
        ],
        [
          'error',
          'InvalidManifest',
          undefined,
          'm.yaml (document 2, line 3): expected a Kubernetes object (a mapping with apiVersion, kind and metadata), found a list',
        ],
        [
          'error',
          'InvalidManifest',
          undefined,
          'm.yaml (document 3, line 6): expected a Kubernetes object (a mapping with apiVersion, kind and metadata), found a number',
        ],
        [
          'error',
          'InvalidManifest',
          'apiVersion',
          'm.yaml (document 4, line 8): apiVersion: expected a string such as gateway.networking.k8s.io/v1, found nothing',
        ],
        ['error', 'InvalidManifest', 'kind', 'm.yaml (document 5, line 11): kind: expected a string such as Gateway, found a list'],
      ],
    );
    assert.deepEqual(diagnostics[3]?.resource, { kind: 'Service', namespace: 'default', name: 's' });
  });

  it('skips empty documents without a word', () => {
    const { diagnostics, objectCount } = build('---\n# only a comment\n---\n');
    assert.deepEqual(diagnostics, []);
    assert.equal(objectCount, 0);
  });

  it('keeps the later of two identical objects and says so', () => {
    const { snapshot, diagnostics } = build(
      'apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {type: A}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: default}\nspec: {type: B}\n',
    );
    assert.equal(snapshot.services?.length, 1);
    assert.equal(snapshot.services?.[0]?.spec?.type, 'B');
    assert.equal(diagnostics[0]?.code, LoaderCode.duplicateObject);
    assert.equal(diagnostics[0]?.severity, 'warning');
    assert.equal(
      diagnostics[0]?.message,
      'm.yaml (document 2, line 6) repeats m.yaml (document 1, line 1) with other content; the later one is used, as kubectl apply would leave it',
    );
  });

  it('notes an identical repeat as info only', () => {
    const { snapshot, diagnostics } = build(
      'apiVersion: v1\nkind: Service\nmetadata: {name: s}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: s}\n',
    );
    assert.equal(snapshot.services?.length, 1);
    assert.deepEqual(
      diagnostics.map((d) => [d.severity, d.code, d.message]),
      [['info', 'DuplicateObject', 'm.yaml (document 2, line 5) repeats m.yaml (document 1, line 1) identically']],
    );
  });

  it('never merges objects without a name (the translators report each)', () => {
    const { snapshot } = build('apiVersion: v1\nkind: Service\n---\napiVersion: v1\nkind: Service\n');
    assert.equal(snapshot.services?.length, 2);
  });

  it('does not change the parsed documents', () => {
    const { documents } = parseManifestText('m.yaml', 'apiVersion: v1\nkind: Service\nmetadata: {name: s}\n');
    buildSnapshot(documents, 'default');
    assert.deepEqual(documents[0]?.value, { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' } });
  });

  it('refuses names and namespaces the API server would refuse (a "/" in a namespace, control characters), naming the field', () => {
    const built = build(
      [
        'apiVersion: v1\nkind: Service\nmetadata: {name: ok, namespace: "a/b"}',
        'apiVersion: v1\nkind: Service\nmetadata: {name: "x\\u001b[31m", namespace: default}',
        'apiVersion: v1\nkind: Service\nmetadata: {name: "../etc", namespace: default}',
        'apiVersion: v1\nkind: Service\nmetadata: {name: fine.name-1, namespace: default}',
      ].join('\n---\n'),
    );
    assert.equal(built.objectCount, 1);
    const errors = built.diagnostics.filter((d) => d.code === LoaderCode.invalidManifest);
    assert.deepEqual(
      errors.map((d) => d.field),
      ['metadata.namespace', 'metadata.name', 'metadata.name'],
    );
    assert.match(errors[0]!.message, /metadata\.namespace "a\/b" is not a valid namespace/);
    assert.match(errors[1]!.message, /"x\\u001b\[31m"/);
  });
});
