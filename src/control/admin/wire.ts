import type { Registry } from 'prom-client';
import type { Config } from '../../config/schema.js';
import type { EventBus } from '../../core/events.js';
import type { Logger } from '../../core/logger.js';
import type { UpdateEngine } from '../../update/api.js';
import { resolveAdminToken } from './token.js';
import type { AdminServer } from './server.js';
import type { AdminPlugin, StatusProviders, SupervisorView } from './types.js';
import { registerMoltMetrics } from '../metrics.js';
import { MoltError } from '../../core/errors.js';

export interface AdminWiring {
  config: Pick<Config, 'adminHost' | 'adminPort' | 'adminToken' | 'dataDir' | 'demoDir'>;
  supervisor: SupervisorView;
  events: EventBus;
  metrics: Registry;
  logger: Logger;
  /** A getter, so the engine can be created after the console (or be absent). */
  engine?: () => UpdateEngine | undefined;
  providers?: StatusProviders;
  plugins?: AdminPlugin[];
  /** Where the generated-token notice goes (stderr, so the JSON log on stdout stays machine-readable). */
  notice?: (line: string) => void;
}

/**
 * Composition helper for main.ts: registers the molt metrics, resolves the token (generating data/admin-token on
 * loopback when unset), starts the console, and prints where it is. Returns null when MOLT_ADMIN_PORT=0.
 * Throws MoltError MOLT_E_CONFIG when the port cannot be bound (main maps it to exit 78).
 */
export async function startAdmin(w: AdminWiring): Promise<AdminServer | null> {
  const offMetrics = registerMoltMetrics(w.metrics, { events: w.events, app: () => w.supervisor.status(), engine: w.engine });
  if (w.config.adminPort === 0) {
    w.logger.info({ event: 'admin_disabled' }, 'admin console disabled (MOLT_ADMIN_PORT=0)');
    return null;
  }
  const tok = await resolveAdminToken(w.config.adminToken, w.config.dataDir);
  const demoDir = w.config.demoDir;
  const demo = demoDir ? (await import('../../demo/publish.js')).demoPublisher(demoDir) : undefined;
  const engineGetter = w.engine ?? (() => undefined);
  // fastify and its plugins (~10 MB of RSS) are loaded only when the console is enabled
  const { startAdminServer } = await import('./server.js');
  let server: AdminServer;
  try {
    server = await startAdminServer({
      host: w.config.adminHost,
      port: w.config.adminPort,
      token: tok.token,
      get engine() {
        return engineGetter();
      },
      supervisor: w.supervisor,
      events: w.events,
      metrics: w.metrics,
      logger: w.logger,
      providers: w.providers,
      plugins: w.plugins,
      demo,
    });
  } catch (err) {
    offMetrics();
    throw new MoltError('MOLT_E_CONFIG', `MOLT_ADMIN_HOST=${w.config.adminHost} MOLT_ADMIN_PORT=${w.config.adminPort}: cannot listen (${(err as Error).message}); choose a free port or MOLT_ADMIN_PORT=0 to disable the console`, { cause: err });
  }
  if (tok.source !== 'env') {
    w.logger.info({ event: 'admin_token_file', file: tok.file, generated: tok.source === 'generated' }, `admin token ${tok.source === 'generated' ? 'generated into' : 'read from'} ${tok.file}`);
    (w.notice ?? ((l) => process.stderr.write(l + '\n')))(`molt: admin console ${server.url}  token: ${tok.token}  (from ${tok.file})`);
  }
  const close = server.close;
  return { ...server, close: async () => (offMetrics(), close()) };
}
