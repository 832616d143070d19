// How serve's listeners name their addresses in messages: by the flags that set them.
import type { ListenerLabels } from '@kupstream/agent';

export const SERVE_LISTENER_LABELS: ListenerLabels = {
  main: '--listen',
  gatewayPort: (port) => `--gateway-port ${port}`,
  l4Mapping: (url) => `--l4 ${url}`,
  privilegedPortHint: 'see --l4',
};
