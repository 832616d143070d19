// Runs a proxy on a loopback http.Server and sends requests to it with a Host header.
import http from 'node:http';
import type { CredentialStore, Endpoint, Route, TranslationModel, Upstream } from '@kupstream/core';
import { createProxy, type Proxy, type ProxyOptions } from '../../src/index.js';
import { listen, type RunningServer } from './servers.js';

export interface Harness {
  proxy: Proxy;
  server: RunningServer<http.Server>;
  close(): Promise<void>;
}

export async function startProxy(options: ProxyOptions): Promise<Harness> {
  const proxy = createProxy(options);
  const server = http.createServer();
  proxy.attach(server);
  const running = await listen(server);
  return {
    proxy,
    server: running,
    async close() {
      await proxy.close();
      await running.close();
    },
  };
}

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export function request(
  port: number,
  host: string,
  path = '/',
  init: { method?: string; headers?: http.OutgoingHttpHeaders; body?: string; agent?: http.Agent } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path, method: init.method ?? 'GET', headers: { host, ...init.headers }, agent: init.agent ?? false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

export function endpoint(url: string, routes: Route[], name = url): Endpoint {
  return { name, url, sources: [], routes };
}

export function route(name: string, backends: { upstream: string; weight?: number }[], extra: Partial<Route> = {}): Route {
  return { name, matches: [], backends: backends.map((b) => ({ upstream: b.upstream, weight: b.weight ?? 1 })), ...extra };
}

export function model(endpoints: Endpoint[], upstreams: Upstream[]): TranslationModel {
  return { endpoints, upstreams, statuses: [], diagnostics: [] };
}

/** The seed's endpoint: https://example-hostname.ngrok.io, everything to `upstream`. */
export function seedModel(upstream: Upstream): TranslationModel {
  return model(
    [
      endpoint('https://example-hostname.ngrok.io', [
        route('httproute/default/example-route/rule/0/match/0', [{ upstream: upstream.name }], {
          matches: [{ path: { type: 'PathPrefix', value: '/' } }],
        }),
      ]),
    ],
    [upstream],
  );
}

export type { CredentialStore };
