// `kupstream serve` through the built binary against hostile manifests and hostile clients:
// random filter values, request paths and Upgrade exchanges never end the process, and no
// request reaches an upstream path its route does not match. Also: the agent's own
// listener and admin address are never upstreams, and the admin page refuses proxied requests.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { assertBuilt, runBinary, startServe, type ServeProcess } from './helpers/cli-process.js';
import { makeTempDir, type TempDir } from './helpers/temp-dir.js';

const ROUTES = 24;
const GATEWAY = {
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: { name: 'gw', namespace: 'default' },
  spec: { gatewayClassName: 'ngrok', listeners: [{ name: 'web', hostname: '*.fuzz.example', port: 80, protocol: 'HTTP' }] },
};
const SERVICE = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'echo', namespace: 'default' },
  spec: { ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }] },
};

/** What the upstream saw: the Host the route was chosen by, and the path it was asked for. */
interface Seen {
  host: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  upgrade: boolean;
}

/** Sends raw bytes; resolves with what came back once the proxy closes or goes quiet. */
function exchange(port: number, bytes: Buffer, quietMs = 400): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    let timer = setTimeout(finish, quietMs * 3);
    function finish() {
      clearTimeout(timer);
      socket.destroy();
      resolve(data);
    }
    socket.on('data', (chunk: Buffer) => {
      data += chunk.toString('latin1');
      clearTimeout(timer);
      timer = setTimeout(finish, quietMs);
    });
    socket.on('error', finish);
    socket.on('close', finish);
    socket.write(bytes);
  });
}

const hostileText = fc.oneof(
  fc.constantFrom('ok', 'café ☃', 'a\r\nx-injected: 1', 'a\nb', ' lead', 'trail ', 'tab\there', '\u0000', 'ü', '', 'a:b', '%0d%0a'),
  fc.string({ unit: 'binary', maxLength: 10 }),
);
const hostileName = fc.oneof(
  fc.constantFrom('x-ok', 'Transfer-Encoding', 'content-length', 'host', 'bad name', 'x:y', 'x-kupstream-hop', 'connection', 'é'),
  fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 8 }),
);

/** Route `i`: PathPrefix /r<i>, hostile filters; a URLRewrite always rewrites to /rw<i>…. */
function routeArbitrary(i: number) {
  const headerModifier = fc.record({ set: fc.array(fc.record({ name: hostileName, value: hostileText }), { maxLength: 2 }) });
  const filter = fc.oneof(
    headerModifier.map((m) => ({ type: 'RequestHeaderModifier', requestHeaderModifier: m })),
    headerModifier.map((m) => ({ type: 'ResponseHeaderModifier', responseHeaderModifier: m })),
    hostileText.map((t) => ({
      type: 'URLRewrite',
      urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: `/rw${i}${t.startsWith('/') ? '' : '/'}${t}` } },
    })),
    hostileText.map((t) => ({ type: 'RequestRedirect', requestRedirect: { path: { type: 'ReplaceFullPath', replaceFullPath: `/${t}` } } })),
  );
  return fc.uniqueArray(filter, { maxLength: 2, selector: (f) => f.type }).map((filters) => ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: `r${i}`, namespace: 'default' },
    spec: {
      hostnames: [`r${i}.fuzz.example`],
      parentRefs: [{ name: 'gw' }],
      rules: [{ matches: [{ path: { type: 'PathPrefix', value: `/r${i}` } }], filters, backendRefs: [{ name: 'echo', port: 80 }] }],
    },
  }));
}

