// Through the built binary: `serve --gateway-port PORT=HOST:PORT` serves a Gateway's listener
// port on an address of its own, routed by that port, while --listen keeps every other port;
// HTTP/1.1 and h2c prior knowledge answer on the same port; the listeners follow reloads.
import assert from 'node:assert/strict';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runBinary, startServe, type ServeProcess } from './helpers/cli-process.js';
import { echoOf, h1Get, h2Get, startEcho, type EchoUpstream } from './helpers/listener-clients.js';
import { makeTempDir, type TempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait.js';

function manifests(altBackend: string): string {
  const gateway = {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'gw', namespace: 'default' },
    spec: {
      gatewayClassName: 'ngrok',
      listeners: [
        { name: 'web', port: 80, protocol: 'HTTP', hostname: 'app.example' },
        { name: 'alt', port: 8080, protocol: 'HTTP', hostname: 'app.example' },
      ],
    },
  };
  const route = (name: string, section: string, backend: string) => ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name, namespace: 'default' },
    spec: { parentRefs: [{ name: 'gw', sectionName: section }], rules: [{ backendRefs: [{ name: backend, port: 80 }] }] },
  });
  const service = (name: string) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default' },
    spec: { ports: [{ name: 'http', port: 80 }] },
  });
  return [gateway, route('r-web', 'web', 'svc-a'), route('r-alt', 'alt', altBackend), service('svc-a'), service('svc-b'), service('svc-c')]
    .map((o) => stringify(o))
    .join('---\n');
}

const gatewayPortOf = (serve: ServeProcess, port: number) =>
  Number(new RegExp(`gateway listener port ${port} on 127\\.0\\.0\\.1:(\\d+)`).exec(serve.stdout())?.[1]);

describe('serve: --gateway-port listeners, routing by listener port, h2c on every plain listener', function () {
  this.timeout(60_000);
  let dir: TempDir;
  const echoes: EchoUpstream[] = [];
  let serve: ServeProcess | undefined;

  beforeEach(async () => {
    dir = makeTempDir();
    for (const name of ['svc-a', 'svc-b', 'svc-c']) echoes.push(await startEcho(name));
  });
  afterEach(async () => {
    if (serve) assert.equal(await serve.stop(), 0, serve.stderr());
    serve = undefined;
    for (const echo of echoes.splice(0)) await echo.close();
    dir.remove();
  });

  const resolves = () => echoes.flatMap((e) => ['--resolve', `${e.name}.default:80=127.0.0.1:${e.port}`]);

  it('routes each listener port on its own address, and --listen keeps the unmapped ones', async () => {
    writeFileSync(join(dir.path, 'm.yaml'), manifests('svc-b'));
    serve = await startServe(['-f', dir.path, '--listen', '127.0.0.1:0', '--gateway-port', '8080=127.0.0.1:0', ...resolves()]);
    const alt = gatewayPortOf(serve, 8080);
    assert.ok(alt > 0, serve.stdout());

    // Port 8080's endpoint on its own address (the Host's port is not what routes)...
    assert.equal(echoOf(await h1Get(alt, 'app.example:8080')).name, 'svc-b');
    assert.equal(echoOf(await h1Get(alt, 'app.example')).name, 'svc-b');
    // ...and port 80's on --listen; the 8080 endpoint is not served there.
    assert.equal(echoOf(await h1Get(serve.port, 'app.example')).name, 'svc-a');
    const elsewhere = await h1Get(serve.port, 'other.example');
    assert.equal(elsewhere.status, 404);
    assert.equal(elsewhere.headers['x-kupstream-error'], 'route_not_found');

    // HTTP/2 with prior knowledge on the same ports, same routing; :authority is the host.
    const h2 = await h2Get(alt, 'app.example:8080');
    assert.equal(h2.status, 200);
    assert.equal(echoOf(h2).name, 'svc-b');
    assert.equal(echoOf(h2).host, 'app.example:8080');
    assert.equal(echoOf(await h2Get(serve.port, 'app.example')).name, 'svc-a');
    assert.equal((await h2Get(serve.port, 'nothing.example')).status, 404);

    // Listeners follow the model: the 8080 route moves to svc-c.
    const file = join(dir.path, 'm.yaml');
    writeFileSync(`${file}.tmp`, manifests('svc-c'));
    renameSync(`${file}.tmp`, file);
    await waitFor(
      'the 8080 route to move',
      async () => (echoOf(await h1Get(alt, 'app.example')).name === 'svc-c' ? true : undefined),
      15_000,
    );
    assert.equal(echoOf(await h2Get(alt, 'app.example')).name, 'svc-c');
  });

  it('without --gateway-port, --listen serves every port as before', async () => {
    writeFileSync(join(dir.path, 'm.yaml'), manifests('svc-b'));
    serve = await startServe(['-f', dir.path, '--listen', '127.0.0.1:0', ...resolves()]);
    assert.equal(echoOf(await h1Get(serve.port, 'app.example')).name, 'svc-a');
    assert.equal(echoOf(await h2Get(serve.port, 'app.example')).name, 'svc-a');
  });

  it('refuses a malformed --gateway-port with a message that says what to write', async () => {
    for (const [value, says] of [
      ['8080', /expected PORT=HOST:PORT/],
      ['0=127.0.0.1:0', /listener port must be 1 to 65535/],
      ['443=nowhere', /expected HOST:PORT/],
    ] as const) {
      const run = await runBinary(['serve', '-f', dir.path, '--listen', '127.0.0.1:0', '--gateway-port', value]);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, says);
    }
    const twice = await runBinary([
      'serve',
      '-f',
      dir.path,
      '--listen',
      '127.0.0.1:0',
      '--gateway-port',
      '80=127.0.0.1:0',
      '--gateway-port',
      '80=127.0.0.1:0',
    ]);
    assert.equal(twice.code, 2);
    assert.match(twice.stderr, /--gateway-port 80 is given twice/);
  });
});
