// The inspector in a real browser (Debian's chromium driven by playwright-core) against
// the real thing: the seed's manifests through the Gateway API translator, the agent's
// proxy dialing a Node https upstream that demands the seed's client certificate, and
// a second upstream that rejects it.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { dirname, join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { createProxy, type Proxy } from '@kupstream/agent';
import type { TranslationResult } from '@kupstream/core';
import { translateGatewayApi } from '@kupstream/gateway';
import { createCa, createSeedPki, type SeedPki } from '@kupstream/test-pki';
import type { TrafficFacts } from '../src/traffic-facts.js';
import { chromium, type Browser, type Page } from 'playwright-core';
import {
  attributeProxyEvents,
  createAdminServer,
  createMetrics,
  instrumentHandler,
  recordProxyMetrics,
  RequestLog,
  type AdminServer,
  type ProxyAttribution,
} from '../src/index.js';
import { closeServer, listening, send } from './helpers.js';
import { BROKEN_HOST, SEED_HOST, seedSnapshot } from './seed-snapshot.js';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = join(dirname(fileURLToPath(import.meta.url)), '../test-artifacts/inspector.png');
const SEED_UPSTREAM = 'default/example-service:443+mtls:default/client-cert-secret';
const BROKEN_UPSTREAM = 'default/broken-service:443+mtls:default/client-cert-secret';

