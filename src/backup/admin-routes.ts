import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { isMoltError, MoltError, type MoltErrorCode } from '../core/errors.js';
import type { Trigger } from '../update/api.js';
import { assertBackupId } from './manifest.js';
import type { BackupService } from './service.js';
import { summarise } from './summary.js';

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
 * Errors: { error: { code, message, context } } with 400/404/409/422/503/507.
 */
export async function backupRoutes(app: FastifyInstance, opts: BackupRoutesOptions): Promise<void> {
  const now = opts.now ?? Date.now;
  const actorOf = opts.actorOf ?? defaultActor;
  // MoltErrors answer here (this plugin's codes included); anything else goes to the console's own handler.
  app.setErrorHandler((err: unknown, _req: FastifyRequest, reply: FastifyReply) => {
    if (!isMoltError(err)) throw err;
    void reply.status(STATUS[err.code] ?? 500).send({ error: err.toJSON() });
  });

  app.get('/api/backups', async () => ({ backups: (await opts.service.list()).map((e) => summarise(e, now())) }));

  app.post('/api/backups', async (req, reply) => {
    const run = await opts.service.backupNow({ trigger: 'manual', actor: actorOf(req) });
    const entry = (await opts.service.list()).find((e) => e.id === run.manifest.id);
    return reply.status(201).send({ backup: entry ? summarise(entry, now()) : { id: run.manifest.id }, drill: run.drill, pruned: run.pruned });
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
