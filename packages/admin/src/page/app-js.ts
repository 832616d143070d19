// The inspector page's script: plain browser JavaScript, no framework, no build step.
// It reads the JSON API, listens to /api/events, and builds the DOM with textContent
// only, so hostnames, paths and header values can never inject markup.
// (A string module, see index-html.ts; String.raw keeps the script's backslashes as written.)
export const APP_JS = String.raw`'use strict';
(function () {
  var state = { requests: [], capacity: 200, selected: null, filter: { status: '', upstream: '' } };
  var $ = function (id) { return document.getElementById(id); };

  function h(tag, attrs) {
    var el = document.createElement(tag);
    if (attrs) for (var k in attrs) {
      if (attrs[k] === undefined || attrs[k] === null) continue;
      if (k === 'class') el.className = attrs[k];
      else if (k === 'text') el.textContent = String(attrs[k]);
      else if (k === 'onclick') el.addEventListener('click', attrs[k]);
      else el.setAttribute(k, String(attrs[k]));
    }
    for (var i = 2; i < arguments.length; i++) append(el, arguments[i]);
    return el;
  }
  function append(el, child) {
    if (child === undefined || child === null || child === false) return;
    if (Array.isArray(child)) { child.forEach(function (c) { append(el, c); }); return; }
    el.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
  function replace(el, children) { el.textContent = ''; append(el, children); }
  function kv(pairs) {
    var dl = h('dl', { class: 'kv' });
    pairs.forEach(function (p) { if (p && p[1] !== undefined && p[1] !== null && p[1] !== '') { dl.appendChild(h('dt', { text: p[0] })); dl.appendChild(h('dd', null, p[1])); } });
    return dl;
  }
  function getJson(path) {
    return fetch(path, { headers: { accept: 'application/json' } }).then(function (r) {
      if (!r.ok) throw new Error(path + ': HTTP ' + r.status);
      return r.json();
    });
  }
  function refText(r) {
    return r.kind + ' ' + (r.namespace ? r.namespace + '/' : '') + r.name + (r.section ? ' (' + r.section + ')' : '');
  }

  // ---- status line
  function loadStatus() {
    return getJson('/api/status').then(function (s) {
      var d = s.diagnostics;
      replace($('status'), [
        h('span', { class: s.ready && s.modelLoaded ? 'ok' : 'bad', text: s.ready && s.modelLoaded ? 'ready' : 'not ready' }),
        ' · ' + s.endpoints + ' endpoints · ' + s.upstreams + ' upstreams · diagnostics: ' + d.error + ' errors, ' + d.warning + ' warnings, ' + d.info + ' info'
      ]);
      state.capacity = s.requests.capacity;
    });
  }

  // ---- endpoints
  function matchText(m) {
    var parts = [];
    if (m.method) parts.push(m.method);
    if (m.path) parts.push(m.path.type + ' ' + m.path.value);
    (m.headers || []).forEach(function (x) { parts.push('header ' + x.name + (x.type === 'Exact' ? ' = ' : ' ~ ') + x.value); });
    (m.queryParams || []).forEach(function (x) { parts.push('query ' + x.name + (x.type === 'Exact' ? ' = ' : ' ~ ') + x.value); });
    return parts.join(', ') || 'everything';
  }
  function renderEndpoints(data) {
    var list = $('endpoint-list');
    if (!data.endpoints.length) { replace(list, h('p', { class: 'empty', text: 'No endpoints.' })); return; }
    replace(list, data.endpoints.map(function (e) {
      return h('article', { class: 'card endpoint', 'data-endpoint': e.name },
        h('h3', { class: 'mono', text: e.url }),
        kv([['name', h('span', { class: 'mono', text: e.name })], ['sources', e.sources.map(refText).join(', ')], ['description', e.description]]),
        h('ol', { class: 'routes' }, e.routes.map(function (r) {
          var total = r.backends.reduce(function (n, b) { return n + b.weight; }, 0);
          return h('li', { class: 'route', 'data-route': r.name },
            h('div', null, h('span', { class: 'mono', text: r.name })),
            h('div', null, 'matches: ' + (r.matches.length ? r.matches.map(matchText).join(' | ') : 'everything')),
            r.filters && r.filters.length ? h('div', { class: 'muted', text: 'filters: ' + r.filters.map(function (f) { return f.type; }).join(', ') }) : null,
            r.response ? h('div', { class: 'sev-error', text: 'answers ' + r.response.status + ' (no valid backend)' }) : null,
            h('div', null, 'backends: ', r.backends.length ? r.backends.map(function (b) {
              var share = total > 0 ? Math.round((b.weight / total) * 100) + '%' : '0%';
              return h('span', { class: 'backend mono', text: '→ ' + b.upstream + ' (weight ' + b.weight + ', ' + share + ')' });
            }) : h('span', { class: 'muted', text: 'none' })));
        })));
    }));
  }

  // ---- upstreams
  // "verified" means a handshake with this identity and trust passed (serve --probe-upstreams);
  // without a probe the badge only says what trust is configured.
  function verificationBadge(v) {
    var probed = v.handshake ? v.handshake.result : 'unprobed';
    if (!v.checked) return h('span', { class: 'badge bad verification', 'data-mode': v.mode, 'data-handshake': probed, text: 'NOT VERIFIED' });
    if (v.failure) return h('span', { class: 'badge bad verification', 'data-mode': v.mode, 'data-handshake': probed, text: 'VERIFICATION FAILED (' + v.failure + ')' });
    var trust = v.mode === 'ca' ? 'CA bundle' : 'system trust';
    if (!v.verified && v.handshake && v.handshake.result === 'failed')
      return h('span', { class: 'badge bad verification', 'data-mode': v.mode, 'data-handshake': probed, text: 'HANDSHAKE FAILED: ' + (v.handshake.code || 'unknown') });
    if (!v.verified) return h('span', { class: 'badge verification', 'data-mode': v.mode, 'data-handshake': probed, text: trust + ' configured, no handshake yet' });
    return h('span', { class: 'badge ok verification', 'data-mode': v.mode, 'data-handshake': probed, text: 'verified (' + trust + ')' });
  }
  // Endpoints from the EndpointSlices, each with its state and the last active health check.
  var ENDPOINT_CLASS = { healthy: 'ok', ejected: 'bad', unhealthy: 'warn', terminating: 'warn', 'not-ready': 'warn' };
  function endpointList(u) {
    if (!u.endpoints) return undefined;
    if (!u.endpoints.length) return h('span', { class: 'badge bad', text: 'no endpoints' });
    return h('ul', { class: 'endpoints' }, u.endpoints.map(function (e) {
      var check = e.lastCheck;
      var checkText = check ? ' · check ' + check.outcome + (check.code ? ' (' + check.code + (check.status ? ' ' + check.status : '') + ')' : '') + ' at ' + check.at : '';
      return h('li', { class: 'endpoint-health', 'data-endpoint': e.endpoint, 'data-state': e.state },
        h('span', { class: 'mono', text: e.endpoint + ' ' }),
        h('span', { class: 'badge ' + (ENDPOINT_CLASS[e.state] || ''), text: e.state + (e.ejectedUntil ? ' until ' + e.ejectedUntil : '') }),
        h('span', { class: check && check.outcome === 'rejected' ? 'bad-text' : 'muted', text: checkText }));
    }));
  }
  function renderUpstreams(data) {
    var list = $('upstream-list');
    var select = $('filter-upstream');
    var current = select.value;
    replace(select, [h('option', { value: '', text: 'all' })].concat(data.upstreams.map(function (u) { return h('option', { value: u.name, text: u.name }); })));
    select.value = current;
    if (!data.upstreams.length) { replace(list, h('p', { class: 'empty', text: 'No upstreams.' })); return; }
    replace(list, data.upstreams.map(function (u) {
      var t = u.tls, c = t && t.clientCertificate;
      return h('article', { class: 'card upstream', 'data-upstream': u.name },
        h('h3', { class: 'mono', text: u.url }),
        kv([
          ['name', h('span', { class: 'mono', text: u.name })],
          ['protocol', u.protocol + (u.proxyProtocolVersion ? ', PROXY protocol v' + u.proxyProtocolVersion : '')],
          ['service', u.service ? u.service.namespace + '/' + u.service.name + ':' + u.service.port : undefined],
          ['used by', u.usedBy.join(', ')],
          ['unavailable', u.unavailable ? h('span', { class: 'badge bad', text: u.unavailable.code + ': ' + u.unavailable.reason }) : undefined],
          ['TLS', t ? undefined : h('span', { class: 'badge warn', text: 'plain text (no TLS)' })],
          ['SNI', t ? h('span', { class: 'mono', text: t.serverName }) : undefined],
          ['ALPN', t ? t.alpn.join(', ') + ' · min ' + t.minVersion : undefined],
          ['verification', t ? h('span', null, verificationBadge(t.verification), t.verification.checked ? '' : ' encrypted, but the server certificate is not checked') : undefined],
          ['verified name', t && t.verification.hostname ? t.verification.hostname : undefined],
          ['CA source', t && t.verification.checked ? (t.verification.mode === 'ca' ? 'CA bundle sha256 ' + t.verification.caSha256 : 'system trust store') + (t.verification.source ? ' from ' + refText(t.verification.source) : '') : undefined],
          ['client certificate', t ? (c ? undefined : 'none') : undefined],
          ['subject', c ? h('span', { class: 'mono cert-subject', text: c.subject }) : undefined],
          ['issuer', c ? h('span', { class: 'mono', text: c.issuer }) : undefined],
          ['SHA-256', c ? h('span', { class: 'mono', text: c.sha256 }) : undefined],
          ['secret', c ? c.secret.namespace + '/' + c.secret.name : undefined],
          ['expires', c ? h('span', { class: c.expiresSoon ? 'expiring days-to-expiry' : 'days-to-expiry', text: c.notAfter + ' (' + c.daysToExpiry + ' days)' }) : undefined],
          ['pool', u.pool ? u.pool.active + ' active, ' + u.pool.idle + ' idle' + (u.pool.handshakes ? '; handshakes ' + u.pool.handshakes.full + ' full, ' + u.pool.handshakes.resumed + ' resumed' : '') : undefined],
          ['endpoints', endpointList(u)],
          ['traffic', u.traffic ? u.traffic.ejections + ' ejections, ' + u.traffic.readmissions + ' readmissions, ' + u.traffic.overflows + ' overflows' : undefined]
        ]));
    }));
  }

  // ---- requests
  function statusMatches(filter, r) {
    if (!filter) return true;
    if (filter === 'error') return !!r.error;
    if (/^[1-5]xx$/.test(filter)) return Math.floor(r.status / 100) === Number(filter[0]);
    return String(r.status) === filter;
  }
  function matches(r) {
    return statusMatches(state.filter.status, r) && (!state.filter.upstream || r.upstream === state.filter.upstream);
  }
  function requestRow(r) {
    var row = h('tr', { 'data-request-id': r.id, class: 's' + Math.floor(r.status / 100) + (state.selected === r.id ? ' selected' : ''), onclick: function () { showRequest(r.id); } },
      h('td', { class: 'mono', text: new Date(r.time).toLocaleTimeString() }),
      h('td', { text: r.method }),
      h('td', { class: 'mono', text: r.host }),
      h('td', { class: 'mono', text: r.path }),
      h('td', { class: 'mono', text: r.route || '' }),
      h('td', { class: 'mono', text: r.upstream || '' }),
      h('td', { class: 'status-cell', text: r.status === 0 ? 'none' : r.status }),
      h('td', { text: r.durationMs.toFixed(1) }),
      h('td', { class: 'error-code', text: r.error || '' }));
    return row;
  }
  function renderRequests() {
    var shown = state.requests.filter(matches);
    replace($('request-rows'), shown.map(requestRow));
    $('request-count').textContent = shown.length + ' shown, last ' + state.capacity + ' kept';
  }
  function loadRequests() {
    var q = new URLSearchParams();
    if (state.filter.status) q.set('status', state.filter.status);
    if (state.filter.upstream) q.set('upstream', state.filter.upstream);
    return getJson('/api/requests?' + q.toString()).then(function (data) {
      state.capacity = data.capacity;
      // Keep records that arrived by SSE while this was loading; the server list wins for the rest.
      var known = {};
      data.requests.forEach(function (r) { known[r.id] = true; });
      var newer = state.requests.filter(function (r) { return !known[r.id] && Number(r.id) > Number((data.requests[0] || { id: 0 }).id); });
      state.requests = newer.concat(data.requests);
      renderRequests();
    });
  }
  function headerTable(headers) {
    var names = Object.keys(headers).sort();
    if (!names.length) return h('p', { class: 'muted', text: 'none' });
    return h('table', { class: 'headers' }, names.map(function (n) {
      var v = headers[n];
      return h('tr', null, h('th', { class: 'mono', text: n }), h('td', { class: 'mono', text: Array.isArray(v) ? v.join('\n') : v }));
    }));
  }
  function bodyBlock(title, body) {
    if (!body) return null;
    return [h('h4', { text: title + ' (' + body.bytes + ' bytes' + (body.truncated ? ', truncated' : '') + ')' }), h('pre', { text: body.text })];
  }
  function showRequest(id) {
    state.selected = id;
    renderRequests();
    getJson('/api/requests/' + encodeURIComponent(id)).then(function (r) {
      var panel = $('request-detail');
      panel.hidden = false;
      panel.parentElement.classList.add('with-detail');
      replace(panel, [
        h('h3', { text: r.method + ' ' + r.host + r.path }),
        kv([['id', r.id], ['time', r.time], ['route', r.route], ['upstream', r.upstream], ['status', r.status === 0 ? 'none (client left)' : String(r.status)], ['duration', r.durationMs.toFixed(1) + ' ms'],
          ['error', r.error ? h('span', { class: 'error-code', text: r.error }) : undefined]]),
        h('h4', { text: 'Request headers' }), headerTable(r.requestHeaders),
        h('h4', { text: 'Response headers' }), headerTable(r.responseHeaders),
        bodyBlock('Request body', r.requestBody), bodyBlock('Response body', r.responseBody)
      ]);
    }).catch(function (e) { replace($('request-detail'), h('p', { class: 'muted', text: String(e.message) })); });
  }

  // ---- diagnostics and status conditions
  function renderDiagnostics(data) {
    replace($('diagnostic-rows'), data.diagnostics.length ? data.diagnostics.map(function (d) {
      return h('tr', { class: 'diagnostic', 'data-code': d.code },
        h('td', { class: 'sev-' + d.severity, text: d.severity }), h('td', { class: 'mono', text: d.code }),
        h('td', { text: refText(d.resource) }), h('td', { class: 'mono', text: d.field || '' }), h('td', { text: d.message }));
    }) : h('tr', null, h('td', { colspan: 5, class: 'empty', text: 'No diagnostics.' })));
    var rows = [];
    data.statuses.forEach(function (s) {
      s.conditions.forEach(function (c) {
        rows.push(h('tr', { class: 'condition' },
          h('td', { text: refText(s) }), h('td', { class: 'mono', text: c.scope || '(object)' }), h('td', { text: c.type }),
          h('td', { class: 'cond-' + c.status, text: c.status }), h('td', { text: c.reason }), h('td', { text: c.message || '' })));
      });
    });
    replace($('condition-rows'), rows.length ? rows : h('tr', null, h('td', { colspan: 6, class: 'empty', text: 'No status conditions.' })));
  }

  function loadModel() {
    return Promise.all([
      loadStatus(),
      getJson('/api/endpoints').then(renderEndpoints),
      getJson('/api/upstreams').then(renderUpstreams),
      getJson('/api/diagnostics').then(renderDiagnostics)
    ]);
  }

  // ---- live updates
  function connect() {
    var source = new EventSource('/api/events');
    source.addEventListener('open', function () { $('live').classList.add('on'); });
    source.addEventListener('error', function () { $('live').classList.remove('on'); });
    source.addEventListener('request', function (event) {
      var r = JSON.parse(event.data);
      if (state.requests.some(function (x) { return x.id === r.id; })) return;
      state.requests.unshift(r);
      if (state.requests.length > state.capacity) state.requests.length = state.capacity;
      renderRequests();
    });
    source.addEventListener('model', function () { loadModel().catch(report); });
  }
  function report(e) { replace($('status'), h('span', { class: 'bad', text: String(e && e.message || e) })); }

  $('filter-status').addEventListener('change', function (e) { state.filter.status = e.target.value; loadRequests().catch(report); });
  $('filter-upstream').addEventListener('change', function (e) { state.filter.upstream = e.target.value; loadRequests().catch(report); });
  // Subscribe first so nothing recorded while the list loads is missed (ids de-duplicate).
  connect();
  loadModel().then(loadRequests).catch(report);
})();
`;
