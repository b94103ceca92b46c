import type { IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import type { HoldInfo } from './api.js';
import type { HoldingResponse } from './holding-page.js';

export interface UpgradeTarget {
  /** What the page says when held; null while released. */
  held: HoldInfo | null;
  appHost: string;
  appPort: number;
  holdingFor(req: IncomingMessage, info: HoldInfo): HoldingResponse;
}

/**
 * WebSocket and other upgrades (HTTP fallback mechanism): tunnelled to the app at TCP level while released (not
 * sampled); the holding answer while held or when the app refuses the connection.
 */
export function tunnelUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, t: UpgradeTarget): void {
  const refuse = (info: HoldInfo) => {
    const h = t.holdingFor(req, info);
    const lines = [`HTTP/1.1 503 Service Unavailable`, ...Object.entries({ ...h.headers, 'content-length': String(Buffer.byteLength(h.body)), connection: 'close' }).map(([k, v]) => `${k}: ${v}`)];
    socket.end(`${lines.join('\r\n')}\r\n\r\n${h.body}`);
  };
  if (t.held) return refuse(t.held);
  const up = connect({ host: t.appHost, port: t.appPort });
  let connected = false;
  up.once('connect', () => {
    connected = true;
    const raw: string[] = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) raw.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
    up.write(`${req.method} ${req.url} HTTP/${req.httpVersion}\r\n${raw.join('\r\n')}\r\n\r\n`);
    if (head.length) up.write(head);
    up.pipe(socket).pipe(up);
  });
  up.on('error', () => (connected ? socket.destroy() : refuse({ reason: 'restart' })));
  socket.on('error', () => up.destroy());
}
