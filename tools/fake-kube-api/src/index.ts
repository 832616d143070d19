// A small Kubernetes API server for tests (no real one can run on these machines).
// It answers, over plain HTTP on 127.0.0.1, the way kube-apiserver does for what it
// implements: LIST (with limit/continue), WATCH (history by resourceVersion, 410 Gone
// after compaction, timeoutSeconds), GET, POST, PUT, DELETE and PATCH (merge, strategic,
// JSON and apply patches) on objects and on their `status` subresource, with
// optimistic concurrency on `metadata.resourceVersion` (409 Conflict). Leases are an
// ordinary resource here, so leader election can be built and tested on them.
// Every request is recorded (user, verb, resource, path, body) for assertions and RBAC checks.
//
// Deliberate simplifications, each stated where it happens: one storage version per
// resource (a second served version only rewrites apiVersion), server-side apply does
// not track field ownership, label/field selectors are refused with 400.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { parse as parseYaml } from 'yaml';

export interface FakeResource {
  group: string;
  /** Served versions; the first is the storage version. */
  versions: string[];
  plural: string;
  kind: string;
  namespaced: boolean;
  /** Has a `status` subresource: writes to the object ignore `.status`, writes to `/status` only change it. */
  status: boolean;
  /** Sets and bumps `metadata.generation` on spec changes. */
  generation: boolean;
  /** A built-in type: list items carry no apiVersion/kind, and strategic merge patch is accepted. */
  builtIn: boolean;
}

/** What kube-apiserver (with the Gateway API and ngrok CRDs installed) serves, for the kinds kupstream touches. */
export const FAKE_RESOURCES: readonly FakeResource[] = [
  { group: '', versions: ['v1'], plural: 'services', kind: 'Service', namespaced: true, status: true, generation: false, builtIn: true },
  { group: '', versions: ['v1'], plural: 'secrets', kind: 'Secret', namespaced: true, status: false, generation: false, builtIn: true },
  {
    group: '',
    versions: ['v1'],
    plural: 'configmaps',
    kind: 'ConfigMap',
    namespaced: true,
    status: false,
    generation: false,
    builtIn: true,
  },
  {
    group: '',
    versions: ['v1'],
    plural: 'namespaces',
    kind: 'Namespace',
    namespaced: false,
    status: true,
    generation: false,
    builtIn: true,
  },
  {
    group: 'discovery.k8s.io',
    versions: ['v1'],
    plural: 'endpointslices',
    kind: 'EndpointSlice',
    namespaced: true,
    status: false,
    generation: true,
    builtIn: true,
  },
  // As Kubernetes 1.33-1.36 serve it with the beta API turned on (v1 only from 1.37): the host falls back to v1beta1.
  {
    group: 'certificates.k8s.io',
    versions: ['v1beta1'],
    plural: 'clustertrustbundles',
    kind: 'ClusterTrustBundle',
    namespaced: false,
    status: false,
    generation: false,
    builtIn: true,
  },
  {
    group: 'networking.k8s.io',
    versions: ['v1'],
    plural: 'ingresses',
    kind: 'Ingress',
    namespaced: true,
    status: true,
    generation: true,
    builtIn: true,
  },
  {
    group: 'networking.k8s.io',
    versions: ['v1'],
    plural: 'ingressclasses',
    kind: 'IngressClass',
    namespaced: false,
    status: false,
    generation: true,
    builtIn: true,
  },
  {
    group: 'coordination.k8s.io',
    versions: ['v1'],
    plural: 'leases',
    kind: 'Lease',
    namespaced: true,
    status: false,
    generation: false,
    builtIn: true,
  },
  {
    group: 'gateway.networking.k8s.io',
    versions: ['v1'],
    plural: 'gatewayclasses',
    kind: 'GatewayClass',
    namespaced: false,
    status: true,
    generation: true,
    builtIn: false,
  },
  {
    group: 'gateway.networking.k8s.io',
    versions: ['v1'],
    plural: 'gateways',
    kind: 'Gateway',
    namespaced: true,
    status: true,
    generation: true,
    builtIn: false,
  },
  {
    group: 'gateway.networking.k8s.io',
    versions: ['v1'],
    plural: 'httproutes',
    kind: 'HTTPRoute',
    namespaced: true,
    status: true,
    generation: true,
    builtIn: false,
  },
  {
    group: 'gateway.networking.k8s.io',
    versions: ['v1'],
    plural: 'grpcroutes',
    kind: 'GRPCRoute',
    namespaced: true,
    status: true,
    generation: true,
    builtIn: false,
  },
  {
    group: 'gateway.networking.k8s.io',
    versions: ['v1'],
    plural: 'tlsroutes',
    kind: 'TLSRoute',
    namespaced: true,
    status: true,
    generation: true,
    builtIn: false,
  },
  {
    group: 'gateway.networking.k8s.io',
    versions: ['v1'],
    plural: 'tcproutes',
    kind: 'TCPRoute',
    namespaced: true,
    status: true,
    generation: true,
    builtIn: false,
  },
  {
    group: 'gateway.networking.k8s.io',
    versions: ['v1', 'v1alpha3'],
    plural: 'backendtlspolicies',
    kind: 'BackendTLSPolicy',
    namespaced: true,
    status: true,
    generation: true,
    builtIn: false,
  },
  {
    group: 'gateway.networking.k8s.io',
    versions: ['v1beta1'],
    plural: 'referencegrants',
    kind: 'ReferenceGrant',
    namespaced: true,
    status: false,
    generation: true,
    builtIn: false,
  },
  {
    group: 'ngrok.k8s.ngrok.com',
    versions: ['v1alpha1'],
    plural: 'agentendpoints',
    kind: 'AgentEndpoint',
    namespaced: true,
    status: true,
    generation: true,
    builtIn: false,
  },
];

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

