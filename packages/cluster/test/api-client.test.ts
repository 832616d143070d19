// The transport under the informers, against a deliberately misbehaving HTTP peer.
import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { ApiError, createKubeApi, type WatchEvent } from '../src/index.js';

describe('KubeApi transport', () => {
  let server: Server;
  let handler: (path: string, res: ServerResponse, auth: string | undefined) => void;
  let kubeConfig: KubeConfig;
  const open = new Set<ServerResponse>();

  beforeEach(async () => {
    server = createServer((req, res) => {
      open.add(res);
      res.on('close', () => open.delete(res));
      handler(req.url ?? '', res, req.headers.authorization);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [{ name: 'c', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
      users: [{ name: 'u', token: 'secret-token' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
  });
  afterEach(async () => {
    for (const res of open) res.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends the kubeconfig credentials and returns the JSON body', async () => {
    let seen: string | undefined;
    handler = (_path, res, auth) => {
      seen = auth;
      res.end(JSON.stringify({ kind: 'ServiceList', items: [] }));
    };
    assert.deepEqual(await createKubeApi(kubeConfig).request('GET', '/api/v1/services'), { kind: 'ServiceList', items: [] });
    assert.equal(seen, 'Bearer secret-token');
  });

  it("turns an error answer into an ApiError with the server's Status message and reason", async () => {
    handler = (_path, res) => {
      res.writeHead(409, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ kind: 'Status', status: 'Failure', reason: 'Conflict', message: 'the object has been modified', code: 409 }),
      );
    };
    await assert.rejects(
      createKubeApi(kubeConfig).request('PATCH', '/x', { body: {} }),
      (e: unknown) =>
        e instanceof ApiError && e.statusCode === 409 && e.reason === 'Conflict' && /the object has been modified/.test(e.message),
    );
  });

  it('reassembles watch events split across chunks, and resolves at a clean end', async () => {
    handler = (_path, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const text =
        JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'a' } } }) +
        '\n' +
        JSON.stringify({ type: 'DELETED', object: { metadata: { name: 'a' } } }) +
        '\n';
      res.write(text.slice(0, 17));
      setTimeout(() => res.end(text.slice(17)), 20);
    };
    const events: WatchEvent[] = [];
    await createKubeApi(kubeConfig).watch('/api/v1/services', {}, (e) => events.push(e), new AbortController().signal);
    assert.deepEqual(
      events.map((e) => e.type),
      ['ADDED', 'DELETED'],
    );
  });

  it('rejects a watch whose peer goes silent, and one whose connection is cut', async () => {
    handler = (path, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders();
      if (path.startsWith('/cut')) setTimeout(() => res.destroy(), 20);
    };
    const api = createKubeApi(kubeConfig);
    await assert.rejects(
      api.watch('/silent', {}, () => undefined, new AbortController().signal, { idleTimeoutMs: 100 }),
      /no data for 100 ms/,
    );
    await assert.rejects(
      api.watch('/cut', {}, () => undefined, new AbortController().signal),
      /connection was cut/,
    );
  });

  it('ends a watch at once when aborted', async () => {
    handler = (_path, res) => {
      res.writeHead(200);
      res.flushHeaders();
    };
    const abort = new AbortController();
    const watching = createKubeApi(kubeConfig).watch('/w', {}, () => undefined, abort.signal);
    setTimeout(() => abort.abort(), 20);
    await watching;
  });
});
