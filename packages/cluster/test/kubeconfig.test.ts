import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { contextNamespace, KubeConfigError, loadKubeConfig, SERVICE_ACCOUNT_DIR } from '../src/index.js';

describe('loadKubeConfig', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kupstream-kubeconfig-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const write = (text: string): string => {
    const path = join(dir, 'config');
    writeFileSync(path, text);
    return path;
  };
  const config = (server: string, skip: boolean, namespace?: string) =>
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: c',
      '  cluster:',
      `    server: ${server}`,
      ...(skip ? ['    insecure-skip-tls-verify: true'] : []),
      'users:',
      '- name: u',
      '  user: {token: t}',
      'contexts:',
      '- name: x',
      '  context:',
      '    cluster: c',
      '    user: u',
      ...(namespace ? [`    namespace: ${namespace}`] : []),
      'current-context: x',
    ].join('\n');

  it('loads a kubeconfig file and its context namespace', () => {
    const kc = loadKubeConfig(write(config('https://10.0.0.1:6443', false, 'edge')));
    assert.equal(kc.getCurrentCluster()?.server, 'https://10.0.0.1:6443');
    assert.equal(contextNamespace(kc), 'edge');
  });

  it('says clearly what is wrong with a file it cannot use', () => {
    assert.throws(
      () => loadKubeConfig(join(dir, 'missing')),
      (e: unknown) => e instanceof KubeConfigError && /does not exist/.test(e.message),
    );
    assert.throws(() => loadKubeConfig(write(config('http://127.0.0.1:8080', false))), /insecure-skip-tls-verify/);
    assert.throws(
      () => loadKubeConfig(write(config('https://h', false).replace('current-context: x', 'current-context: nope'))),
      /no current context/,
    );
    assert.throws(() => loadKubeConfig(write('clusters: [')), /cannot be read/);
  });

  it('uses the pod service account when no file is given inside a pod', () => {
    const root = join(dir, 'pod');
    mkdirSync(join(root, SERVICE_ACCOUNT_DIR), { recursive: true });
    writeFileSync(join(root, SERVICE_ACCOUNT_DIR, 'token'), 'sa-token');
    writeFileSync(join(root, SERVICE_ACCOUNT_DIR, 'namespace'), 'kupstream');
    const before = process.env.KUBERNETES_SERVICE_HOST;
    const kc = loadKubeConfig(undefined, {
      env: { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' },
      inClusterRoot: root,
    });
    assert.equal(kc.getCurrentCluster()?.server, 'https://[fd00::1]:443');
    assert.equal(kc.getCurrentCluster()?.caFile, join(root, SERVICE_ACCOUNT_DIR, 'ca.crt'));
    assert.equal(contextNamespace(kc), 'kupstream');
    assert.equal(process.env.KUBERNETES_SERVICE_HOST, before, 'the process environment is left as it was');
  });

  it('refuses to guess outside a pod', () => {
    assert.throws(() => loadKubeConfig(undefined, { env: {} }), /not running in a pod.*--kubeconfig/);
    assert.throws(
      () =>
        loadKubeConfig(undefined, {
          env: { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' },
          inClusterRoot: join(dir, 'nothing'),
        }),
      /token is missing/,
    );
  });
});
