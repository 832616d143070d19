#!/usr/bin/env node
// `pnpm bench`: runs the benchmark suites and writes BENCHMARKS.md at the repository root.
// Figures are ratios against references measured in the same run; machines here are
// shared and noisy, so absolute milliseconds are shown only for context.
import { writeFileSync, readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { translationSuite } from './translation.mjs';
import { dataPlaneSuite, formatDataPlane } from './data-plane.mjs';
import { workersScalingSuite, formatWorkersScaling } from './workers-scaling.mjs';

const out = fileURLToPath(new URL('../BENCHMARKS.md', import.meta.url));
const fmt = (x, digits = 2) => Number(x).toFixed(digits);

console.error('translation suite: N = 1,000 and 10,000 ...');
const t = await translationSuite();
const spread = ([min, max], digits = 1) => `${fmt(min, digits)}–${fmt(max, digits)}`;
const table = [
  '| N routes | objects | endpoints | upstreams | diagnostics | translate ms (median of 5; range) | structuredClone ms (median of 5; range) | one route changed ms (median of 9; range) | heap at the end of a translation MiB (garbage included) | result heap MiB | peak RSS MiB |',
  '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...t.rows.map(
    (r) =>
      `| ${r.n} | ${r.objects} | ${r.endpoints} | ${r.upstreams} | ${r.diagnostics} | ${fmt(r.translateMs, 1)} (${spread(r.translateSpread)}) | ${fmt(r.cloneMs, 1)} (${spread(r.cloneSpread)}) | ${fmt(r.incrementalMs, 1)} (${spread(r.incrementalSpread)}) | ${fmt(r.peakHeapMiB, 1)} | ${fmt(r.heapMiB, 1)} | ${fmt(r.peakRssMiB, 0)} |`,
  ),
];
const verdict = (ok) => (ok ? 'met' : 'NOT met');
const summary = [
  `- cost = translate / structuredClone at N=10k: **${fmt(t.cost)}** (target ≤ 3: ${verdict(t.cost <= 3)})`,
  `- scale = t(10k) / t(1k): **${fmt(t.scale)}** (target ≤ 11: ${verdict(t.scale <= 11)}); structuredClone's own scale: ${fmt(t.cloneScale)}`,
  `- one HTTPRoute changed (\`createGatewayTranslator().translate\`, checked byte-identical to a fresh translation) vs full \`translateGatewayApi\` at N=10k: **${fmt(t.incrementalSpeedup)}×** cheaper (target ≥ 10×: ${verdict(t.incrementalSpeedup >= 10)})`,
  `- the same with the clock moving 1 s per call, after the route statuses were written back (a controller's steady state): **${fmt(t.tickingSpeedup)}×** cheaper (${fmt(t.rows.at(-1).tickingMs, 1)} ms)`,
];
console.log(table.join('\n'));
console.log(summary.join('\n'));

// `--translation-only` skips the data plane (about 8 minutes; it installs nginx and wrk when missing).
const dataPlane = process.argv.includes('--translation-only')
  ? undefined
  : formatDataPlane(await dataPlaneSuite({ log: (line) => console.error(line) }));
if (dataPlane) console.log(dataPlane.join('\n'));
const workers = process.argv.includes('--translation-only')
  ? undefined
  : formatWorkersScaling(await workersScalingSuite({ log: (line) => console.error(line) }));
if (workers) console.log(workers.join('\n'));

const previous = existsSync(out) ? readFileSync(out, 'utf8') : '';
const notes = previous.includes('\n## Notes\n')
  ? previous.slice(previous.indexOf('\n## Notes\n'))
  : '\n## Notes\n\n(What each optimization bought, with the profile behind it.)\n';
// `--translation-only` keeps the data-plane sections of the last full run, marked as such.
const carried =
  !dataPlane && previous.includes('\n## Data plane')
    ? previous
        .slice(previous.indexOf('\n## Data plane') + 1, previous.includes('\n## Notes\n') ? previous.indexOf('\n## Notes\n') : undefined)
        .replace(/\n+$/, '')
        .split('\n')
    : [];
const carriedFrom = /Written by `pnpm bench` on (\S+)/.exec(previous)?.[1];
writeFileSync(
  out,
  [
    '# Benchmarks',
    '',
    `Written by \`pnpm bench\` on ${new Date().toISOString()} (Node ${process.version}, ${process.platform}/${process.arch}).`,
    'Ratios are against references measured in the same run; milliseconds are for context only.',
    '',
    '## Translation at scale (`translateGatewayApi` vs `structuredClone` of the same snapshot)',
    '',
    'Each row: 2 warm-up rounds, then 5 alternating rounds of translate and clone, as the issue asks (a full GC before each timed call); the incremental column uses a `createGatewayTranslator()` primed with the cluster, 5 warm-up changes, then the median of 9 (one HTTPRoute changed per call).',
    '',
    ...table,
    '',
    ...summary,
    '',
    ...(dataPlane ? ['## Data plane (`kupstream serve` vs nginx and the Node peers, the same mTLS upstream)', '', ...dataPlane, ''] : []),
    ...(workers ? ['## `serve --workers`: 1 → 2 worker processes', '', ...workers, ''] : []),
    ...(carried.length
      ? [
          `(The sections below are carried from the full run of ${carriedFrom ?? 'an earlier date'}: this run was \`--translation-only\`.)`,
          '',
          ...carried,
          '',
        ]
      : []),
  ].join('\n') + notes,
);
console.error(`wrote ${out}`);