describe('admin/inspector page in Chromium', function () {
  this.timeout(60000);
  let pki: SeedPki;
  let browser: Browser;
  let page: Page;
  let proxy: Proxy;
  let attribution: ProxyAttribution;
  let stopMetrics: () => void;
  let admin: AdminServer;
  let adminPort: number;
  let agentPort: number;
  let current: TranslationResult;
  let traffic: TrafficFacts[] = [];
  const servers: http.Server[] = [];

  before(async () => {
    // Twenty days left: the page must highlight it (under 30).
    pki = await createSeedPki({ notAfter: new Date(Date.now() + 20 * 86400_000) });
    const otherCa = await createCa({ subject: 'CN=SomeOtherCA' });
    // The seed's upstream: TLS with the seed's server certificate, client certificates from ExampleCA required.
    const upstream = https.createServer(
      { key: pki.server.keyPem, cert: pki.server.certPem, ca: pki.ca.certPem, requestCert: true, rejectUnauthorized: true },
      (req, res) => {
        const peer = (req.socket as TLSSocket).getPeerCertificate();
        res.writeHead(200, { 'content-type': 'text/plain', 'x-served-by': 'example-service' });
        res.end(`hello ${String(peer.subject?.CN)}\n`);
      },
    );
    // Trusts another CA only: our client certificate is refused.
    const broken = https.createServer(
      { key: pki.server.keyPem, cert: pki.server.certPem, ca: otherCa.certPem, requestCert: true, rejectUnauthorized: true },
      (_req, res) => res.end('unreachable'),
    );
    servers.push(upstream, broken);
    const ports: Record<string, number> = {
      'example-service.default': await listening(upstream),
      'broken-service.default': await listening(broken),
    };

    const started = performance.now();
    const result = translateGatewayApi(seedSnapshot(pki.client), { now: () => new Date(), assumeClassesWhenAbsent: true });
    const translationMs = performance.now() - started;
    assert.deepEqual(result.upstreams.map((u) => u.name).sort(), [BROKEN_UPSTREAM, SEED_UPSTREAM]);

    proxy = createProxy({
      model: result,
      credentials: result.credentials,
      resolve: (host) => (ports[host] ? { host: '127.0.0.1', port: ports[host] } : undefined),
    });
    const log = new RequestLog({ capacity: 100 });
    const metrics = createMetrics();
    metrics.setModel(result);
    metrics.observeTranslation(translationMs);
    attribution = attributeProxyEvents(proxy);
    stopMetrics = recordProxyMetrics(proxy, metrics);
    const agent = http.createServer(instrumentHandler(proxy.handler, log, attribution));
    servers.push(agent);
    agentPort = await listening(agent);

    current = result;
    admin = createAdminServer({
      getState: () => ({ model: current, ready: true, credentialsSummary: current.credentials.summary(), traffic }),
      requestLog: log,
      metrics,
      host: '127.0.0.1',
      port: 0,
    });
    adminPort = await listening(admin);

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 1200 } });
    await page.goto(`http://127.0.0.1:${adminPort}/`);
  });

  after(async () => {
    await browser?.close();
    attribution?.dispose();
    stopMetrics?.();
    await proxy?.close();
    if (admin) await closeServer(admin);
    await Promise.all(servers.map(closeServer));
  });

  it('lists the seed endpoint with its route and the upstream with CN=ExampleClient, marked not verified and expiring soon', async () => {
    const endpoint = page.locator('.endpoint', { hasText: `https://${SEED_HOST}` });
    await endpoint.waitFor();
    const endpointText = await endpoint.innerText();
    assert.match(endpointText, /Gateway default\/example-gateway \(example\), HTTPRoute default\/example-route/);
    assert.match(endpointText, /PathPrefix \//);
    assert.ok(endpointText.includes(`→ ${SEED_UPSTREAM} (weight 1, 100%)`));

    const upstream = page.locator(`.upstream[data-upstream="${SEED_UPSTREAM}"]`);
    assert.equal(await upstream.locator('.cert-subject').innerText(), 'CN=ExampleClient');
    const upstreamText = await upstream.innerText();
    assert.ok(upstreamText.includes('https://example-service.default:443'));
    assert.ok(upstreamText.includes('CN=ExampleCA'));
    assert.ok(upstreamText.includes(pki.client.sha256), 'the client certificate fingerprint');
    assert.equal(await upstream.locator('.verification').innerText(), 'NOT VERIFIED');
    assert.match(await upstream.locator('.days-to-expiry.expiring').innerText(), /\((19|20) days\)$/);
    // The test's TypeScript has no DOM types: the browser's global is described by hand.
    const color = await upstream
      .locator('.expiring')
      .evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { color: string } }).getComputedStyle(el).color);
    assert.equal(color, 'rgb(180, 35, 24)', 'highlighted in the warning colour');
    // Diagnostics and conditions from the translator.
    await page.locator('#diagnostic-rows tr[data-code="UpstreamNotVerified"]').first().waitFor();
    assert.ok((await page.locator('#condition-rows').innerText()).includes('ResolvedRefs'));
  });

  it('shows a request sent through the agent without a reload, and a failing upstream with its error code', async () => {
    await page.evaluate('window.__sameDocument = true');
    await page.locator('#live.on').waitFor();

    const ok = await send(agentPort, { path: '/hello?x=1', headers: { host: SEED_HOST, authorization: 'Bearer secret-token' } });
    assert.equal(ok.status, 200);
    assert.equal(ok.body, 'hello ExampleClient\n', 'the upstream saw the seed client certificate');
    const okRow = page.locator('#request-rows tr', { hasText: '/hello?x=1' });
    await okRow.waitFor();
    const okCells = await okRow.locator('td').allInnerTexts();
    assert.deepEqual(okCells.slice(1, 7), [
      'GET',
      SEED_HOST,
      '/hello?x=1',
      'httproute/default/example-route/rule/0/match/0',
      SEED_UPSTREAM,
      '200',
    ]);

    const failed = await send(agentPort, { path: '/fail', headers: { host: BROKEN_HOST } });
    assert.equal(failed.status, 502);
    const code = String(failed.headers['x-kupstream-error']);
    assert.match(code, /^client_certificate_(rejected|required)$/);
    const failedRow = page.locator('#request-rows tr', { hasText: '/fail' });
    await failedRow.waitFor();
    assert.equal(await failedRow.locator('.error-code').innerText(), code);
    assert.equal(await failedRow.locator('.status-cell').innerText(), '502');
    assert.ok((await failedRow.innerText()).includes(BROKEN_UPSTREAM));

    assert.equal(await page.evaluate('window.__sameDocument'), true, 'the page was not reloaded');
  });

  it('filters by status and by upstream, and shows one request with redacted headers', async () => {
    await page.selectOption('#filter-status', '5xx');
    await page.locator('#request-rows tr', { hasText: '/hello' }).waitFor({ state: 'detached' });
    assert.equal(await page.locator('#request-rows tr', { hasText: '/fail' }).count(), 1);
    await page.selectOption('#filter-status', '');
    await page.selectOption('#filter-upstream', SEED_UPSTREAM);
    await page.locator('#request-rows tr', { hasText: '/fail' }).waitFor({ state: 'detached' });
    await page.locator('#request-rows tr', { hasText: '/hello' }).click();
    const detail = page.locator('#request-detail');
    await detail.locator('text=Request headers').waitFor();
    const detailText = await detail.innerText();
    assert.match(detailText, /authorization\s+\[redacted\]/);
    assert.ok(!detailText.includes('secret-token'));
    assert.ok(detailText.includes('x-served-by'), 'response headers are shown');
    await page.selectOption('#filter-upstream', '');
    await page.locator('#request-rows tr', { hasText: '/fail' }).waitFor();
  });

  it('never puts key material on the page, and the metrics saw the same traffic; saves a screenshot', async () => {
    const html = await page.content();
    assert.ok(!html.includes('PRIVATE KEY'));
    for (const line of pki.client.keyPem.split('\n').filter((l) => l && !l.startsWith('-----'))) assert.ok(!html.includes(line));
    const metrics = (await send(adminPort, { path: '/metrics' })).body;
    assert.ok(
      metrics.includes(
        `kupstream_requests_total{endpoint="default/example-gateway/example/${SEED_HOST}",upstream="${SEED_UPSTREAM}",code="200"} 1`,
      ),
    );
    assert.match(
      metrics,
      new RegExp(
        `kupstream_upstream_failures_total\\{upstream="${BROKEN_UPSTREAM.replace(/[.+/]/g, '\\$&')}",code="client_certificate_\\w+"\\} 1`,
      ),
    );
    assert.match(
      metrics,
      /kupstream_client_certificate_not_after_seconds\{upstream="default\/example-service:443\+mtls:default\/client-cert-secret",secret="default\/client-cert-secret",subject="CN=ExampleClient"\} \d+/,
    );
    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await page.locator('#request-rows tr', { hasText: '/fail' }).click();
    await page.locator('#request-detail h3', { hasText: '/fail' }).waitFor();
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  });

  it('follows a model swap without a reload', async () => {
    const snapshot = seedSnapshot(pki.client);
    const next = translateGatewayApi(
      { ...snapshot, httpRoutes: snapshot.httpRoutes?.filter((r) => r.metadata?.name === 'example-route') },
      { now: () => new Date(), assumeClassesWhenAbsent: true },
    );
    proxy.update(next, next.credentials);
    current = next;
    await page.locator('.endpoint', { hasText: `https://${BROKEN_HOST}` }).waitFor({ state: 'detached' });
    assert.equal(await page.locator('.endpoint').count(), 1);
    assert.equal(await page.locator('#request-rows tr').count(), 2, 'the request list stays');
    assert.equal(await page.evaluate('window.__sameDocument'), true, 'the page was not reloaded');
  });

  it('shows each endpoint of an upstream with its state and last health check', async () => {
    const endpoint = { port: 8443, ready: true, serving: true, terminating: false, ejected: false };
    traffic = [
      {
        upstream: SEED_UPSTREAM,
        endpoints: [
          {
            ...endpoint,
            address: '10.0.0.1',
            healthy: true,
            lastCheck: { outcome: 'healthy', status: 200, at: '2026-06-01T00:00:00.000Z' },
          },
          {
            ...endpoint,
            address: '10.0.0.2',
            ejected: true,
            healthy: false,
            lastCheck: { outcome: 'unhealthy', code: 'unexpected_status', status: 503, at: '2026-06-01T00:00:00.000Z' },
          },
          {
            ...endpoint,
            address: '10.0.0.3',
            lastCheck: { outcome: 'rejected', code: 'client_certificate_rejected', at: '2026-06-01T00:00:00.000Z' },
          },
        ],
        overflows: 0,
        ejections: 1,
        readmissions: 0,
      },
    ];
    await page.reload();
    const upstream = page.locator(`.upstream[data-upstream="${SEED_UPSTREAM}"]`);
    await upstream.locator('.endpoint-health').first().waitFor();
    assert.deepEqual(await upstream.locator('.endpoint-health').evaluateAll((els) => els.map((e) => e.getAttribute('data-state'))), [
      'healthy',
      'ejected',
      'healthy',
    ]);
    assert.match(
      await upstream.locator('.endpoint-health[data-state="ejected"]').innerText(),
      /10\.0\.0\.2:8443 ejected · check unhealthy \(unexpected_status 503\)/,
    );
    assert.match(
      await upstream.locator('.endpoint-health', { hasText: '10.0.0.3' }).innerText(),
      /check rejected \(client_certificate_rejected\)/,
    );
    assert.match(await upstream.innerText(), /1 ejections, 0 readmissions, 0 overflows/);
  });
});
