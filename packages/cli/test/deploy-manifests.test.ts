// deploy/ must be a working installation: every manifest parses, the kustomization
// lists them all, the Deployment runs `kupstream serve` as the CLI parses it, with the
// probes, security context and service account it needs. That the leases Role allows
// every call the leader elector makes is checked in packages/cluster (lease-role.test.ts).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { DEFAULT_SHUTDOWN_TIMEOUT_MS, parseCommandLine } from '../src/args/args.js';
import { LEADER_ELECTION_DEFAULTS } from '@kupstream/cluster';
import { HOST_USER } from '@kupstream/fake-kube-api';

const DEPLOY = fileURLToPath(new URL('../../../deploy/', import.meta.url));
const CLI_PACKAGE = fileURLToPath(new URL('../package.json', import.meta.url));

type Manifest = Record<string, unknown> & {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
};
interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}
interface Role extends Manifest {
  rules: PolicyRule[];
}
interface Binding extends Manifest {
  roleRef: { apiGroup: string; kind: string; name: string };
  subjects: { kind: string; name: string; namespace?: string }[];
}
interface Probe {
  httpGet?: { path?: string; port?: string | number };
}
interface Container {
  name: string;
  image: string;
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath?: string } } }[];
  ports?: { name?: string; containerPort: number }[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: Record<string, unknown>;
}
interface Deployment extends Manifest {
  spec: {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    template: {
      metadata: { labels: Record<string, string> };
      spec: {
        serviceAccountName: string;
        terminationGracePeriodSeconds?: number;
        securityContext?: Record<string, unknown>;
        containers: Container[];
      };
    };
  };
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return yamlFiles(path);
    return /\.ya?ml$/.test(entry.name) ? [path] : [];
  });
}

/** Every deploy/ manifest by path relative to deploy/, each a single YAML document. */
function loadManifests(): Map<string, Manifest> {
  const manifests = new Map<string, Manifest>();
  for (const path of yamlFiles(DEPLOY)) {
    const documents = parseAllDocuments(readFileSync(path, 'utf8'));
    assert.equal(documents.length, 1, `${path}: one document per file`);
    const [document] = documents;
    assert.ok(document);
    assert.deepEqual(
      document.errors.map((e) => e.message),
      [],
      path,
    );
    const value = document.toJS() as Manifest;
    assert.equal(typeof value.apiVersion, 'string', `${path}: apiVersion`);
    assert.equal(typeof value.kind, 'string', `${path}: kind`);
    if (value.kind !== 'Kustomization') assert.equal(typeof value.metadata?.name, 'string', `${path}: metadata.name`);
    manifests.set(relative(DEPLOY, path), value);
  }
  return manifests;
}

function one<T extends Manifest>(manifests: Map<string, Manifest>, kind: string, name?: string): T {
  const found = [...manifests.values()].filter((m) => m.kind === kind && (name === undefined || m.metadata.name === name));
  assert.equal(found.length, 1, `one ${kind}${name ? ` ${name}` : ''} in deploy/`);
  return found[0] as T;
}

/** `$(VAR)` references in args, expanded from the container's literal env as the kubelet does. */
function expandArgs(args: readonly string[], env: Record<string, string>): string[] {
  return args.map((arg) => arg.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string) => env[name] ?? whole));
}

