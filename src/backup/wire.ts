import type { Registry } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/schema.js';
import type { Clock } from '../core/clock.js';
import type { EventBus } from '../core/events.js';
import type { Logger } from '../core/logger.js';
import type { TrafficControl } from '../traffic/api.js';
import { backupRoutes, BACKUPS_NAV } from './admin-routes.js';
import { historyRecorder, type OperationStore } from './history.js';
import { registerBackupMetrics } from './metrics.js';
import type { AppControl } from './restore.js';
import { BackupService } from './service.js';

export interface BackupWiring {
  config: Config;
  logger: Logger;
  events: EventBus;
  clock: Clock;
  metrics: Registry;
  supervisor: AppControl;
  traffic: TrafficControl;
  /** The engine's history store (restores become rows of kind 'restore'). */
  history?: OperationStore;
}

/**
 * Composition helper for src/main.ts: builds the backup service (throws MOLT_E_CONFIG for a bad schedule), cleans
 * leftovers of interrupted runs, seeds the gauges, starts the cron loops, and returns the console plugin.
 */
export async function wireBackups(w: BackupWiring): Promise<{ service: BackupService; plugin: { name: string; plugin: (app: FastifyInstance) => Promise<void>; nav: { href: string; label: string } }; stop(): void }> {
  const service = new BackupService({
    config: w.config,
    events: w.events,
    logger: w.logger,
    clock: w.clock,
    metrics: registerBackupMetrics(w.metrics),
    app: w.supervisor,
    traffic: w.traffic,
    history: w.history ? historyRecorder(w.history) : undefined,
  });
  await service.init();
  service.start();
  return { service, plugin: { name: 'backups', plugin: (app) => backupRoutes(app, { service }), nav: BACKUPS_NAV }, stop: () => service.stop() };
}
