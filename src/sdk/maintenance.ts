import type { FastifyInstance, FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import { renderHolding } from '../traffic/holding-page.js';
import { moltEnv } from './env.js';
import { MaintenanceWatcher } from './maintenance-state.js';

export interface MaintenanceOptions {
  /** Data dir holding UPDATE_LOCK.json (default: MOLT_DATA_DIR, else `<cwd>/data`). */
  dataDir?: string;
  /**
   * Paths that keep working during maintenance: exact paths (`/health`), prefixes ending in `*` (`/admin/*`)
   * or regular expressions. The query string is ignored. Default: `['/health']`.
   */
  allow?: (string | RegExp)[];
  /** Retry-After seconds (default 30). */
  retryAfter?: number;
  /** Your own HTML instead of the built-in page (`{{sha}}`, `{{seconds}}` are substituted). */
  html?: string;
  /** Use an existing watcher (tests, or several apps in one process). It is not closed with the app. */
  watcher?: MaintenanceWatcher;
  /** Fallback poll interval of the lock file watcher (default 2000 ms). */
  pollMs?: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The maintenance state the plugin uses (read-only view). */
    maintenance: { readonly active: boolean };
  }
}

/** Compiles the allowlist into one predicate over the path (no per-request allocation except the path slice). */
export function allowMatcher(allow: (string | RegExp)[]): (path: string) => boolean {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  const patterns: RegExp[] = [];
  for (const a of allow) {
    if (a instanceof RegExp) patterns.push(a);
    else if (a.endsWith('*')) prefixes.push(a.slice(0, -1));
    else exact.add(a);
  }
  return (path) => exact.has(path) || prefixes.some((p) => path.startsWith(p)) || patterns.some((r) => r.test(path));
}

const plugin: FastifyPluginCallback<MaintenanceOptions> = (app: FastifyInstance, opts, done) => {
  const own = opts.watcher === undefined;
  const watcher = opts.watcher ?? new MaintenanceWatcher({ dataDir: opts.dataDir ?? moltEnv().dataDir, pollMs: opts.pollMs }).start();
  const allowed = allowMatcher(opts.allow ?? ['/health']);
  app.decorate('maintenance', { get active() { return watcher.active; } });
  app.addHook('onRequest', (req: FastifyRequest, reply: FastifyReply, next) => {
    if (!watcher.active) return next(); // the hot path: one boolean read
    const url = req.url;
    const q = url.indexOf('?');
    if (allowed(q === -1 ? url : url.slice(0, q))) return next();
    const snap = watcher.snapshot();
    const h = renderHolding(
      { accept: req.headers.accept, acceptLanguage: req.headers['accept-language'] },
      { info: { reason: 'update', targetSha: snap.targetSha }, retryAfter: opts.retryAfter ?? 30, customHtml: opts.html },
    );
    void reply.code(h.status).headers(h.headers).send(h.body);
  });
  if (own) app.addHook('onClose', (_i, next) => (watcher.close(), next()));
  done();
};

// Not encapsulated (what fastify-plugin does): the hook applies to every route of the app that registers it.
(plugin as unknown as Record<symbol, unknown>)[Symbol.for('skip-override')] = true;
(plugin as unknown as Record<symbol, unknown>)[Symbol.for('fastify.display-name')] = 'molt-maintenance';

/**
 * Fastify plugin: while `<data>/UPDATE_LOCK.json` exists (or the supervisor says so over IPC) every route except
 * the allowlist answers 503 with the holding page (JSON for `Accept: application/json`). The state is cached and
 * watched; a request costs one boolean read when not in maintenance.
 */
export const maintenance = plugin;
