// What a host tells the listeners of a model (serving/): where to bind, which listener ports
// have an address of their own, where L4 endpoints go, and where to say what happened. The
// words the listeners log are the host's: a CLI names its flags, a library user its own knobs.

/** A local address to bind; port 0 takes any free port. */
export interface HostPort {
  host: string;
  port: number;
}

/** A listener port of the model (the endpoint URL's port: 80 for http://, 443 for https:// without one) served on its own address. */
export interface GatewayPortMapping {
  port: number;
  to: HostPort;
}

/** An L4 endpoint URL (lower-case, `tls://` without `:443`) bound on its own address. */
export interface L4Mapping {
  url: string;
  to: HostPort;
}

/** Where the listeners say what happened (lines for the operator; never key material). */
export interface ListenerLog {
  line(text: string): void;
  warn(text: string): void;
}

/** How the listeners name a bind address and an L4 mapping in their messages. */
export interface ListenerLabels {
  /** The address of every port without a mapping (default: `the main listener`). */
  main: string;
  /** The address of one mapped listener port (default: `listener port PORT`). */
  gatewayPort: (port: number) => string;
  /** An L4 mapping of an endpoint URL (default: `the L4 mapping of URL`). */
  l4Mapping: (url: string) => string;
  /** What to do about a port that needs privileges (default: `map it to another port`). */
  privilegedPortHint: string;
}

export const DEFAULT_LISTENER_LABELS: ListenerLabels = {
  main: 'the main listener',
  gatewayPort: (port) => `listener port ${port}`,
  l4Mapping: (url) => `the L4 mapping of ${url}`,
  privilegedPortHint: 'map it to another port',
};

/** A listen address the system refused (in use, not local, no permission): the message says which and why. */
export class ListenError extends Error {
  override readonly name = 'ListenError';
  constructor(
    message: string,
    /** The system's code, e.g. `EADDRINUSE`. */
    readonly code: string | undefined,
  ) {
    super(message);
  }
}
