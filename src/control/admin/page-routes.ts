import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { MoltError } from '../../core/errors.js';
import { tokenMatches, requireSession, SESSION_COOKIE } from './auth.js';
import type { SessionStore } from './sessions.js';
import type { ApiContext } from './api-routes.js';
import { requireEngine } from './api-routes.js';
import { buildStatus } from './status-view.js';
import { parseInput, shaSchema, refSchema } from './schemas.js';
import { layout, loginPage } from './pages/layout.js';
import { statusPage } from './pages/status-page.js';
import { updatePage } from './pages/update-page.js';
import { historyPage, historyDetailPage } from './pages/history-page.js';
import { logsPage } from './pages/logs-page.js';
import type { Raw } from './pages/html.js';

const loginForm = z.object({ token: z.string().max(1000).default(''), next: z.string().max(2000).optional() });
const updateForm = z.object({ _csrf: z.string(), sha: shaSchema.optional(), ref: refSchema.optional() }).strict();
const rollbackForm = z.object({ _csrf: z.string(), sha: shaSchema, force: z.literal('1').optional() }).strict();
const demoForm = z.object({ _csrf: z.string(), kind: z.enum(['good', 'broken']) }).strict();

// Only same-site relative paths, so the login form cannot be turned into an open redirect.
const safeNext = (n: string | undefined) => (n && n.startsWith('/') && !n.startsWith('//') && !n.startsWith('/\\') ? n : '/');

/** Server-rendered console pages and their form posts (CSRF-protected), plus login/logout. */
export async function pageRoutes(app: FastifyInstance, ctx: ApiContext & { sessions: SessionStore; sessionTtlMs: number; nav: { href: string; label: string }[] }): Promise<void> {
  const { deps, sessions } = ctx;
  const limit = deps.loginLimit ?? { max: 10, windowMs: 60_000 };
  const session = requireSession(deps.token, sessions);
  const csrfCheck = app.csrfProtection;

  // One CSRF token per response: generating twice could mint two secrets and invalidate the first token.
  const csrfFor = (reply: FastifyReply): string => ((reply as FastifyReply & { moltCsrf?: string }).moltCsrf ??= reply.generateCsrf());
  const render = (req: FastifyRequest, reply: FastifyReply, title: string, active: string, body: Raw) =>
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(
      layout({ title, active, csrf: csrfFor(reply), actor: req.principal!.actor, nav: ctx.nav, demo: deps.demo !== undefined }, body),
    );

  app.get('/login', async (req, reply) => {
    const q = (req.query ?? {}) as { next?: string };
    return reply.type('text/html; charset=utf-8').send(loginPage({ next: safeNext(q.next) }));
  });

  app.post('/login', { config: { rateLimit: { max: limit.max, timeWindow: limit.windowMs } } }, async (req, reply) => {
    const form = loginForm.safeParse(req.body ?? {});
    const next = safeNext(form.success ? form.data.next : undefined);
    if (!form.success || !tokenMatches(form.data.token, deps.token)) {
      deps.logger.warn({ event: 'admin_login_failed', ip: req.ip }, 'console login failed');
      return reply.code(401).type('text/html; charset=utf-8').send(loginPage({ next, error: 'Login failed.' }));
    }
    const { cookie, session: s } = sessions.create();
    deps.logger.info({ event: 'admin_login', actor: `web:${s.id}`, ip: req.ip }, 'console login');
    reply.setCookie(SESSION_COOKIE, cookie, { httpOnly: true, sameSite: 'strict', path: '/', secure: req.protocol === 'https', maxAge: Math.floor(ctx.sessionTtlMs / 1000) });
    return reply.redirect(next, 303);
  });

  app.post('/logout', { onRequest: session, preHandler: csrfCheck }, async (req, reply) => {
    sessions.destroy(req.cookies[SESSION_COOKIE]);
    deps.logger.info({ event: 'admin_logout', actor: req.principal!.actor }, 'console logout');
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.redirect('/login', 303);
  });

  app.get('/', { onRequest: session }, async (req, reply) => {
    const op = (req.query as { op?: string }).op;
    return render(req, reply, 'Status', '/', statusPage(buildStatus(deps.supervisor, deps.engine, deps.providers, deps.demo !== undefined), op));
  });

  app.get('/update', { onRequest: session }, async (req, reply) => {
    let pending;
    try {
      pending = await requireEngine(deps.engine).pending();
    } catch (err) {
      pending = { error: `Cannot list pending releases: ${(err as Error).message}` };
    }
    return render(req, reply, 'Update', '/update', updatePage(pending, csrfFor(reply), deps.engine?.running() != null, deps.demo !== undefined));
  });

  app.get('/history', { onRequest: session }, async (req, reply) => render(req, reply, 'History', '/history', historyPage(requireEngine(deps.engine).history(200))));

  app.get('/history/:id', { onRequest: session }, async (req, reply) => {
    const { id } = parseInput(z.object({ id: z.coerce.number().int().min(1) }), req.params, 'params');
    const engine = requireEngine(deps.engine);
    const row = engine.history(1000).find((r) => r.id === id);
    if (!row) throw new MoltError('MOLT_E_NOT_FOUND', `history entry ${id} does not exist`);
    return render(req, reply, `#${id}`, '/history', historyDetailPage(row, engine.current()?.sha ?? null, csrfFor(reply)));
  });

  app.get('/logs', { onRequest: session }, async (req, reply) => render(req, reply, 'Logs', '/logs', logsPage(ctx.logs.recent(300))));

  app.post('/ui/update', { onRequest: session, preHandler: csrfCheck }, async (req, reply) => {
    const form = parseInput(updateForm, req.body, 'body');
    const p = req.principal!;
    const started = await requireEngine(deps.engine).requestUpdate({ sha: form.sha, ref: form.ref, trigger: p.trigger, actor: p.actor });
    deps.logger.info({ event: 'admin_update_requested', id: started.id, actor: p.actor, sha: form.sha }, `update ${started.id} requested by ${p.actor}`);
    started.done.catch(() => {});
    return reply.redirect(`/?op=${started.id}`, 303);
  });

  app.post('/ui/rollback', { onRequest: session, preHandler: csrfCheck }, async (req, reply) => {
    const form = parseInput(rollbackForm, req.body, 'body');
    const p = req.principal!;
    const started = await requireEngine(deps.engine).requestRollback({ sha: form.sha, force: form.force === '1', trigger: p.trigger, actor: p.actor });
    deps.logger.info({ event: 'admin_rollback_requested', id: started.id, actor: p.actor, sha: form.sha, force: form.force === '1' }, `rollback ${started.id} requested by ${p.actor}`);
    started.done.catch(() => {});
    return reply.redirect(`/?op=${started.id}`, 303);
  });

  app.post('/ui/demo-release', { onRequest: session, preHandler: csrfCheck }, async (req, reply) => {
    const form = parseInput(demoForm, req.body, 'body');
    if (!deps.demo) throw new MoltError('MOLT_E_NOT_FOUND', 'demo releases exist only in demo mode (npm start)');
    const r = await deps.demo(form.kind);
    deps.logger.info({ event: 'demo_release_published', sha: r.sha, broken: form.kind === 'broken', actor: req.principal!.actor }, `demo release ${r.sha.slice(0, 7)} published`);
    return reply.redirect('/update', 303);
  });
}
