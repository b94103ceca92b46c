import type { FastifyPluginAsync } from 'fastify';
import type { Registry } from 'prom-client';
import type { EventBus } from '../../core/events.js';
import type { Logger } from '../../core/logger.js';
import type { UpdateEngine } from '../../update/api.js';
import type { LogLine, SupervisorState } from '../../supervisor/supervisor.js';

/** The part of the Supervisor the console reads (status and the app log ring buffer). */
export interface SupervisorView {
  status(): { state: SupervisorState; pid: number | null; up: boolean; restarts: number; since: number | null };
  readonly logs: { toArray(last?: number): LogLine[] };
}

/** Optional data other subsystems add to /api/status and the Status page (null when absent). */
export interface StatusProviders {
  probation?: () => unknown;
  autoUpdate?: () => unknown;
  canary?: () => unknown;
}

/** A fastify plugin registered under auth (e.g. the backups engineer's /api/backups routes). */
export interface AdminPlugin {
  name: string;
  plugin: FastifyPluginAsync;
  /** A console navigation entry for the plugin's page, if it has one. */
  nav?: { href: string; label: string };
}

/** Publishes a demo release (demo mode only). */
export type DemoPublisher = (kind: 'good' | 'broken') => Promise<{ sha: string; subject: string }>;

export interface AdminDeps {
  host: string;
  port: number;
  /** The bearer token and console password (already resolved: env or data/admin-token). */
  token: string;
  /** The engine may be absent (not configured yet): update routes then answer 503 MOLT_E_UNAVAILABLE. */
  engine?: UpdateEngine;
  supervisor: SupervisorView;
  events: EventBus;
  metrics: Registry;
  logger: Logger;
  providers?: StatusProviders;
  plugins?: AdminPlugin[];
  demo?: DemoPublisher;
  /** Login attempts per window per client address (default 10 per minute). */
  loginLimit?: { max: number; windowMs: number };
  /** Session lifetime (default 12 h). */
  sessionTtlMs?: number;
}
