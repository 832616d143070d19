// `serve --gateway-port PORT=HOST:PORT` (repeatable): the Gateway listeners on port PORT are
// served on the local address HOST:PORT, routed by that port; `--listen` serves every port
// not mapped. Parsed and checked here, eagerly, with an error that says what to write.
import type { GatewayPortMapping } from '@kupstream/agent';
import { UsageError } from '../errors.js';
import { parseHostPort } from './flag-values.js';

/** `--gateway-port PORT=HOST:PORT`: the agent's GatewayPortMapping. */
export type { GatewayPortMapping } from '@kupstream/agent';

const EXAMPLE = 'expected PORT=HOST:PORT, e.g. --gateway-port 443=127.0.0.1:8443';

export function parseGatewayPort(value: string): GatewayPortMapping {
  const eq = value.indexOf('=');
  if (eq < 0) throw new UsageError(`--gateway-port ${JSON.stringify(value)}: ${EXAMPLE}`, 'serve');
  const portText = value.slice(0, eq).trim();
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 1 && port <= 65535)) {
    throw new UsageError(`--gateway-port ${JSON.stringify(value)}: the listener port must be 1 to 65535; ${EXAMPLE}`, 'serve');
  }
  return { port, to: parseHostPort('--gateway-port', value.slice(eq + 1), { allowZero: true }) };
}

/** Every mapping parsed; a listener port given twice is refused. */
export function parseGatewayPorts(values: readonly string[] | undefined): GatewayPortMapping[] {
  const mappings = (values ?? []).map(parseGatewayPort);
  const seen = new Set<number>();
  for (const m of mappings) {
    if (seen.has(m.port)) throw new UsageError(`--gateway-port ${m.port} is given twice`, 'serve');
    seen.add(m.port);
  }
  return mappings;
}
