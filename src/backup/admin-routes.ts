import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { isMoltError, MoltError, type MoltErrorCode } from '../core/errors.js';
import type { Trigger } from '../update/api.js';
import { assertBackupId } from './manifest.js';
import type { BackupService } from './service.js';
import { summarise } from './summary.js';
import { layout } from '../control/admin/pages/layout.js';
import type { Raw } from '../control/admin/pages/html.js';
import { backupsPage, restoreResultPage } from './console-page.js';

export interface BackupRoutesOptions {
  service: BackupService;
  now?: () => number;
  /** Who is asking; default: the console auth's `principal.actor`, else "api". */
  actorOf?: (req: FastifyRequest) => string;
}

const STATUS: Partial<Record<MoltErrorCode, number>> = {
  MOLT_E_VALIDATION: 400,
  MOLT_E_AUTH: 401,
  MOLT_E_CSRF: 403,
  MOLT_E_NOT_FOUND: 404,
  MOLT_E_UPDATE_IN_PROGRESS: 409,
  MOLT_E_BACKUP_BUSY: 409,
  MOLT_E_CHECKSUM: 422,
  MOLT_E_RATE_LIMITED: 429,
  MOLT_E_UNAVAILABLE: 503,
  MOLT_E_DISK_FULL: 507,
};

const flag = z.union([z.boolean(), z.enum(['true', 'false', '1', '0', 'on', 'off']).transform((s) => ['true', '1', 'on'].includes(s))]);
const restoreBody = z.object({ dryRun: flag.optional() }).strict();
const uiRestoreForm = z.object({ _csrf: z.string(), dryRun: flag });

/** The console's navigation entry for the Backups page (AdminPlugin.nav). */
export const BACKUPS_NAV = { href: '/backups', label: 'Backups' };

// One CSRF token per response (a second generateCsrf could invalidate the first).
function csrfOf(reply: FastifyReply): string {
  const r = reply as FastifyReply & { moltCsrf?: string; generateCsrf?: () => string };
  return (r.moltCsrf ??= r.generateCsrf?.() ?? '');
}

type WithPrincipal = FastifyRequest & { principal?: { actor: string; trigger: Trigger } };

// The console's auth hook sets `principal` (web:<session>, api, cli); without it (tests, other mounts) it is "api".
function defaultActor(req: FastifyRequest): string {
  return (req as WithPrincipal).principal?.actor ?? 'api';
}

function triggerOf(req: FastifyRequest): Trigger {
  return (req as WithPrincipal).principal?.trigger ?? 'web';
}

/**
 * Fastify plugin (register it inside the admin console's authenticated scope):
 *   GET  /api/backups               → { backups: BackupSummary[] } newest first
 *   POST /api/backups               → 201 { backup, drill, pruned } (backup now; drill per MOLT_DRILL_SCHEDULE)
 *   POST /api/backups/:id/restore   { dryRun?: boolean } → 200 RestoreResult once it ran (see `outcome`)
 *   GET  /backups, POST /ui/backups, POST /ui/backups/:id/restore: the console page (session + CSRF) with
 *        "Back up now" and, per backup, a dry run and a confirmed restore.
 * Errors: { error: { code, message, context } } with 400/404/409/422/503/507.
 */
export async function backupRoutes(app: FastifyInstance, opts: BackupRoutesOptions): Promise<void> {
  const now = opts.now ?? Date.now;
  const actorOf = opts.actorOf ?? defaultActor;
  // API MoltErrors answer here (this plugin's codes included); anything else, and the console pages' errors (HTML),
  // go to the console's own handler.
  app.setErrorHandler((err: unknown, req: FastifyRequest, reply: FastifyReply) => {
    if (!isMoltError(err) || !req.url.startsWith('/api/')) throw err;
    void reply.status(STATUS[err.code] ?? 500).send({ error: err.toJSON() });
  });

  app.get('/api/backups', async () => ({ backups: (await opts.service.list()).map((e) => summarise(e, now())) }));

  app.post('/api/backups', async (req, reply) => {
    const run = await opts.service.backupNow({ trigger: 'manual', actor: actorOf(req) });
    const entry = (await opts.service.list()).find((e) => e.id === run.manifest.id);
    return reply.status(201).send({ backup: entry ? summarise(entry, now()) : { id: run.manifest.id }, drill: run.drill, pruned: run.pruned });
  });

  // Console page and its forms (session + CSRF are checked by the console's auth hook on this scope).
  const page = (req: FastifyRequest, reply: FastifyReply, title: string, body: Raw) =>
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(
      layout({ title, active: '/backups', csrf: csrfOf(reply), actor: actorOf(req), nav: [BACKUPS_NAV], demo: false }, body),
    );
  app.get('/backups', async (req, reply) => page(req, reply, 'Backups', backupsPage((await opts.service.list()).map((e) => summarise(e, now())), csrfOf(reply), now())));
  app.post('/ui/backups', async (req, reply) => {
    const run = await opts.service.backupNow({ trigger: 'manual', actor: actorOf(req) });
    const flash = `Backup ${run.manifest.id} written${run.drill ? `; drill ${run.drill.ok ? 'passed' : 'FAILED'}` : ''}.`;
    return page(req, reply, 'Backups', backupsPage((await opts.service.list()).map((e) => summarise(e, now())), csrfOf(reply), now(), flash));
  });
  app.post('/ui/backups/:id/restore', async (req, reply) => {
    const id = assertBackupId((req.params as { id: string }).id);
    const form = uiRestoreForm.safeParse(req.body ?? {});
    if (!form.success) throw new MoltError('MOLT_E_VALIDATION', 'form: expected dryRun=true|false and the CSRF token');
    const result = await opts.service.restore({ id, dryRun: form.data.dryRun, actor: actorOf(req), trigger: 'web' });
    return page(req, reply, `Restore ${id}`, restoreResultPage(result));
  });

  app.post('/api/backups/:id/restore', async (req, reply) => {
    const id = assertBackupId((req.params as { id: string }).id);
    const parsed = restoreBody.safeParse(req.body ?? {});
    if (!parsed.success) {
      throw new MoltError('MOLT_E_VALIDATION', `request body: expected { "dryRun"?: boolean } (${parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')})`);
    }
    const result = await opts.service.restore({ id, dryRun: parsed.data.dryRun ?? false, actor: actorOf(req), trigger: triggerOf(req) });
    return reply.status(200).send(result);
  });
}
