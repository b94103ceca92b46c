import { Gauge, type Registry } from 'prom-client';
import type { ProbationStatus } from './status.js';
import type { WindowStats } from './sliding-window.js';

/**
 * Probation gauges, computed at scrape time from the live window (so they also show the current release's
 * numbers outside probation). Registered on the registry passed in; one set per registry.
 */
export function registerProbationMetrics(registry: Registry, source: { live(): WindowStats; status(): ProbationStatus | null }): void {
  new Gauge({
    name: 'molt_probation_error_rate',
    help: 'Share of 5xx answers and connection failures over the analysis window (current release)',
    registers: [registry],
    collect() {
      this.set(source.live().errorRate);
    },
  });
  new Gauge({
    name: 'molt_probation_p95_seconds',
    help: 'p95 latency over the analysis window (current release); 0 when the window is empty',
    registers: [registry],
    collect() {
      this.set((source.live().p95Ms ?? 0) / 1000);
    },
  });
  new Gauge({
    name: 'molt_probation_baseline_p95_seconds',
    help: "The previous release's p95 the running probation compares with; 0 when unknown",
    registers: [registry],
    collect() {
      this.set((source.status()?.baselineP95Ms ?? 0) / 1000);
    },
  });
  new Gauge({
    name: 'molt_probation_active',
    help: '1 while a release is on probation',
    registers: [registry],
    collect() {
      this.set(source.status()?.active ? 1 : 0);
    },
  });
}
