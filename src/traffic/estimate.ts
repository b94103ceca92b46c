import type { HistoryRow } from '../update/api.js';

/** Median duration (seconds, rounded up, 5–600) of the last `sample` finished updates/rollbacks; `fallback` without any. */
export function estimateFromHistory(rows: HistoryRow[], fallback = 30, sample = 10): number {
  const durations = rows
    .filter((r) => r.finishedAt && (r.outcome === 'succeeded' || r.outcome === 'rolled_back') && (r.kind === 'update' || r.kind === 'rollback'))
    .slice(0, sample)
    .map((r) => Date.parse(r.finishedAt!) - Date.parse(r.startedAt))
    .filter((ms) => Number.isFinite(ms) && ms >= 0)
    .sort((a, b) => a - b);
  if (!durations.length) return fallback;
  const mid = Math.floor(durations.length / 2);
  const median = durations.length % 2 ? durations[mid] : (durations[mid - 1] + durations[mid]) / 2;
  return Math.min(600, Math.max(5, Math.ceil(median / 1000)));
}

/**
 * The `estimateSeconds` port of the front, fed by history. Cached for `ttlMs` because it is asked on every holding
 * answer (a burst of clients must not turn into a burst of history queries). The source can be attached later
 * (the engine is built after the front).
 */
export function cachedEstimate(ttlMs = 10_000, now: () => number = Date.now): { estimate: () => number; attach(history: () => HistoryRow[]): void } {
  let source: (() => HistoryRow[]) | undefined;
  let value = 30;
  let at = -Infinity;
  return {
    estimate() {
      if (source && now() - at >= ttlMs) {
        at = now();
        try {
          value = estimateFromHistory(source());
        } catch {
          /* keep the last value: the page must answer even when history is unavailable */
        }
      }
      return value;
    },
    attach(history) {
      source = history;
      at = -Infinity;
    },
  };
}