describe('deploy/ manifests', () => {
  const manifests = loadManifests();
  const namespace = one<Manifest>(manifests, 'Namespace').metadata.name;
  const serviceAccount = one<Manifest>(manifests, 'ServiceAccount');
  const deployment = one<Deployment>(manifests, 'Deployment');
  const podSpec = deployment.spec.template.spec;
  const container = podSpec.containers[0];
  const podLabels = deployment.spec.template.metadata.labels;
  const leaseRole = one<Role>(manifests, 'Role');

  it('parse, and the kustomization lists every one of them', () => {
    const kustomization = manifests.get('kustomization.yaml') as (Manifest & { resources: string[] }) | undefined;
    assert.ok(kustomization);
    assert.equal(kustomization.apiVersion, 'kustomize.config.k8s.io/v1beta1');
    const others = [...manifests.keys()].filter((path) => path !== 'kustomization.yaml').sort();
    assert.deepEqual([...kustomization.resources].sort(), others);
    for (const kind of [
      'Namespace',
      'ServiceAccount',
      'ClusterRole',
      'ClusterRoleBinding',
      'Role',
      'RoleBinding',
      'Deployment',
      'Service',
      'PodDisruptionBudget',
    ]) {
      assert.ok(
        [...manifests.values()].some((m) => m.kind === kind),
        `deploy/ has a ${kind}`,
      );
    }
  });

  it('put every namespaced object in kupstream’s namespace, whose ServiceAccount is the user the cluster tests call as', () => {
    for (const [path, manifest] of manifests) {
      if (['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'Kustomization'].includes(manifest.kind))
        assert.equal(manifest.metadata?.namespace, undefined, path);
      else assert.equal(manifest.metadata.namespace, namespace, path);
    }
    assert.equal(HOST_USER, `system:serviceaccount:${namespace}:${serviceAccount.metadata.name}`);
    assert.equal(podSpec.serviceAccountName, serviceAccount.metadata.name);
  });

  it('bind the ClusterRole cluster-wide and the leases Role in the namespace, to the ServiceAccount only', () => {
    const clusterRole = one<Role>(manifests, 'ClusterRole');
    const subject = [{ kind: 'ServiceAccount', name: serviceAccount.metadata.name, namespace }];
    const clusterBinding = one<Binding>(manifests, 'ClusterRoleBinding');
    assert.deepEqual(clusterBinding.roleRef, {
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: clusterRole.metadata.name,
    });
    assert.deepEqual(clusterBinding.subjects, subject);
    const roleBinding = one<Binding>(manifests, 'RoleBinding');
    assert.deepEqual(roleBinding.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: leaseRole.metadata.name });
    assert.deepEqual(roleBinding.subjects, subject);
    assert.equal(roleBinding.metadata.namespace, leaseRole.metadata.namespace);
  });

  it('give the leases Role get/create/update on Leases only, get and update on kupstream’s own Lease only', () => {
    assert.equal(leaseRole.apiVersion, 'rbac.authorization.k8s.io/v1');
    for (const rule of leaseRole.rules) {
      assert.deepEqual(rule.apiGroups, ['coordination.k8s.io'], JSON.stringify(rule));
      assert.deepEqual(rule.resources, ['leases'], JSON.stringify(rule));
      for (const verb of rule.verbs) assert.ok(['get', 'create', 'update'].includes(verb), JSON.stringify(rule));
      // RBAC cannot name an object that does not exist yet, so only create goes unnamed.
      if (!rule.resourceNames?.length) assert.deepEqual(rule.verbs, ['create'], JSON.stringify(rule));
      else assert.deepEqual(rule.resourceNames, [LEADER_ELECTION_DEFAULTS.leaseName], JSON.stringify(rule));
    }
  });

  it('run `kupstream serve` in cluster mode with --write-status and the pod’s namespace for the Lease', () => {
    assert.equal(deployment.spec.replicas, 2);
    assert.equal(podSpec.containers.length, 1);
    assert.ok(container);
    const env = Object.fromEntries((container.env ?? []).map((e) => [e.name, e]));
    assert.equal(env.POD_NAMESPACE?.valueFrom?.fieldRef?.fieldPath, 'metadata.namespace', 'POD_NAMESPACE from the downward API');
    // What the kubelet passes once it has resolved the downward API.
    const command = parseCommandLine(expandArgs(container.args ?? [], { POD_NAMESPACE: namespace }));
    assert.equal(command.name, 'serve');
    if (command.name !== 'serve') return;
    const { flags } = command;
    assert.deepEqual(flags.files, []);
    assert.deepEqual(flags.cluster, { writeStatus: true }, 'in-cluster configuration (no --kubeconfig) and status writing');
    assert.deepEqual(flags.lease, { namespace });
    assert.equal(flags.adminAllowRemote, true);
    assert.equal(flags.logFormat, 'json');
    const ports = Object.fromEntries((container.ports ?? []).map((p) => [p.name, p.containerPort]));
    assert.deepEqual(flags.listen, { host: '0.0.0.0', port: ports.http });
    assert.equal(flags.admin, `0.0.0.0:${ports.admin}`);
    // The kubelet's SIGKILL must not cut the graceful shutdown (drain, then release the Lease).
    assert.equal(flags.shutdownTimeoutMs, DEFAULT_SHUTDOWN_TIMEOUT_MS);
    assert.ok((podSpec.terminationGracePeriodSeconds ?? 30) * 1000 > flags.shutdownTimeoutMs);
    // Workers beyond the CPUs the container may use only compete for them.
    const cpuLimit = String(container.resources?.limits?.cpu ?? '');
    const cores = cpuLimit.endsWith('m') ? Number(cpuLimit.slice(0, -1)) / 1000 : Number(cpuLimit);
    assert.ok(flags.workers >= 1 && flags.workers <= Math.max(1, cores), `--workers ${flags.workers} with a CPU limit of ${cpuLimit}`);
  });

  it('probe /healthz (liveness) and /readyz (readiness) on the admin port, and set requests and limits', () => {
    assert.ok(container);
    assert.deepEqual(
      container.livenessProbe?.httpGet && { path: container.livenessProbe.httpGet.path, port: container.livenessProbe.httpGet.port },
      { path: '/healthz', port: 'admin' },
    );
    assert.deepEqual(
      container.readinessProbe?.httpGet && { path: container.readinessProbe.httpGet.path, port: container.readinessProbe.httpGet.port },
      { path: '/readyz', port: 'admin' },
    );
    assert.ok((container.ports ?? []).some((p) => p.name === 'admin'));
    for (const resource of ['cpu', 'memory']) {
      assert.ok(container.resources?.requests?.[resource], `requests.${resource}`);
      assert.ok(container.resources?.limits?.[resource], `limits.${resource}`);
    }
  });

  it('run as non-root on a read-only root filesystem, without privilege escalation or capabilities, under RuntimeDefault seccomp', () => {
    assert.ok(container);
    const pod = podSpec.securityContext ?? {};
    const own = container.securityContext ?? {};
    assert.equal(pod.runAsNonRoot ?? own.runAsNonRoot, true);
    assert.ok(typeof (own.runAsUser ?? pod.runAsUser) === 'number' && (own.runAsUser ?? pod.runAsUser) !== 0);
    assert.equal(own.readOnlyRootFilesystem, true);
    assert.equal(own.allowPrivilegeEscalation, false);
    assert.deepEqual(own.capabilities, { drop: ['ALL'] });
    assert.deepEqual(own.seccompProfile ?? pod.seccompProfile, { type: 'RuntimeDefault' });
  });

  it('select the Deployment’s pods from the Service and the PodDisruptionBudget (minAvailable 1), by named ports', () => {
    assert.deepEqual(deployment.spec.selector.matchLabels, podLabels);
    const service = one<Manifest & { spec: { selector: Record<string, string>; ports: { name: string; targetPort: string }[] } }>(
      manifests,
      'Service',
    );
    assert.deepEqual(service.spec.selector, podLabels);
    const portNames = new Set((container?.ports ?? []).map((p) => p.name));
    assert.deepEqual(service.spec.ports.map((p) => p.targetPort).sort(), ['admin', 'http']);
    for (const port of service.spec.ports) assert.ok(portNames.has(port.targetPort), port.targetPort);
    const pdb = one<Manifest & { spec: { minAvailable: number; selector: { matchLabels: Record<string, string> } } }>(
      manifests,
      'PodDisruptionBudget',
    );
    assert.equal(pdb.spec.minAvailable, 1);
    assert.deepEqual(pdb.spec.selector.matchLabels, podLabels);
  });

  it('name an image built by deploy/Dockerfile: the CLI’s bin, as the numeric non-root user the pod runs as', () => {
    const dockerfile = readFileSync(join(DEPLOY, 'Dockerfile'), 'utf8');
    const bin = (JSON.parse(readFileSync(CLI_PACKAGE, 'utf8')) as { bin: Record<string, string> }).bin.kupstream;
    assert.ok(bin);
    const entrypoint = /^ENTRYPOINT (.+)$/m.exec(dockerfile)?.[1];
    assert.ok(entrypoint);
    const [node, ...rest] = JSON.parse(entrypoint) as string[];
    assert.equal(node, 'node');
    assert.equal(rest.pop(), `/opt/kupstream/node_modules/@kupstream/cli/${bin.replace(/^\.\//, '')}`);
    // Only Node's own flags between them (the bench starts serve with the same ones).
    for (const flag of rest) assert.match(flag, /^--[a-z-]+(=\S+)?$/);
    const user = /^USER (\d+):(\d+)$/m.exec(dockerfile);
    assert.ok(user, 'a numeric USER, so the kubelet can check runAsNonRoot');
    assert.equal(Number(user[1]), (podSpec.securityContext ?? {}).runAsUser);
    assert.match(dockerfile, /^FROM node:20-slim$/m);
  });
});