export interface RecordedCall {
  /** The authenticated user (from the bearer token), `system:anonymous` without one. */
  user: string;
  method: string;
  /** Path without the query string. */
  path: string;
  query: Record<string, string>;
  contentType?: string;
  /** Parsed request body (JSON, or YAML for apply patches). */
  body?: unknown;
  statusCode: number;
  /** Request attributes as the RBAC authorizer sees them; absent for non-resource paths. */
  resource?: { verb: Verb; group: string; version: string; resource: string; subresource?: string; namespace?: string; name?: string };
}

export type KubeObject = Record<string, unknown> & { metadata: Record<string, unknown> };

export interface FakeApiServerOptions {
  /** Resources this server does not serve (a CRD that is not installed), as `plural.group/version` or `plural.group`. */
  absent?: string[];
  /** Bearer token -> user name. */
  users?: Record<string, string>;
}

export interface Fault {
  method?: string;
  /** Matched against the request path (without query). */
  path?: RegExp;
  /** Fail with this status; or, with `delayMs` alone, answer normally but late. */
  statusCode?: number;
  times: number;
  reason?: string;
  /** Holds the answer this long (a slow or hung API server). */
  delayMs?: number;
}

/** Every call recorded by every fake server in this process (for the RBAC check over the whole run). */
export const allRecordedCalls: RecordedCall[] = [];

export const HOST_TOKEN = 'kupstream-host-token';
export const HOST_USER = 'system:serviceaccount:kupstream:kupstream';
export const ADMIN_TOKEN = 'test-admin-token';

interface Stored {
  resource: FakeResource;
  object: KubeObject;
}
interface HistoryEvent {
  rv: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  resource: FakeResource;
  namespace: string;
  object: KubeObject;
}
interface Watcher {
  resource: FakeResource;
  version: string;
  namespace: string | undefined;
  response: ServerResponse;
}
interface Target {
  resource: FakeResource;
  version: string;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
}

class HttpError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export class FakeApiServer {
  readonly calls: RecordedCall[] = [];
  readonly #server: Server;
  readonly #resources: FakeResource[];
  readonly #users: Record<string, string>;
  readonly #objects = new Map<string, Stored>();
  readonly #history: HistoryEvent[] = [];
  readonly #watchers = new Set<Watcher>();
  readonly #continues = new Map<string, { rv: number; items: KubeObject[]; resource: FakeResource; version: string }>();
  readonly #sockets = new Set<Socket>();
  readonly #faults: Fault[] = [];
  #rv = 1;
  /** Watches from a resourceVersion older than this get 410 Gone. */
  #compactedRv = 1;
  #url = '';