function prefixMatches(prefix: string, path: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`);
}

/**
 * The path as the most lenient upstream reads it: every escape decoded (`%2f` too),
 * backslashes as slashes, dot-segments resolved, slashes merged.
 */
function leniently(path: string): string {
  const decoded = path.replace(/%([0-9a-fA-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))).replace(/\\/g, '/');
  const out: string[] = [];
  for (const segment of decoded.split('/')) {
    if (segment === '..') out.pop();
    else if (segment !== '.' && segment !== '') out.push(segment);
  }
  return `/${out.join('/')}`;
}

describe('e2e: hostile manifests and clients against kupstream serve', function () {
  this.timeout(180_000);
  let dir: TempDir;
  let upstream: http.Server;
  let upstreamPort: number;
  let serve: ServeProcess | undefined;
  const seen: Seen[] = [];
  const upgraded = new Set<net.Socket>();

  before(async () => {
    assertBuilt();
    upstream = http.createServer((req, res) => {
      seen.push({ host: String(req.headers.host), path: req.url ?? '', headers: req.headers, upgrade: false });
      res.end('plain');
    });
    // Upgrade: paths containing "101" switch protocols; the others get a normal 200 and the
    // connection is kept, the case where a raw tunnel would carry later requests unrouted.
    upstream.on('upgrade', (req: http.IncomingMessage, socket: net.Socket) => {
      upgraded.add(socket);
      socket.on('close', () => upgraded.delete(socket));
      socket.on('end', () => socket.end());
      seen.push({ host: String(req.headers.host), path: req.url ?? '', headers: req.headers, upgrade: true });
      if ((req.url ?? '').includes('101')) {
        socket.write('HTTP/1.1 101 Switching Protocols\r\nconnection: upgrade\r\nupgrade: x\r\n\r\n');
        socket.on('data', (chunk: Buffer) => socket.write(chunk));
      } else {
        socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
        socket.on('data', (chunk: Buffer) => seen.push({ host: 'smuggled', path: chunk.toString('latin1'), headers: {}, upgrade: true }));
      }
      socket.on('error', () => socket.destroy());
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    upstreamPort = (upstream.address() as net.AddressInfo).port;
  });
  after(async () => {
    upstream.closeAllConnections();
    for (const socket of upgraded) socket.destroy();
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
  });
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(async () => {
    await serve?.stop('SIGKILL');
    serve = undefined;
    dir.remove();
  });

  it('random filter values, paths and Upgrade exchanges: serve never exits, no request reaches a path its route does not match', async () => {
    const routes = Array.from({ length: ROUTES }, (_, i) => fc.sample(routeArbitrary(i), { numRuns: 1, seed: 7 * i + 1 })[0]!);
    dir.write('all.yaml', [GATEWAY, SERVICE, ...routes].map((doc) => stringify(doc)).join('---\n'));
    serve = await startServe(['-f', dir.path, '--listen', '127.0.0.1:0', '--resolve', `echo.default:80=127.0.0.1:${upstreamPort}`]);
    const port = serve.port;
    let exited = false;
    void serve.exited.then(() => (exited = true));
    seen.length = 0;

    const segment = fc.oneof(
      fc.constantFrom('..', '.', '%2e%2e', '%2E', '%2f', '%5C', '%41', 'admin', 'é', '%zz', '', ';x', '%00', '101', 'ü%C3'),
      fc.integer({ min: 0, max: ROUTES - 1 }).map((i) => `r${i}`),
      fc.string({ unit: 'binary-ascii', maxLength: 4 }).map((s) => s.replace(/[\s?#]/g, '')),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: ROUTES - 1 }),
        fc.array(segment, { maxLength: 6 }),
        fc.boolean(),
        fc.constantFrom('origin', 'absolute-same', 'absolute-other'),
        fc.boolean(),
        async (i, segments, upgrade, form, ownPrefix) => {
          const host = `r${i}.fuzz.example`;
          // Mostly under the route's own prefix, where an escape upwards is the attack.
          const path = `${ownPrefix ? `/r${i}` : ''}/${segments.join('/')}`;
          const target =
            form === 'origin' ? path : `http://${form === 'absolute-same' ? host : `r${(i + 1) % ROUTES}.fuzz.example`}${path}`;
          const head = upgrade
            ? `GET ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: Upgrade\r\nUpgrade: x\r\n\r\n`
            : `GET ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`;
          // After an Upgrade, a second request on the same connection: it must never reach the upstream unrouted.
          const follow = upgrade ? `GET /smuggled HTTP/1.1\r\nHost: ${host}\r\n\r\n` : '';
          await exchange(port, Buffer.from(head + follow, 'latin1'));
          assert.equal(exited, false, `serve exited; stderr:\n${serve!.stderr()}`);
        },
      ),
      { numRuns: 200, seed: 14 },
    );
    assert.equal(exited, false);

    const rewrites = routes.map((r) => r.spec.rules[0]!.filters.some((f) => f.type === 'URLRewrite'));
    for (const record of seen) {
      assert.notEqual(record.host, 'smuggled', `bytes after a non-101 Upgrade reached the upstream: ${record.path}`);
      assert.equal(record.headers['x-injected'], undefined);
      const i = Number(/^r(\d+)\.fuzz\.example$/.exec(record.host)?.[1] ?? NaN);
      assert.ok(Number.isInteger(i), `unexpected Host ${record.host}`);
      const path = leniently(record.path.split('?')[0]!);
      assert.ok(
        prefixMatches(`/r${i}`, path) || (rewrites[i] && prefixMatches(`/rw${i}`, path)),
        `route r${i} (PathPrefix /r${i}) forwarded ${record.path}`,
      );
    }
    assert.ok(seen.length > 0, 'some requests reached the upstream');
    assert.equal(await serve.stop('SIGTERM'), 0);
  });

  it("an endpoint whose upstream is the agent's own listener or admin address is refused: 500 upstream_denied", async () => {
    const free = async () => {
      const s = net.createServer();
      await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
      const { port } = s.address() as net.AddressInfo;
      await new Promise<void>((resolve) => s.close(() => resolve()));
      return port;
    };
    const [listenPort, adminPort] = [await free(), await free()];
    const endpoint = (name: string, url: string, upstreamUrl: string) => ({
      apiVersion: 'ngrok.k8s.ngrok.com/v1alpha1',
      kind: 'AgentEndpoint',
      metadata: { name, namespace: 'default' },
      spec: { url, upstream: { url: upstreamUrl } },
    });
    dir.write(
      'endpoints.yaml',
      [
        endpoint('admin', 'http://localhost', `http://127.0.0.1:${adminPort}`),
        endpoint('self', 'http://self.example', `http://127.0.0.1:${listenPort}`),
      ]
        .map((doc) => stringify(doc))
        .join('---\n'),
    );
    serve = await startServe(['-f', dir.path, '--listen', `127.0.0.1:${listenPort}`, '--admin', `127.0.0.1:${adminPort}`]);
    for (const host of ['localhost', 'self.example']) {
      const answer = await get(serve.port, host, '/api/requests');
      assert.equal(answer.status, 500, `${host}: ${answer.body}`);
      assert.equal(answer.headers['x-kupstream-error'], 'upstream_denied');
      assert.doesNotMatch(answer.body, /requests/);
    }
    // The admin page itself refuses anything that carries the proxy's hop header.
    const proxied = await get(adminPort, '127.0.0.1', '/api/requests', { 'x-kupstream-hop': 'x' });
    assert.equal(proxied.status, 403);
    assert.equal((await get(adminPort, '127.0.0.1', '/healthz')).status, 200);
  });

  it('records Upgrade requests in the request log and the metrics', async () => {
    dir.write(
      'all.yaml',
      [GATEWAY, SERVICE, fc.sample(routeArbitrary(0), { numRuns: 1, seed: 3 })[0]!].map((d) => stringify(d)).join('---\n'),
    );
    const routeless = {
      ...GATEWAY,
      kind: 'HTTPRoute',
      metadata: { name: 'up', namespace: 'default' },
      spec: {
        hostnames: ['up.fuzz.example'],
        parentRefs: [{ name: 'gw' }],
        rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ name: 'echo', port: 80 }] }],
      },
    };
    dir.write('up.yaml', stringify(routeless));
    serve = await startServe([
      '-f',
      dir.path,
      '--listen',
      '127.0.0.1:0',
      '--admin',
      '127.0.0.1:0',
      '--resolve',
      `echo.default:80=127.0.0.1:${upstreamPort}`,
    ]);
    const reply = await exchange(
      serve.port,
      Buffer.from(`GET /ws-101 HTTP/1.1\r\nHost: up.fuzz.example\r\nConnection: Upgrade\r\nUpgrade: x\r\n\r\n`),
    );
    assert.match(reply, /^HTTP\/1\.1 101 /);
    const refused = await exchange(
      serve.port,
      Buffer.from(`GET /ws-200 HTTP/1.1\r\nHost: up.fuzz.example\r\nConnection: Upgrade\r\nUpgrade: x\r\n\r\n`),
    );
    assert.match(refused, /^HTTP\/1\.1 200 /);
    const admin = new URL(serve.adminUrl()!);
    const log = await waitForJson(Number(admin.port), '/api/requests', (body) => /ws-200/.test(body) && /ws-101/.test(body));
    assert.match(log, /"path":"\/ws-101"[^}]*"status":101|"status":101[^}]*"path":"\/ws-101"/);
    const metrics = await get(Number(admin.port), '127.0.0.1', '/metrics');
    assert.match(metrics.body, /code="101"/);
  });

  it('--deny-upstream takes CIDR blocks and refuses anything else with a usage error', async () => {
    const bad = await runBinary(['serve', '-f', '.', '--listen', '127.0.0.1:0', '--deny-upstream', '10.0.0.0/33']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--deny-upstream "10\.0\.0\.0\/33": expected a CIDR block/);
  });
});

function get(port: number, host: string, path: string, headers: http.OutgoingHttpHeaders = {}) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, headers: { host, ...headers }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function waitForJson(port: number, path: string, ready: (body: string) => boolean): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const answer = await get(port, '127.0.0.1', path);
    if (ready(answer.body)) return answer.body;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${path} never showed what was expected: ${(await get(port, '127.0.0.1', path)).body.slice(0, 2000)}`);
}
