// Help texts. Kept beside each other so flags and their descriptions stay in step with args.ts.
const COMMON = `  -f, --filename FILE|DIR|-   manifests to read (repeatable): a file, a directory
                              (recursively: *.yaml, *.yml, *.json, sorted) or - for stdin
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

export const TOP_USAGE = `Usage: kupstream <command> [flags]

Translate Gateway API, Ingress and ngrok AgentEndpoint manifests into the kupstream
model of endpoints and upstreams, or serve them through the TLS/mTLS agent.

Commands:
  translate   print the translation of manifests as JSON
  serve       run the agent locally on the translated manifests, reloading on change

Flags:
  -h, --help      show this help (kupstream <command> --help for a command's flags)
  -v, --version   print the version

Exit codes: 0 translated; 1 --strict and error diagnostics; 2 bad usage or input that
cannot be read or parsed; 70 internal error.
`;

export const TRANSLATE_USAGE = `Usage: kupstream translate -f FILE|DIR|- [-f ...] [flags]

Prints the TranslationResult JSON (endpoints, upstreams, statuses, diagnostics) on stdout.
When the input holds no GatewayClass or IngressClass at all, the classes it references are
taken as this controller's (with an info diagnostic), so plain manifests work as written.

Flags:
${COMMON}
      --strict                exit 1 when any diagnostic has severity error

Exit codes: 0 translated (diagnostics included); 1 --strict and error diagnostics;
2 bad usage or input that cannot be read or parsed; 70 internal error.
`;

export const SERVE_USAGE = `Usage: kupstream serve -f FILE|DIR|- [-f ...] --listen HOST:PORT [--resolve HOST:PORT=ADDR:PORT]... [flags]

Translates like \`kupstream translate\` and serves the http/https endpoints on one local
HTTP listener, routed by the Host header, dialing the upstreams over TLS / mutual TLS.
Reloads when the files change (a file that does not parse keeps the previous configuration).
Stops cleanly on SIGINT / SIGTERM.

Flags:
${COMMON}
      --listen HOST:PORT      address to serve on (port 0: any free port; printed on start)
      --resolve HOST:PORT=ADDR:PORT
                              dial ADDR:PORT for upstream HOST:PORT, like curl's --resolve
                              (repeatable), e.g. example-service.default:443=127.0.0.1:9443

Exit codes: 0 stopped by a signal; 2 bad usage, unreadable input or unusable listen address;
70 internal error.
`;

export function usageFor(command: 'translate' | 'serve' | undefined): string {
  if (command === 'translate') return TRANSLATE_USAGE;
  if (command === 'serve') return SERVE_USAGE;
  return TOP_USAGE;
}