  private constructor(options: FakeApiServerOptions) {
    const absent = new Set(options.absent ?? []);
    this.#resources = FAKE_RESOURCES.flatMap((r) => {
      if (absent.has(`${r.plural}.${r.group}`)) return [];
      const versions = r.versions.filter((v) => !absent.has(`${r.plural}.${r.group}/${v}`));
      return versions.length ? [{ ...r, versions }] : [];
    });
    this.#users = options.users ?? { [HOST_TOKEN]: HOST_USER, [ADMIN_TOKEN]: 'test-admin' };
    this.#server = createServer((req, res) => void this.#handle(req, res));
    this.#server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
  }

  static async start(options: FakeApiServerOptions = {}): Promise<FakeApiServer> {
    const server = new FakeApiServer(options);
    await new Promise<void>((resolve, reject) => {
      server.#server.once('error', reject);
      server.#server.listen(0, '127.0.0.1', () => resolve());
    });
    server.#url = `http://127.0.0.1:${(server.#server.address() as AddressInfo).port}`;
    return server;
  }

  get url(): string {
    return this.#url;
  }

  /** The current resourceVersion (etcd revision). */
  get resourceVersion(): string {
    return String(this.#rv);
  }

  /** Open watch connections. */
  get watchCount(): number {
    return this.#watchers.size;
  }

  /** A kubeconfig (YAML) for this server; `http://` needs `insecure-skip-tls-verify` in client-node 1.4. */
  kubeconfig(options: { token?: string; namespace?: string } = {}): string {
    return [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: fake',
      '  cluster:',
      `    server: ${this.#url}`,
      '    insecure-skip-tls-verify: true',
      'users:',
      '- name: host',
      '  user:',
      `    token: ${options.token ?? HOST_TOKEN}`,
      'contexts:',
      '- name: fake',
      '  context:',
      '    cluster: fake',
      '    user: host',
      ...(options.namespace ? [`    namespace: ${options.namespace}`] : []),
      'current-context: fake',
      '',
    ].join('\n');
  }

  /** Creates or replaces an object as a client would (metadata, generation, resourceVersion set), emitting the watch event. */
  put(object: Record<string, unknown>): KubeObject {
    const { resource } = this.#resourceOfObject(object);
    const meta = isRecord(object.metadata) ? object.metadata : {};
    const namespace = resource.namespaced ? stringOr(meta.namespace, 'default') : undefined;
    const name = stringOr(meta.name, '');
    if (!name) throw new Error('put: metadata.name is required');
    const existing = this.#objects.get(this.#key(resource, namespace, name));
    const next = clone(object) as KubeObject;
    next.metadata = { ...(isRecord(next.metadata) ? next.metadata : {}), name, ...(namespace ? { namespace } : {}) };
    return existing ? this.#update(existing, next, { keepStatus: false }) : this.#create(resource, next);
  }

  /** The stored object (a copy), or undefined. */
  get(apiVersion: string, kind: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const { resource } = this.#resourceOfObject({ apiVersion, kind });
    const stored = this.#objects.get(this.#key(resource, resource.namespaced ? (namespace ?? 'default') : undefined, name));
    return stored ? this.#render(stored.object, resource, apiVersion.includes('/') ? apiVersion.split('/')[1]! : apiVersion) : undefined;
  }

  /** Deletes an object, emitting DELETED. */
  remove(apiVersion: string, kind: string, namespace: string | undefined, name: string): boolean {
    const { resource } = this.#resourceOfObject({ apiVersion, kind });
    const stored = this.#objects.get(this.#key(resource, resource.namespaced ? (namespace ?? 'default') : undefined, name));
    if (!stored) return false;
    this.#delete(stored);
    return true;
  }

  /**
   * Removes a CRD (`plural.group`): its objects are deleted (watchers see DELETED), its
   * watches end, and its paths answer 404 from then on.
   */
  uninstall(name: string): void {
    const resource = this.#resources.find((r) => `${r.plural}.${r.group}` === name);
    if (!resource) throw new Error(`${name} is not served`);
    for (const stored of [...this.#objects.values()]) if (stored.resource === resource) this.#delete(stored);
    this.#resources.splice(this.#resources.indexOf(resource), 1);
    for (const watcher of [...this.#watchers]) {
      if (watcher.resource !== resource) continue;
      watcher.response.end();
      this.#watchers.delete(watcher);
    }
  }

  /** Serves a resource of FAKE_RESOURCES again (a CRD installed later). */
  install(name: string): void {
    const resource = FAKE_RESOURCES.find((r) => `${r.plural}.${r.group}` === name);
    if (!resource) throw new Error(`${name} is not a resource this server knows`);
    if (!this.#resources.some((r) => r.plural === resource.plural && r.group === resource.group))
      this.#resources.push({ ...resource, versions: [...resource.versions] });
  }

  /** Forgets the watch history and list continuations: older resourceVersions now get 410 Gone. */
  compact(): void {
    this.#compactedRv = this.#rv;
    this.#history.length = 0;
    this.#continues.clear();
  }

  /** Cuts every open watch connection without a clean end (a network failure or an apiserver restart). */
  dropWatches(): number {
    const dropped = this.#watchers.size;
    for (const watcher of this.#watchers) watcher.response.socket?.destroy();
    this.#watchers.clear();
    return dropped;
  }

  /** The next `times` requests matching `fault` fail with `statusCode` (after `delayMs`, if set), or are only delayed. */
  failNext(fault: Fault): void {
    this.#faults.push({ ...fault });
  }

  /** Calls whose resource attributes match. */
  callsTo(verb: Verb, resource: string, subresource?: string): RecordedCall[] {
    return this.calls.filter(
      (c) => c.resource?.verb === verb && c.resource.resource === resource && c.resource.subresource === subresource,
    );
  }

  async close(): Promise<void> {
    for (const watcher of this.#watchers) watcher.response.end();
    this.#watchers.clear();
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  // ---- request handling -------------------------------------------------------

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const query = Object.fromEntries(url.searchParams);
    const contentType = req.headers['content-type']?.split(';')[0]?.trim();
    const raw = await readBody(req);
    const call: RecordedCall = {
      user: 'system:anonymous',
      method: req.method ?? 'GET',
      path: url.pathname,
      query,
      statusCode: 0,
      ...(contentType ? { contentType } : {}),
    };
    const finish = (statusCode: number): void => {
      call.statusCode = statusCode;
      this.calls.push(call);
      allRecordedCalls.push(call);
    };
    try {
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      const user = token !== undefined ? this.#users[token] : undefined;
      if (token !== undefined && user === undefined) throw new HttpError(401, 'Unauthorized', 'Unauthorized');
      call.user = user ?? 'system:anonymous';
      // Attributes come from the path alone, before routing, as kube-apiserver authorizes
      // (a request for a resource that is not served is still authorized, then 404s).
      const attributes = requestAttributes(call.method, url.pathname, query);
      if (attributes) call.resource = attributes;
      if (raw.length) call.body = parseBody(raw, contentType);
      const target = this.#route(url.pathname);
      const verb = verbOf(call.method, target, query);
      await this.#injectFault(call);
      for (const param of ['labelSelector', 'fieldSelector']) {
        if (query[param]) throw new HttpError(400, 'BadRequest', `${param} is not supported by the test API server`);
      }
      if (verb === 'watch') {
        this.#watch(target, query, res);
        finish(200);
        return;
      }
      const [status, body] = this.#serve(verb, target, query, call.body, contentType);
      send(res, status, body);
      finish(status);
    } catch (error) {
      const e = error instanceof HttpError ? error : new HttpError(500, 'InternalError', String(error));
      send(res, e.code, statusBody(e));
      finish(e.code);
    }
  }

  async #injectFault(call: RecordedCall): Promise<void> {
    const fault = this.#faults.find((f) => f.times > 0 && (!f.method || f.method === call.method) && (!f.path || f.path.test(call.path)));
    if (!fault) return;
    fault.times--;
    if (fault.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs).unref());
    if (fault.statusCode === undefined) return;
    const reason = fault.reason ?? (fault.statusCode === 409 ? 'Conflict' : fault.statusCode >= 500 ? 'InternalError' : 'BadRequest');
    throw new HttpError(fault.statusCode, reason, `injected ${fault.statusCode} for ${call.method} ${call.path}`);
  }

  #route(path: string): Target {
    const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    let group: string;
    let version: string | undefined;
    let rest: string[];
    if (parts[0] === 'api') [group, version, rest] = ['', parts[1], parts.slice(2)];
    else if (parts[0] === 'apis') [group, version, rest] = [parts[1] ?? '', parts[2], parts.slice(3)];
    else throw notFound();
    const served = (plural: string | undefined) =>
      this.#resources.find((r) => r.group === group && r.plural === plural && version !== undefined && r.versions.includes(version));
    let namespace: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3 && served(rest[2])?.namespaced) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
    const resource = served(rest[0]);
    if (!resource || version === undefined || rest.length > 3) throw notFound();
    const name = rest[1];
    // A namespaced object is only addressed under its namespace.
    if (resource.namespaced && name !== undefined && namespace === undefined) throw notFound();
    const subresource = rest[2];
    if (subresource !== undefined && !(subresource === 'status' && resource.status)) throw notFound();
    return { resource, version, namespace, name, subresource };
  }

  #serve(verb: Verb, t: Target, query: Record<string, string>, body: unknown, contentType: string | undefined): [number, unknown] {
    switch (verb) {
      case 'list':
        return [200, this.#list(t, query)];
      case 'get':
        return [200, this.#render(this.#existing(t).object, t.resource, t.version)];
      case 'create': {
        const object = this.#incoming(t, body);
        if (this.#objects.has(this.#key(t.resource, t.namespace, stringOr(object.metadata.name, '')))) {
          throw new HttpError(409, 'AlreadyExists', `${this.#what(t.resource)} "${String(object.metadata.name)}" already exists`, {
            name: object.metadata.name,
            kind: t.resource.plural,
          });
        }
        const { resourceVersion: _ignored, ...meta } = object.metadata;
        return [201, this.#render(this.#create(t.resource, { ...object, metadata: meta }), t.resource, t.version)];
      }
      case 'update': {
        const stored = this.#existing(t);
        const object = this.#incoming(t, body);
        if (object.metadata.name !== t.name)
          throw new HttpError(400, 'BadRequest', 'the name of the object does not match the name on the URL');
        this.#checkPrecondition(stored, object.metadata.resourceVersion);
        return [200, this.#render(this.#write(stored, object, t.subresource), t.resource, t.version)];
      }
      case 'patch': {
        const stored = this.#existing(t);
        const current = this.#render(stored.object, t.resource, t.version);
        const patched = applyPatch(current, body, contentType, t.resource, query);
        const precondition = isRecord(body) && isRecord(body.metadata) ? body.metadata.resourceVersion : undefined;
        this.#checkPrecondition(stored, precondition);
        return [200, this.#render(this.#write(stored, patched, t.subresource), t.resource, t.version)];
      }
      case 'delete': {
        const stored = this.#existing(t);
        this.#delete(stored);
        return [200, this.#render(stored.object, t.resource, t.version)];
      }
      default:
        throw new HttpError(405, 'MethodNotAllowed', `${verb} is not supported by the test API server`);
    }
  }

  #list(t: Target, query: Record<string, string>): unknown {
    let page: { rv: number; items: KubeObject[] };
    if (query.continue) {
      const saved = this.#continues.get(query.continue);
      if (!saved || saved.resource !== t.resource)
        throw new HttpError(
          410,
          'Expired',
          'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
        );
      this.#continues.delete(query.continue);
      page = saved;
    } else {
      // etcd key order: namespace, then name.
      const items = [...this.#objects.values()]
        .filter((s) => s.resource === t.resource && (t.namespace === undefined || s.object.metadata.namespace === t.namespace))
        .map((s) => s.object)
        .sort(
          (a, b) =>
            compare(stringOr(a.metadata.namespace, ''), stringOr(b.metadata.namespace, '')) ||
            compare(stringOr(a.metadata.name, ''), stringOr(b.metadata.name, '')),
        );
      page = { rv: this.#rv, items };
    }
    const limit = query.limit ? Number(query.limit) : 0;
    const shown = limit > 0 ? page.items.slice(0, limit) : page.items;
    const metadata: Record<string, unknown> = { resourceVersion: String(page.rv) };
    if (shown.length < page.items.length) {
      const token = randomUUID();
      this.#continues.set(token, { rv: page.rv, items: page.items.slice(shown.length), resource: t.resource, version: t.version });
      metadata.continue = token;
      metadata.remainingItemCount = page.items.length - shown.length;
    }
    const apiVersion = apiVersionOf(t.resource, t.version);
    return {
      kind: `${t.resource.kind}List`,
      apiVersion,
      metadata,
      // Built-in types are listed without TypeMeta on the items; custom resources keep it.
      items: shown.map((o) => {
        const rendered = this.#render(o, t.resource, t.version);
        if (!t.resource.builtIn) return rendered;
        const { apiVersion: _a, kind: _k, ...rest } = rendered;
        return rest;
      }),
    };
  }

  #watch(t: Target, query: Record<string, string>, res: ServerResponse): void {
    const from = query.resourceVersion;
    const watcher: Watcher = { resource: t.resource, version: t.version, namespace: t.namespace, response: res };
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    if (from && from !== '0') {
      const rv = Number(from);
      if (!Number.isInteger(rv) || rv < this.#compactedRv) {
        // The real server answers 200 and sends one ERROR event, then ends the stream.
        res.end(
          JSON.stringify({
            type: 'ERROR',
            object: { ...statusBody(new HttpError(410, 'Expired', `too old resource version: ${from} (${this.#compactedRv})`)) },
          }) + '\n',
        );
        return;
      }
      for (const event of this.#history)
        if (event.rv > rv && this.#matches(watcher, event)) this.#sendEvent(watcher, event.type, event.object);
    } else {
      // No resourceVersion (or "0"): synthetic ADDED for the current state, then changes.
      for (const stored of this.#objects.values()) {
        if (this.#matches(watcher, { resource: stored.resource, namespace: stringOr(stored.object.metadata.namespace, '') }))
          this.#sendEvent(watcher, 'ADDED', stored.object);
      }
    }
    this.#watchers.add(watcher);
    const timeout = Number(query.timeoutSeconds ?? 0);
    const timer = timeout > 0 ? setTimeout(() => res.end(), timeout * 1000) : undefined;
    timer?.unref();
    res.on('close', () => {
      if (timer) clearTimeout(timer);
      this.#watchers.delete(watcher);
    });
  }

  #matches(watcher: Pick<Watcher, 'resource' | 'namespace'>, event: { resource: FakeResource; namespace: string }): boolean {
    return watcher.resource === event.resource && (watcher.namespace === undefined || watcher.namespace === event.namespace);
  }

  #sendEvent(watcher: Watcher, type: string, object: KubeObject): void {
    watcher.response.write(JSON.stringify({ type, object: this.#render(object, watcher.resource, watcher.version) }) + '\n');
  }

  #emit(type: HistoryEvent['type'], resource: FakeResource, object: KubeObject): void {
    const event: HistoryEvent = { rv: this.#rv, type, resource, namespace: stringOr(object.metadata.namespace, ''), object };
    this.#history.push(event);
    for (const watcher of this.#watchers) if (this.#matches(watcher, event)) this.#sendEvent(watcher, type, object);
  }

  // ---- storage ---------------------------------------------------------------

  #create(resource: FakeResource, object: KubeObject): KubeObject {
    this.#rv++;
    const stored: KubeObject = {
      ...clone(object),
      metadata: {
        ...object.metadata,
        uid: randomUUID(),
        resourceVersion: String(this.#rv),
        creationTimestamp: stringOr(object.metadata.creationTimestamp, new Date().toISOString().replace(/\.\d+Z$/, 'Z')),
        ...(resource.generation ? { generation: 1 } : {}),
      },
    };
    this.#objects.set(
      this.#key(resource, resource.namespaced ? stringOr(object.metadata.namespace, '') : undefined, stringOr(object.metadata.name, '')),
      { resource, object: stored },
    );
    this.#emit('ADDED', resource, stored);
    return stored;
  }

  /** Writes through the object or its status subresource, with the real split between the two. */
  #write(stored: Stored, incoming: KubeObject, subresource: string | undefined): KubeObject {
    if (subresource === 'status') {
      const next = { ...stored.object, ...(incoming.status !== undefined ? { status: incoming.status } : {}) } as KubeObject;
      if (incoming.status === undefined) delete next.status;
      return this.#update(stored, next, { keepStatus: false });
    }
    return this.#update(stored, incoming, { keepStatus: stored.resource.status });
  }

  #update(stored: Stored, incoming: KubeObject, { keepStatus }: { keepStatus: boolean }): KubeObject {
    const previous = stored.object;
    const next: KubeObject = { ...clone(incoming), metadata: { ...clone(incoming.metadata) } };
    if (keepStatus) {
      if (previous.status === undefined) delete next.status;
      else next.status = clone(previous.status);
    }
    // Identity fields are the server's.
    for (const field of ['uid', 'creationTimestamp', 'generation', 'namespace', 'name']) {
      if (previous.metadata[field] === undefined) delete next.metadata[field];
      else next.metadata[field] = previous.metadata[field];
    }
    next.apiVersion = previous.apiVersion;
    next.kind = previous.kind;
    next.metadata.resourceVersion = previous.metadata.resourceVersion;
    if (sameJson(next, previous)) return previous; // a no-op write keeps the resourceVersion, as in the real server
    if (stored.resource.generation && !sameJson(withoutMetaAndStatus(next), withoutMetaAndStatus(previous))) {
      next.metadata.generation = (typeof previous.metadata.generation === 'number' ? previous.metadata.generation : 0) + 1;
    }
    this.#rv++;
    next.metadata.resourceVersion = String(this.#rv);
    stored.object = next;
    this.#emit('MODIFIED', stored.resource, next);
    return next;
  }

  #delete(stored: Stored): void {
    this.#rv++;
    const meta = stored.object.metadata;
    this.#objects.delete(
      this.#key(stored.resource, stored.resource.namespaced ? stringOr(meta.namespace, '') : undefined, stringOr(meta.name, '')),
    );
    this.#emit('DELETED', stored.resource, { ...stored.object, metadata: { ...meta, resourceVersion: String(this.#rv) } });
  }

  #checkPrecondition(stored: Stored, resourceVersion: unknown): void {
    if (resourceVersion === undefined || resourceVersion === null || resourceVersion === '') return;
    if (resourceVersion !== stored.object.metadata.resourceVersion) {
      throw new HttpError(
        409,
        'Conflict',
        `Operation cannot be fulfilled on ${this.#what(stored.resource)} "${String(stored.object.metadata.name)}": the object has been modified; please apply your changes to the latest version and try again`,
        { name: stored.object.metadata.name, kind: stored.resource.plural },
      );
    }
  }

  #existing(t: Target): Stored {
    const stored = t.name !== undefined ? this.#objects.get(this.#key(t.resource, t.namespace, t.name)) : undefined;
    if (!stored)
      throw new HttpError(404, 'NotFound', `${this.#what(t.resource)} "${t.name ?? ''}" not found`, {
        name: t.name,
        kind: t.resource.plural,
      });
    return stored;
  }

  #incoming(t: Target, body: unknown): KubeObject {
    if (!isRecord(body) || !isRecord(body.metadata)) throw new HttpError(400, 'BadRequest', 'the request body is not a Kubernetes object');
    const { kind } = body;
    if (kind !== undefined && kind !== t.resource.kind)
      throw new HttpError(400, 'BadRequest', `kind ${String(kind)} does not match ${t.resource.kind}`);
    const meta = { ...body.metadata };
    if (t.namespace !== undefined) {
      if (meta.namespace !== undefined && meta.namespace !== t.namespace)
        throw new HttpError(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
      meta.namespace = t.namespace;
    }
    if (typeof meta.name !== 'string' || meta.name === '')
      throw new HttpError(
        422,
        'Invalid',
        `${t.resource.kind} "" is invalid: metadata.name: Required value: name or generateName is required`,
      );
    return { ...body, apiVersion: apiVersionOf(t.resource, t.resource.versions[0]!), kind: t.resource.kind, metadata: meta };
  }

  /** Objects are stored at the storage version; another served version only changes apiVersion here. */
  #render(object: KubeObject, resource: FakeResource, version: string): KubeObject {
    return { ...clone(object), apiVersion: apiVersionOf(resource, version), kind: resource.kind };
  }

  #resourceOfObject(object: { apiVersion?: unknown; kind?: unknown }): { resource: FakeResource } {
    const apiVersion = String(object.apiVersion ?? '');
    const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.lastIndexOf('/')) : '';
    const resource = this.#resources.find((r) => r.group === group && r.kind === object.kind);
    if (!resource) throw new Error(`the test API server does not serve ${apiVersion} ${String(object.kind)}`);
    return { resource };
  }

  #key(resource: FakeResource, namespace: string | undefined, name: string): string {
    return `${resource.group}/${resource.plural}/${namespace ?? ''}/${name}`;
  }

  #what(resource: FakeResource): string {
    return resource.group ? `${resource.plural}.${resource.group}` : resource.plural;
  }
}

/** kube-apiserver's RequestInfoResolver, for the paths served here. */
function requestAttributes(method: string, path: string, query: Record<string, string>): RecordedCall['resource'] {
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  let group: string;
  let version: string | undefined;
  let rest: string[];
  if (parts[0] === 'api') [group, version, rest] = ['', parts[1], parts.slice(2)];
  else if (parts[0] === 'apis' && parts.length >= 3) [group, version, rest] = [parts[1]!, parts[2], parts.slice(3)];
  else return undefined;
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length > 1) {
    namespace = rest[1];
    // `namespaces/<name>/status` is the Namespace's own subresource.
    if (rest.length > 2 && rest[2] !== 'status' && rest[2] !== 'finalize') rest = rest.slice(2);
    else namespace = undefined;
  }
  const [resource, name, subresource] = rest;
  if (version === undefined || resource === undefined) return undefined;
  const collection = name === undefined;
  const verbs: Record<string, Verb> = { POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: collection ? 'deletecollection' : 'delete' };
  const verb: Verb =
    method === 'GET' ? (!collection ? 'get' : query.watch === 'true' || query.watch === '1' ? 'watch' : 'list') : (verbs[method] ?? 'get');
  return {
    verb,
    group,
    version,
    resource,
    ...(subresource ? { subresource } : {}),
    ...(namespace ? { namespace } : {}),
    ...(name ? { name } : {}),
  };
}

