// Help texts. Kept beside each other so flags and their descriptions stay in step with args.ts.
const INPUT = `Input (one of):
  -f, --filename FILE|DIR|-   manifests to read (repeatable): a file, a directory
                              (recursively: *.yaml, *.yml, *.json, sorted) or - for stdin
      --kubeconfig FILE       read the objects from the cluster of this kubeconfig
                              (without -f and --kubeconfig: $KUBECONFIG, else the pod's
                              service account when run in a cluster)
      --write-status          cluster only: write the statuses back (status subresource)`;

const TRANSLATION = `Translation:
  -n, --namespace NS          namespace of objects without metadata.namespace (default: default)
      --now RFC3339           clock for certificate validity and condition times
                              (default: the current time)
      --controller-name NAME  GatewayClass controllerName to serve
                              (default: ngrok.com/gateway-controller)
      --ingress-controller-name NAME
                              IngressClass spec.controller to serve
                              (default: ngrok.com/ingress-controller, legacy k8s.ngrok.com/... too)
      --load-balancer-hostname HOST
                              hostname reported in Ingress status.loadBalancer (repeatable)
  -h, --help                  show this help`;

const EXIT_CODES = `Exit codes:
  0   translated (diagnostics included); serve stopped by a signal
  1   --strict and at least one error diagnostic
  2   unusable input: bad usage, manifests that cannot be read or parsed, a cluster that
      cannot be reached or listed (or statuses that cannot be written), an unusable address
  70  internal error (a bug)
  130 serve interrupted by a second signal`;

export const TOP_USAGE = `Usage: kupstream <command> [flags]

Translate Gateway API, Ingress and ngrok AgentEndpoint objects (manifests or a cluster's)
into the kupstream model of endpoints and upstreams, or serve them through the TLS/mTLS agent.

Commands:
  translate   print the translation as JSON or YAML
  serve       run the agent on the translation, following changes

Flags:
  -h, --help      show this help (kupstream <command> --help for a command's flags)
  -v, --version   print the version

Examples:
  kupstream translate -f manifests/
  kupstream serve -f manifests/ --listen 127.0.0.1:8080 --admin 127.0.0.1:4040

${EXIT_CODES}
`;

export const TRANSLATE_USAGE = `Usage: kupstream translate (-f FILE|DIR|- [-f ...] | --kubeconfig FILE [--write-status]) [flags]

Prints the TranslationResult (endpoints, upstreams, statuses, diagnostics) on stdout.
From manifests, when they hold no GatewayClass or IngressClass at all, the classes they
reference are taken as this controller's (with an info diagnostic). From a cluster they
are not: a Gateway whose class is not this controller's belongs to another one. Listing
progress goes to stderr.

${INPUT}

Output:
  -o, --output json|yaml      output format (default: json); the same keys in the same order
      --strict                exit 1 when any diagnostic has severity error

${TRANSLATION}

Examples:
  kupstream translate -f manifests/ --now 2026-06-01T00:00:00Z
  cat gateway.yaml | kupstream translate -f - -o yaml
  kupstream translate --kubeconfig ~/.kube/config --strict
  kupstream translate --kubeconfig ~/.kube/config --write-status

${EXIT_CODES}
`;

export const SERVE_USAGE = `Usage: kupstream serve (-f FILE|DIR|- [-f ...] | --kubeconfig FILE [--write-status]) --listen HOST:PORT [flags]

Translates like \`kupstream translate\` and serves the http/https endpoints on one local
HTTP listener, routed by the Host header, dialing the upstreams over TLS / mutual TLS.
Each tcp:// and tls:// endpoint gets a TCP listener of its own that forwards bytes as
they come (a tls:// client's TLS passes through; a tls:// upstream gets the agent's TLS).
Follows changes: files are re-read when they change (a file that does not parse keeps the
previous configuration); a cluster is watched. With --write-status, one replica (the holder
of a coordination.k8s.io Lease) writes the statuses; every replica serves.
SIGINT / SIGTERM: stop accepting, hand the Lease back, let requests in flight finish (up to
--shutdown-timeout), exit 0. A second signal exits at once (130).

${INPUT}

Serving:
      --listen HOST:PORT      address to serve on (port 0: any free port; printed on start):
                              plain HTTP/1.1 and h2c (prior knowledge), every listener port
                              not given to --gateway-port
      --gateway-port PORT=HOST:PORT
                              serve the Gateway listeners on port PORT (the endpoint URLs'
                              port) on HOST:PORT, routed by that port (repeatable); TLS with
                              SNI-chosen certificates, ALPN h2 and http/1.1, when the
                              endpoints on PORT are https://, e.g. 443=127.0.0.1:8443
      --tls-min-version TLSv1.2|TLSv1.3
                              lowest TLS version offered to clients (default TLSv1.2)
      --resolve HOST:PORT=ADDR:PORT
                              dial ADDR:PORT for upstream HOST:PORT, like curl's --resolve
                              (repeatable), e.g. example-service.default:443=127.0.0.1:9443
      --deny-upstream CIDR    never dial an upstream address in CIDR (repeatable), checked
                              after --resolve and DNS; e.g. 169.254.0.0/16 (cloud metadata).
                              The agent's own --listen, --l4 and --admin addresses are always
                              refused as upstreams
      --l4 URL=HOST:PORT      listen on HOST:PORT for the tcp:// or tls:// endpoint URL
                              (repeatable; port 0: any free port; printed on start), e.g.
                              tcp://1.tcp.example.io:12345=127.0.0.1:0 (default: the
                              --listen host at the URL's port, 443 for tls://)
      --shutdown-timeout DURATION
                              how long requests in flight may take to finish on stop
                              (default: 10s; e.g. 500ms, 30s, 1m)
      --probe-upstreams INTERVAL
                              dial every TLS upstream with its client certificate and CA each
                              INTERVAL (e.g. 30s) and publish the verdict: a condition
                              kupstream.dev/UpstreamHandshake on route parents, BackendTLSPolicy
                              ancestors and AgentEndpoints, metrics and the inspector
      --log-format text|json  stderr lines for people (default: text) or JSON lines with
                              level and time for log collectors
      --workers N             serve with N worker processes sharing the listeners (1 to 64,
                              default 1: this process serves). The main process reads the
                              input, writes statuses and serves --admin; each worker runs a
                              proxy, and one that exits is replaced. About one per CPU

Admin (health, metrics, inspector):
      --admin HOST:PORT       serve /healthz, /readyz, /metrics (Prometheus), the inspector
                              page and its JSON API (/api/...) on this address (loopback
                              only unless --admin-allow-remote); printed on start
      --admin-allow-remote    allow a non-loopback --admin address (it has no authentication)

Leader election (cluster with --write-status):
      --lease-namespace NS    namespace of the Lease (default: the kubeconfig context's
                              namespace, or the pod's, else default)
      --lease-name NAME       name of the Lease (default: kupstream-status-writer)

${TRANSLATION}

Examples:
  kupstream serve -f manifests/ --listen 127.0.0.1:8080 \\
    --resolve example-service.default:443=127.0.0.1:9443 --admin 127.0.0.1:4040
  kupstream serve --kubeconfig ~/.kube/config --listen 127.0.0.1:8080 --write-status \\
    --lease-namespace kupstream --log-format json

${EXIT_CODES}
`;

export function usageFor(command: 'translate' | 'serve' | undefined): string {
  if (command === 'translate') return TRANSLATE_USAGE;
  if (command === 'serve') return SERVE_USAGE;
  return TOP_USAGE;
}
