import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { EventBus } from '../core/events.js';
import type { UpdateEngine } from '../update/api.js';

/** What the metrics read on every scrape (gauges are computed at collect time, never stale). */
export interface MetricsSources {
  events: EventBus;
  app: () => { up: boolean };
  engine?: () => Pick<UpdateEngine, 'current'> | undefined;
}

/** One registry per supervisor; main.ts creates it and hands it to every subsystem that exports metrics. */
export function createMetricsRegistry(opts: { defaultMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'molt_process_' });
  return registry;
}

// Buckets cover a 50 ms skipped step up to a 10 min npm ci.
const DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

/**
 * Registers the supervisor and update metrics (names are a contract: README "Metrics") and keeps them current
 * from lifecycle events. Returns an unsubscribe for the event listeners.
 */
export function registerMoltMetrics(registry: Registry, src: MetricsSources): () => void {
  const updates = new Counter({ name: 'molt_updates_total', help: 'Update transactions by outcome (succeeded, rolled_back, failed).', labelNames: ['outcome'], registers: [registry] });
  const rollbacks = new Counter({ name: 'molt_rollbacks_total', help: 'Rollbacks performed: automatic after a failed update, or requested.', registers: [registry] });
  const rollbackFailed = new Counter({ name: 'molt_rollback_failed_total', help: 'Rollbacks that could not restore the previous release (critical).', registers: [registry] });
  const duration = new Histogram({ name: 'molt_update_duration_seconds', help: 'Duration of update steps (label step; step="total" is the whole transaction).', labelNames: ['step'], buckets: DURATION_BUCKETS, registers: [registry] });
  const restarts = new Counter({ name: 'molt_app_restarts_total', help: 'App restarts scheduled after an exit.', registers: [registry] });
  const crashLoops = new Counter({ name: 'molt_crash_loops_total', help: 'Crash loops detected.', registers: [registry] });
  new Gauge({
    name: 'molt_app_up',
    help: '1 while the app process is running, else 0.',
    registers: [registry],
    collect() {
      this.set(src.app().up ? 1 : 0);
    },
  });
  new Gauge({
    name: 'molt_release_info',
    help: 'Always 1; label sha is the release the app runs.',
    labelNames: ['sha'],
    registers: [registry],
    collect() {
      this.reset();
      const sha = src.engine?.()?.current()?.sha;
      if (sha) this.set({ sha }, 1);
    },
  });
  for (const outcome of ['succeeded', 'rolled_back', 'failed']) updates.inc({ outcome }, 0);

  const offs = [
    src.events.on('update_step', (e) => {
      if ((e.status === 'done' || e.status === 'failed') && typeof e.durationMs === 'number') duration.observe({ step: e.step }, e.durationMs / 1000);
    }),
    src.events.on('update_succeeded', (e) => {
      duration.observe({ step: 'total' }, e.durationMs / 1000);
      if (e.kind === 'rollback') rollbacks.inc();
      else updates.inc({ outcome: 'succeeded' });
    }),
    src.events.on('update_rolled_back', (e) => {
      duration.observe({ step: 'total' }, e.durationMs / 1000);
      rollbacks.inc();
      if (e.kind !== 'rollback') updates.inc({ outcome: 'rolled_back' });
    }),
    src.events.on('rollback_failed', () => {
      rollbackFailed.inc();
      updates.inc({ outcome: 'failed' });
    }),
    src.events.on('app_restart_scheduled', () => restarts.inc()),
    src.events.on('crash_loop', () => crashLoops.inc()),
  ];
  return () => offs.forEach((off) => off());
}