function verbOf(method: string, t: Target, query: Record<string, string>): Verb {
  const collection = t.name === undefined;
  switch (method) {
    case 'GET':
      if (!collection) return 'get';
      return query.watch === 'true' || query.watch === '1' ? 'watch' : 'list';
    case 'POST':
      if (!collection || t.subresource) throw new HttpError(405, 'MethodNotAllowed', 'POST is only allowed on a collection');
      return 'create';
    case 'PUT':
      if (collection) throw new HttpError(405, 'MethodNotAllowed', 'PUT needs an object name');
      return 'update';
    case 'PATCH':
      if (collection) throw new HttpError(405, 'MethodNotAllowed', 'PATCH needs an object name');
      return 'patch';
    case 'DELETE':
      return collection ? 'deletecollection' : 'delete';
    default:
      throw new HttpError(405, 'MethodNotAllowed', `method ${method} is not allowed`);
  }
}

function applyPatch(
  current: KubeObject,
  patch: unknown,
  contentType: string | undefined,
  resource: FakeResource,
  query: Record<string, string>,
): KubeObject {
  switch (contentType) {
    case 'application/merge-patch+json':
      return asObject(mergePatch(current, patch));
    case 'application/strategic-merge-patch+json':
      if (!resource.builtIn)
        throw new HttpError(
          415,
          'UnsupportedMediaType',
          `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`,
        );
      // The kinds served here have no patch-merge-key lists in what kupstream writes
      // (Ingress status lists are atomic), so strategic merge is a merge patch for them.
      if (JSON.stringify(patch).includes('"$'))
        throw new HttpError(400, 'BadRequest', 'strategic merge directives are not supported by the test API server');
      return asObject(mergePatch(current, patch));
    case 'application/json-patch+json':
      return asObject(jsonPatch(current, patch));
    case 'application/apply-patch+yaml': {
      if (!query.fieldManager)
        throw new HttpError(
          422,
          'Invalid',
          'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
        );
      if (!isRecord(patch) || patch.kind !== resource.kind || !isRecord(patch.metadata) || patch.metadata.name !== current.metadata.name) {
        throw new HttpError(400, 'BadRequest', 'an apply patch must name the object it applies to (apiVersion, kind, metadata.name)');
      }
      // Field ownership is not tracked: applied fields are merged, none are removed.
      return asObject(mergePatch(current, patch));
    }
    default:
      throw new HttpError(
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`,
      );
  }
}

/** RFC 7386. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return clone(patch);
  const result: Record<string, unknown> = isRecord(target) ? clone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

/** RFC 6902: add, remove, replace, test. */
function jsonPatch(target: KubeObject, patch: unknown): unknown {
  if (!Array.isArray(patch)) throw new HttpError(400, 'BadRequest', 'a JSON patch is an array of operations');
  let doc: unknown = clone(target);
  for (const op of patch) {
    if (!isRecord(op) || typeof op.path !== 'string') throw new HttpError(400, 'BadRequest', 'invalid JSON patch operation');
    const tokens = op.path
      .split('/')
      .slice(1)
      .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = tokens.pop();
    if (last === undefined) {
      if (op.op === 'replace' || op.op === 'add') doc = clone(op.value);
      continue;
    }
    let parent: unknown = doc;
    for (const token of tokens) parent = isRecord(parent) ? parent[token] : Array.isArray(parent) ? parent[Number(token)] : undefined;
    const fail = () => new HttpError(422, 'Invalid', `the server rejected our request due to an error in our request: path ${op.path}`);
    if (op.op === 'test') {
      const value = isRecord(parent) ? parent[last] : Array.isArray(parent) ? parent[Number(last)] : undefined;
      if (!sameJson(value, op.value)) throw fail();
    } else if (Array.isArray(parent)) {
      const index = last === '-' ? parent.length : Number(last);
      if (!Number.isInteger(index) || index < 0 || index > parent.length) throw fail();
      if (op.op === 'add') parent.splice(index, 0, clone(op.value));
      else if (op.op === 'remove' && index < parent.length) parent.splice(index, 1);
      else if (op.op === 'replace' && index < parent.length) parent[index] = clone(op.value);
      else throw fail();
    } else if (isRecord(parent)) {
      if (op.op === 'add') parent[last] = clone(op.value);
      else if ((op.op === 'remove' || op.op === 'replace') && last in parent) {
        if (op.op === 'remove') delete parent[last];
        else parent[last] = clone(op.value);
      } else throw fail();
    } else throw fail();
  }
  return doc;
}

function asObject(value: unknown): KubeObject {
  if (!isRecord(value) || !isRecord(value.metadata)) throw new HttpError(422, 'Invalid', 'the patch removed the object metadata');
  return value as KubeObject;
}

function withoutMetaAndStatus(object: KubeObject): unknown {
  const { metadata: _m, status: _s, ...rest } = object;
  return rest;
}

function statusBody(e: HttpError): Record<string, unknown> {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: e.message,
    reason: e.reason,
    ...(e.details ? { details: e.details } : {}),
    code: e.code,
  };
}

function notFound(): HttpError {
  return new HttpError(404, 'NotFound', 'the server could not find the requested resource');
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseBody(raw: string, contentType: string | undefined): unknown {
  try {
    return contentType === 'application/apply-patch+yaml' ? parseYaml(raw) : JSON.parse(raw);
  } catch {
    throw new HttpError(
      400,
      'BadRequest',
      `the request body is not valid ${contentType === 'application/apply-patch+yaml' ? 'YAML' : 'JSON'}`,
    );
  }
}

function apiVersionOf(resource: FakeResource, version: string): string {
  return resource.group ? `${resource.group}/${version}` : version;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' && value !== '' ? value : fallback;
}

function clone<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

function sameJson(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  return (
    JSON.stringify(value, (_k, v: unknown) =>
      isRecord(v)
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, v[k]]),
          )
        : v,
    ) ?? 'undefined'
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
