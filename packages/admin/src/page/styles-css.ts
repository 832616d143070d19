// The inspector page's styles (a string module, see index-html.ts for why).
export const STYLES_CSS = `:root {
  --fg: #1d232b; --muted: #5f6b7a; --line: #d9dee5; --bg: #f6f8fa; --card: #fff;
  --ok: #17803d; --warn: #a15c00; --bad: #b42318; --accent: #2855c5;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg);
}
* { box-sizing: border-box; }
body { margin: 0; }
header { position: sticky; top: 0; z-index: 1; display: flex; gap: 1.5rem; align-items: center; padding: .6rem 1.2rem; background: #111827; color: #fff; }
header h1 { font-size: 1.05rem; margin: 0; }
header nav a { color: #c7d2fe; margin-right: 1rem; text-decoration: none; }
.status { font-size: .85rem; color: #e5e7eb; }
.status .bad { color: #fca5a5; } .status .ok { color: #86efac; }
main { padding: 1rem 1.2rem 3rem; max-width: 1400px; }
section { margin-bottom: 2rem; }
h2 { font-size: 1.05rem; border-bottom: 1px solid var(--line); padding-bottom: .3rem; }
h3 { font-size: .95rem; margin: 0 0 .3rem; word-break: break-all; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: .7rem .9rem; margin-bottom: .7rem; }
.muted, .empty { color: var(--muted); }
.mono, code, td.mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .85em; }
.kv { display: grid; grid-template-columns: max-content 1fr; gap: .15rem .8rem; margin: .3rem 0; }
.kv dt { color: var(--muted); } .kv dd { margin: 0; word-break: break-all; }
.badge { display: inline-block; border-radius: 4px; padding: 0 .4rem; font-size: .8rem; font-weight: 600; border: 1px solid currentColor; }
.badge.ok { color: var(--ok); } .badge.warn { color: var(--warn); } .badge.bad { color: var(--bad); background: #fee4e2; }
.expiring { color: var(--bad); font-weight: 600; }
ul.endpoints { margin: 0; padding-left: 1.1rem; } .bad-text { color: var(--bad); }
ol.routes { margin: .3rem 0; padding-left: 1.4rem; }
ol.routes li { margin-bottom: .35rem; }
.backend { display: inline-block; margin-right: .6rem; }
table { border-collapse: collapse; width: 100%; background: var(--card); }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: .8rem; color: var(--muted); font-weight: 600; }
#request-rows tr { cursor: pointer; }
#request-rows tr:hover, #request-rows tr.selected { background: #eef2ff; }
tr.s5 td.status-cell, tr.s0 td.status-cell { color: var(--bad); font-weight: 600; }
tr.s4 td.status-cell { color: var(--warn); font-weight: 600; }
td.error-code { color: var(--bad); font-family: ui-monospace, monospace; }
.sev-error { color: var(--bad); font-weight: 600; } .sev-warning { color: var(--warn); font-weight: 600; } .sev-info { color: var(--muted); }
.cond-False { color: var(--bad); } .cond-Unknown { color: var(--warn); }
.filters { display: flex; gap: 1rem; align-items: center; margin-bottom: .5rem; }
.requests-layout { display: grid; grid-template-columns: 1fr; gap: 1rem; align-items: start; }
.table-wrap { min-width: 0; overflow-x: auto; }
#request-table td.mono { word-break: break-all; }
#request-table td:first-child, #request-table td.error-code { white-space: nowrap; }
#request-table td:nth-child(5), #request-table td:nth-child(6) { font-size: .78em; }
.requests-layout.with-detail { grid-template-columns: minmax(0, 3fr) minmax(280px, 2fr); }
.detail { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: .7rem .9rem; overflow: auto; max-height: 70vh; }
.detail pre { white-space: pre-wrap; word-break: break-all; background: var(--bg); padding: .4rem; }
.live { font-size: .8rem; color: var(--muted); } .live.on { color: var(--ok); }
`;
