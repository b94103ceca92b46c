import type { FastifyInstance } from 'fastify';
import { MoltError } from '../../core/errors.js';
import type { UpdateEngine, HistoryRow } from '../../update/api.js';
import { buildStatus } from './status-view.js';
import { demoBody, eventsQuery, historyQuery, logsQuery, parseInput, rollbackBody, updateBody } from './schemas.js';
import type { AdminDeps } from './types.js';
import type { EventStreams } from './event-stream.js';
import type { LogFeed } from './log-feed.js';

export interface ApiContext {
  deps: AdminDeps;
  streams: EventStreams;
  logs: LogFeed;
}

export function requireEngine(engine: UpdateEngine | undefined): UpdateEngine {
  if (!engine) throw new MoltError('MOLT_E_UNAVAILABLE', 'no update engine is configured in this supervisor; updates and history are unavailable');
  return engine;
}

/** Starts an update/rollback and logs its outcome; the HTTP answer does not wait for it (202). */
function track(ctx: ApiContext, what: string, actor: string, started: { id: number; done: Promise<HistoryRow> }): void {
  started.done.then(
    (row) => ctx.deps.logger.info({ event: 'admin_operation_finished', id: row.id, outcome: row.outcome, actor }, `${what} ${row.id} ${row.outcome}`),
    (err: Error) => ctx.deps.logger.error({ event: 'admin_operation_failed', id: started.id, error: err.message, actor }, `${what} ${started.id} failed`),
  );
}

/** The JSON API (contract: paths and fields are used by the CLI, Telegram and external tools). Registered under auth. */
export async function apiRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const { deps } = ctx;

  app.get('/api/status', async () => buildStatus(deps.supervisor, deps.engine, deps.providers, deps.demo !== undefined));

  app.get('/api/releases/pending', async (req) => {
    const ac = new AbortController();
    req.raw.on('close', () => ac.abort());
    return requireEngine(deps.engine).pending(ac.signal);
  });

  app.post('/api/update', async (req, reply) => {
    const body = parseInput(updateBody, req.body, 'body');
    const p = req.principal!;
    const started = await requireEngine(deps.engine).requestUpdate({ ...body, trigger: p.trigger, actor: p.actor });
    deps.logger.info({ event: 'admin_update_requested', id: started.id, actor: p.actor, ref: body.ref, sha: body.sha }, `update ${started.id} requested by ${p.actor}`);
    track(ctx, 'update', p.actor, started);
    return reply.code(202).send({ id: started.id });
  });

  app.post('/api/rollback', async (req, reply) => {
    const body = parseInput(rollbackBody, req.body, 'body');
    const p = req.principal!;
    const started = await requireEngine(deps.engine).requestRollback({ sha: body.sha, force: body.force, trigger: p.trigger, actor: p.actor });
    deps.logger.info({ event: 'admin_rollback_requested', id: started.id, actor: p.actor, sha: body.sha, force: body.force ?? false }, `rollback ${started.id} requested by ${p.actor}`);
    track(ctx, 'rollback', p.actor, started);
    return reply.code(202).send({ id: started.id });
  });

  app.get('/api/history', async (req) => {
    const q = parseInput(historyQuery, req.query, 'query');
    return requireEngine(deps.engine).history(q.limit);
  });

  app.get('/api/logs', async (req) => {
    const q = parseInput(logsQuery, req.query, 'query');
    return ctx.logs.recent(q.limit, q.source);
  });

  app.get('/api/events', async (req, reply) => {
    const q = parseInput(eventsQuery, req.query, 'query');
    ctx.streams.open(req, reply, { logs: q.logs === '1' });
  });

  app.post('/api/demo/release', async (req, reply) => {
    const body = parseInput(demoBody, req.body, 'body');
    if (!deps.demo) throw new MoltError('MOLT_E_NOT_FOUND', 'demo releases exist only in demo mode (npm start)');
    const r = await deps.demo(body.broken ? 'broken' : 'good');
    deps.logger.info({ event: 'demo_release_published', sha: r.sha, broken: body.broken ?? false, actor: req.principal!.actor }, `demo release ${r.sha.slice(0, 7)} published`);
    return reply.code(201).send(r);
  });
}
