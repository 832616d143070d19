import assert from 'node:assert/strict';
import { delimiter, join } from 'node:path';
import { loadKubeConfig } from '@kupstream/cluster';
import { connectCluster, defaultLeaseNamespace } from '../src/cluster/cluster-connection.js';
import { StartupError, UsageError } from '../src/errors.js';
import { makeTempDir, type TempDir } from './helpers/temp-dir.js';

const kubeconfig = (server: string, namespace?: string) =>
  [
    'apiVersion: v1',
    'kind: Config',
    'clusters: [{name: c, cluster: {server: "' + server + '", insecure-skip-tls-verify: true}}]',
    'users: [{name: u, user: {token: t}}]',
    `contexts: [{name: x, context: {cluster: c, user: u${namespace ? `, namespace: ${namespace}` : ''}}}]`,
    'current-context: x',
    '',
  ].join('\n');

describe('cluster-connection', () => {
  let dir: TempDir;
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(() => dir.remove());

  it('--kubeconfig first, then the first existing file of $KUBECONFIG', () => {
    const given = dir.write('given.yaml', kubeconfig('https://given.example:6443'));
    const fromEnv = dir.write('env.yaml', kubeconfig('https://env.example:6443'));
    const env = { KUBECONFIG: [join(dir.path, 'missing.yaml'), fromEnv].join(delimiter) };
    assert.equal(
      connectCluster({ kubeconfig: given, writeStatus: false }, 'translate', env).kubeConfig.getCurrentCluster()?.server,
      'https://given.example:6443',
    );
    const connection = connectCluster({ writeStatus: false }, 'translate', env);
    assert.equal(connection.kubeConfig.getCurrentCluster()?.server, 'https://env.example:6443');
    assert.equal(connection.source, fromEnv);
  });

  it('no kubeconfig anywhere and not in a pod: a usage error naming both ways in', () => {
    assert.throws(
      () => connectCluster({ writeStatus: false }, 'serve', {}),
      (error: unknown) =>
        error instanceof UsageError &&
        error.command === 'serve' &&
        /give -f FILE\|DIR\|- to read manifests, or --kubeconfig FILE/.test(error.message),
    );
  });

  it('an unusable kubeconfig or in-cluster setup: a startup error (exit 2) with the reason', () => {
    assert.throws(
      () => connectCluster({ kubeconfig: join(dir.path, 'nope.yaml'), writeStatus: false }, 'translate', {}),
      (error: unknown) => error instanceof StartupError && /nope\.yaml does not exist/.test(error.message),
    );
    const plain = dir.write('plain-http.yaml', kubeconfig('http://127.0.0.1:1').replace(', insecure-skip-tls-verify: true', ''));
    assert.throws(
      () => connectCluster({ kubeconfig: plain, writeStatus: false }, 'translate', {}),
      (error: unknown) => error instanceof StartupError && /uses http:\/\/ without insecure-skip-tls-verify/.test(error.message),
    );
    const inPod = { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' };
    assert.throws(
      () => connectCluster({ writeStatus: false }, 'serve', inPod),
      (error: unknown) => error instanceof StartupError && /token is missing/.test(error.message),
    );
  });

  it("the Lease namespace: the context's, else the pod's, else default", () => {
    const serviceAccount = join(dir.path, 'serviceaccount');
    const withNamespace = loadKubeConfig(dir.write('ns.yaml', kubeconfig('https://a.example', 'team-a')));
    const without = loadKubeConfig(dir.write('no-ns.yaml', kubeconfig('https://a.example')));
    assert.equal(defaultLeaseNamespace(withNamespace, serviceAccount), 'team-a');
    assert.equal(defaultLeaseNamespace(without, serviceAccount), 'default');
    dir.write('serviceaccount/namespace', 'kupstream\n');
    assert.equal(defaultLeaseNamespace(without, serviceAccount), 'kupstream');
    assert.equal(defaultLeaseNamespace(withNamespace, serviceAccount), 'team-a');
  });
});
