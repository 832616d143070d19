// The inspector page's markup. A TypeScript string module so rollup carries it in the
// bundle: the package ships no loose asset files and nothing is fetched at run time.
export const INDEX_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>kupstream inspector</title>
<link rel="stylesheet" href="/inspector.css">
<script src="/inspector.js" defer></script>
</head>
<body>
<header>
  <h1>kupstream inspector</h1>
  <div id="status" class="status" role="status">loading…</div>
  <nav>
    <a href="#endpoints">Endpoints</a>
    <a href="#upstreams">Upstreams</a>
    <a href="#requests">Requests</a>
    <a href="#diagnostics">Diagnostics</a>
  </nav>
</header>
<main>
  <section id="endpoints" aria-labelledby="endpoints-title">
    <h2 id="endpoints-title">Endpoints</h2>
    <div class="list" id="endpoint-list"><p class="empty">No model loaded yet.</p></div>
  </section>

  <section id="upstreams" aria-labelledby="upstreams-title">
    <h2 id="upstreams-title">Upstreams</h2>
    <div class="list" id="upstream-list"><p class="empty">No model loaded yet.</p></div>
  </section>

  <section id="requests" aria-labelledby="requests-title">
    <h2 id="requests-title">Requests <span id="live" class="live" title="live updates">●</span></h2>
    <form id="request-filter" class="filters">
      <label>Status
        <select id="filter-status" name="status">
          <option value="">all</option>
          <option value="2xx">2xx</option>
          <option value="3xx">3xx</option>
          <option value="4xx">4xx</option>
          <option value="5xx">5xx</option>
          <option value="error">with an error code</option>
        </select>
      </label>
      <label>Upstream
        <select id="filter-upstream" name="upstream"><option value="">all</option></select>
      </label>
      <span id="request-count" class="muted"></span>
    </form>
    <div class="requests-layout">
      <div class="table-wrap">
      <table id="request-table">
        <thead><tr><th>Time</th><th>Method</th><th>Host</th><th>Path</th><th>Route</th><th>Upstream</th><th>Status</th><th>ms</th><th>Error</th></tr></thead>
        <tbody id="request-rows"></tbody>
      </table>
      </div>
      <aside id="request-detail" class="detail" hidden></aside>
    </div>
  </section>

  <section id="diagnostics" aria-labelledby="diagnostics-title">
    <h2 id="diagnostics-title">Diagnostics</h2>
    <table id="diagnostic-table">
      <thead><tr><th>Severity</th><th>Code</th><th>Resource</th><th>Field</th><th>Message</th></tr></thead>
      <tbody id="diagnostic-rows"></tbody>
    </table>
    <h2>Status conditions</h2>
    <table id="condition-table">
      <thead><tr><th>Resource</th><th>Scope</th><th>Type</th><th>Status</th><th>Reason</th><th>Message</th></tr></thead>
      <tbody id="condition-rows"></tbody>
    </table>
  </section>
</main>
</body>
</html>
`;
