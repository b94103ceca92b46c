// The fastify app of the console + JSON API + /metrics; loaded by server.ts on the first request that needs it.
import Fastify, { type FastifyInstance, type FastifyServerFactory } from 'fastify';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import csrf from '@fastify/csrf-protection';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import { MoltError } from '../../core/errors.js';
import type { AdminDeps } from './types.js';
import { SessionStore } from './sessions.js';
import { requireAuth, csrfForSessions } from './auth.js';
import { errorHandler } from './http-errors.js';
import { LogFeed } from './log-feed.js';
import { EventStreams } from './event-stream.js';
import { apiRoutes, type ApiContext } from './api-routes.js';
import { pageRoutes } from './page-routes.js';
import { errorPage } from './pages/layout.js';
import { staticDir } from './assets.js';

/** Builds the console + API app without listening (tests use it with real HTTP via `listen`). */
export async function buildAdminApp(deps: AdminDeps, parts: { feed?: LogFeed; streams?: EventStreams; serverFactory?: FastifyServerFactory } = {}): Promise<{ app: FastifyInstance; feed: LogFeed; streams: EventStreams }> {
  const app = Fastify({ logger: false, trustProxy: false, bodyLimit: 64 * 1024, ...(parts.serverFactory ? { serverFactory: parts.serverFactory } : {}) });
  const sessionTtlMs = deps.sessionTtlMs ?? 12 * 3_600_000;
  const sessions = new SessionStore(sessionTtlMs);
  const feed = parts.feed ?? new LogFeed(deps.supervisor, deps.events);
  const streams = parts.streams ?? new EventStreams(deps.events, feed);
  const ctx: ApiContext = { deps, streams, logs: feed };

  await app.register(cookie);
  await app.register(formbody);
  await app.register(csrf, { cookieKey: 'molt_csrf', cookieOpts: { path: '/', httpOnly: true, sameSite: 'strict' } });
  await app.register(rateLimit, { global: false });
  await app.register(fastifyStatic, { root: staticDir(), prefix: '/static/', maxAge: 0 });
  app.setErrorHandler(errorHandler((status, message) => errorPage(status, message)));
  app.setNotFoundHandler((req, reply) => {
    const err = new MoltError('MOLT_E_NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`);
    return reply.code(404).send({ error: { code: err.code, message: err.message } });
  });
  app.addHook('onResponse', async (req, reply) => {
    if (req.url.startsWith('/static/') || req.url === '/healthz' || req.url === '/readyz') return;
    deps.logger.debug({ event: 'admin_request', method: req.method, url: req.url.split('?')[0], status: reply.statusCode, actor: req.principal?.actor }, 'admin request');
  });
  app.addHook('preClose', async () => streams.closeAll());
  app.addHook('onClose', async () => feed.close());

  app.get('/healthz', async () => ({ ok: true }));
  app.get('/readyz', async (_req, reply) => {
    const sup = deps.supervisor.status();
    const op = deps.engine?.running() ?? null;
    const ready = sup.up && !op;
    return reply.code(ready ? 200 : 503).send({ ready, appUp: sup.up, updateRunning: op !== null });
  });

  const nav = (deps.plugins ?? []).flatMap((p) => (p.nav ? [p.nav] : []));
  await app.register(async (secured) => {
    secured.addHook('onRequest', requireAuth(deps.token, sessions));
    secured.addHook('preHandler', csrfForSessions(secured));
    secured.get('/metrics', async (_req, reply) => reply.type(deps.metrics.contentType).send(await deps.metrics.metrics()));
    await apiRoutes(secured, ctx);
    for (const p of deps.plugins ?? []) await secured.register(p.plugin);
  });
  await app.register(async (pages) => pageRoutes(pages, { ...ctx, sessions, sessionTtlMs, nav }));
  return { app, feed, streams };
}
