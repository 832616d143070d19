// The golden fixtures of the three translator packages, read (never written) and turned
// into snapshots: realistic manifest sets, certificates included, to mutate from.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ClusterSnapshot } from '@kupstream/core';
import { fillPlaceholders, snapshotFromYaml } from '@kupstream/golden';

export { GOLDEN_NOW } from '@kupstream/golden';

export type FixturePackage = 'gateway' | 'ingress' | 'core';

export interface Seed {
  /** `gateway/gateway-seed-tls-backend` */
  name: string;
  text: string;
  snapshot: ClusterSnapshot;
}

export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

export function fixtureDir(pkg: FixturePackage): string {
  return `${REPO_ROOT}packages/${pkg}/test/fixtures`;
}

export async function loadSeeds(pkg: FixturePackage): Promise<Seed[]> {
  const dir = fixtureDir(pkg);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.in.yaml'))
    .sort();
  const seeds: Seed[] = [];
  for (const file of files) {
    const text = await fillPlaceholders(readFileSync(`${dir}/${file}`, 'utf8'));
    seeds.push({ name: `${pkg}/${file.slice(0, -'.in.yaml'.length)}`, text, snapshot: snapshotFromYaml(text) });
  }
  if (seeds.length === 0) throw new Error(`no fixtures under ${dir}`);
  return seeds;
}

/** Cases per property: small in CI, KUPSTREAM_FUZZ_RUNS=10000 for the nightly size. */
export function fuzzRuns(fallback = 300): number {
  const raw = process.env.KUPSTREAM_FUZZ_RUNS;
  if (raw === undefined || raw === '') return fallback;
  const runs = Number(raw);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`KUPSTREAM_FUZZ_RUNS must be a positive integer, not ${JSON.stringify(raw)}`);
  return runs;
}

/** KUPSTREAM_FUZZ_SEED replays a reported failure (fast-check prints the seed). */
export function fuzzSeed(): { seed?: number } {
  const raw = process.env.KUPSTREAM_FUZZ_SEED;
  return raw ? { seed: Number(raw) } : {};
}
