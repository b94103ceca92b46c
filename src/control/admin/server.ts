import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { AdminDeps } from './types.js';
import { LogFeed } from './log-feed.js';
import { EventStreams } from './event-stream.js';

export interface AdminServer {
  /** `http://host:port` once listening. */
  url: string;
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Starts the admin server on MOLT_ADMIN_HOST:MOLT_ADMIN_PORT (port 0 picks a free one). It listens at once, but
 * fastify, its plugins and the routes (≈ 10 MB of RSS) are loaded on the first request that needs them: a supervisor
 * whose console nobody opens does not carry them. The log feed and event streams start now, so the console shows
 * everything since the start whenever it is first opened; GET /healthz (container health checks) is answered here.
 */
export async function startAdminServer(deps: AdminDeps): Promise<AdminServer> {
  const feed = new LogFeed(deps.supervisor, deps.events);
  const streams = new EventStreams(deps.events, feed);
  let handler: Handler | undefined;
  let loading: Promise<FastifyInstance> | undefined;
  const load = () =>
    (loading ??= (async () => {
      const { buildAdminApp } = await import('./app.js');
      let h: Handler | undefined;
      const { app } = await buildAdminApp(deps, { feed, streams, serverFactory: (fh) => ((h = fh as Handler), server) });
      await app.ready();
      handler = h;
      return app;
    })());
  const server = createServer((req, res) => {
    if (handler) return handler(req, res);
    if (req.method === 'GET' && req.url === '/healthz') return void res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end('{"ok":true}');
    load().then(
      () => handler!(req, res),
      (err: unknown) => {
        deps.logger.error({ event: 'admin_load_failed', error: String(err) }, 'admin console failed to load');
        res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify({ error: { code: 'MOLT_E_INTERNAL', message: 'admin console failed to load' } }));
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: deps.host, port: deps.port }, () => (server.off('error', reject), resolve()));
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : deps.port;
  const host = deps.host.includes(':') ? `[${deps.host}]` : deps.host;
  const url = `http://${host}:${port}`;
  deps.logger.info({ event: 'admin_listening', url, engine: deps.engine !== undefined }, `admin console on ${url}`);
  const close = async () => {
    const app = await loading?.catch(() => undefined);
    if (app) await app.close(); // preClose/onClose hooks end the event streams and the feed
    else streams.closeAll(), feed.close();
    server.closeIdleConnections();
    await new Promise<void>((r) => server.close(() => r()));
  };
  return { url, close };
}
