// --resolve HOST:PORT=ADDR:PORT → the agent's resolve function. Unlisted upstreams fall
// through (undefined) to the agent's default, DNS.
import type { HostPort, ResolveOverride } from '../args/flag-values.js';

export type ResolveFunction = (host: string, port: number) => HostPort | undefined;

export function resolveFromOverrides(overrides: readonly ResolveOverride[]): ResolveFunction {
  const table = new Map(overrides.map(({ from, to }) => [keyOf(from.host, from.port), { host: to.host, port: to.port }]));
  return (host, port) => {
    const target = table.get(keyOf(host, port));
    return target ? { ...target } : undefined;
  };
}

/** DNS names compare case-insensitively and without a trailing dot. */
function keyOf(host: string, port: number): string {
  return `${host.toLowerCase().replace(/\.$/, '')}:${port}`;
}
