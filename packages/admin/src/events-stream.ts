// Server-sent events for the inspector: each new request as it is recorded, and a
// `model` event when the host swapped in a new model. SSE rather than WebSocket: one
// direction is all the page needs, it is plain HTTP, and browsers reconnect by themselves.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { requestSummary } from './api.js';
import type { RequestLog, RequestRecord } from './request-log.js';

export interface EventStreamOptions {
  /** Identity of the current model; a change is announced as a `model` event. */
  modelIdentity?: () => unknown;
  /** How often the model identity is checked; default 1000 ms. */
  pollMs?: number;
  /** Comment lines that keep idle connections open through proxies; default 15000 ms. */
  heartbeatMs?: number;
}

export interface EventStream {
  handle(req: IncomingMessage, res: ServerResponse): void;
  readonly clients: number;
  /** Ends every open stream and stops the timers. */
  close(): void;
}

export function createEventStream(log: RequestLog, options: EventStreamOptions = {}): EventStream {
  const clients = new Set<ServerResponse>();
  let unsubscribe: (() => void) | undefined;
  let poll: NodeJS.Timeout | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let lastModel: unknown;

  const broadcast = (frame: string) => {
    for (const res of clients) res.write(frame);
  };
  const start = () => {
    unsubscribe = log.subscribe((record) => broadcast(requestFrame(record)));
    if (options.modelIdentity) {
      const identity = options.modelIdentity;
      // Clients load the model when they connect; only later swaps are news to them.
      lastModel = identity();
      poll = setInterval(() => {
        const current = identity();
        if (current !== lastModel) {
          lastModel = current;
          broadcast('event: model\ndata: {}\n\n');
        }
      }, options.pollMs ?? 1000).unref();
    }
    heartbeat = setInterval(() => broadcast(': keep-alive\n\n'), options.heartbeatMs ?? 15000).unref();
  };
  const stop = () => {
    unsubscribe?.();
    unsubscribe = undefined;
    clearInterval(poll);
    clearInterval(heartbeat);
  };

  return {
    handle(req, res) {
      const headers = {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      };
      if (req.method === 'HEAD') return void res.writeHead(200, headers).end();
      res.writeHead(200, headers);
      res.write('retry: 2000\n\n');
      // A reconnecting browser sends the last id it saw: replay what it missed, oldest first.
      const last = Number(req.headers['last-event-id']);
      if (Number.isInteger(last) && last > 0) {
        for (const record of log.list().reverse()) if (Number(record.id) > last) res.write(requestFrame(record));
      }
      if (clients.size === 0) start();
      clients.add(res);
      const drop = () => {
        clients.delete(res);
        if (clients.size === 0) stop();
      };
      res.once('close', drop);
    },
    get clients() {
      return clients.size;
    },
    close() {
      for (const res of clients) res.end();
      clients.clear();
      stop();
    },
  };
}

function requestFrame(record: RequestRecord): string {
  return `event: request\nid: ${record.id}\ndata: ${JSON.stringify(requestSummary(record))}\n\n`;
}
