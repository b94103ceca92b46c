import type { RequestSample } from '../traffic/api.js';
import { BIN_COUNT, binOf, quantile } from './latency-histogram.js';

/** Status classes counted per slot: index 0 = connection failure (status 0 or not an HTTP status), 1..5 = 1xx..5xx. */
export type StatusClass = 'failed' | '1xx' | '2xx' | '3xx' | '4xx' | '5xx';
const CLASSES: StatusClass[] = ['failed', '1xx', '2xx', '3xx', '4xx', '5xx'];

export interface WindowStats {
  windowMs: number;
  /** All requests in the window, connection failures included. */
  requests: number;
  /** 5xx answers plus connection failures (the proxy answers those with 502). */
  errors: number;
  errorRate: number;
  byClass: Record<StatusClass, number>;
  /** Latency quantiles over answered requests (status ≥ 100); null when there are none. */
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
}

interface Slot {
  epoch: number;
  counts: Uint32Array;
  hist: Uint32Array;
}

export function classIndex(status: number): number {
  return status >= 100 && status < 600 ? Math.floor(status / 100) : 0;
}

/**
 * Request outcomes over the last `windowMs`, in `slots` time slots of windowMs/slots each (a ring):
 * memory is fixed (slots × ~390 counters) whatever the request rate, and adding a sample is O(1).
 * The window's resolution is one slot: stats(now) covers between windowMs − slotMs and windowMs.
 * Time comes only from the samples and the `now` passed in, so it is deterministic under test.
 */
export class SlidingWindow {
  readonly slotMs: number;
  private readonly ring: Slot[];

  constructor(readonly windowMs: number, readonly slots = 20) {
    if (!Number.isInteger(slots) || slots < 1) throw new RangeError(`slots=${slots}: expected a positive integer`);
    if (!(windowMs >= slots)) throw new RangeError(`windowMs=${windowMs}: expected at least ${slots} (one ms per slot)`);
    this.slotMs = windowMs / slots;
    this.ring = Array.from({ length: slots }, () => ({ epoch: -1, counts: new Uint32Array(CLASSES.length), hist: new Uint32Array(BIN_COUNT) }));
  }

  add(sample: RequestSample): void {
    const epoch = Math.floor(sample.time / this.slotMs);
    if (!(epoch >= 0)) return;
    const slot = this.ring[epoch % this.slots];
    if (slot.epoch !== epoch) {
      if (slot.epoch > epoch) return; // older than the ring reaches: outside any window we can still report
      slot.epoch = epoch;
      slot.counts.fill(0);
      slot.hist.fill(0);
    }
    const cls = classIndex(sample.status);
    const n = sample.count ?? 1;
    slot.counts[cls] += n;
    if (cls !== 0) slot.hist[binOf(sample.durationMs)] += n;
  }

  reset(): void {
    for (const slot of this.ring) slot.epoch = -1;
  }

  stats(now: number): WindowStats {
    const nowEpoch = Math.floor(now / this.slotMs);
    const counts = new Array<number>(CLASSES.length).fill(0);
    const hist = new Uint32Array(BIN_COUNT);
    for (const slot of this.ring) {
      if (slot.epoch < 0 || slot.epoch > nowEpoch || slot.epoch <= nowEpoch - this.slots) continue;
      for (let i = 0; i < counts.length; i++) counts[i] += slot.counts[i];
      for (let b = 0; b < BIN_COUNT; b++) hist[b] += slot.hist[b];
    }
    const requests = counts.reduce((a, b) => a + b, 0);
    const answered = requests - counts[0];
    const errors = counts[0] + counts[5];
    const byClass = Object.fromEntries(CLASSES.map((c, i) => [c, counts[i]])) as Record<StatusClass, number>;
    return {
      windowMs: this.windowMs,
      requests,
      errors,
      errorRate: requests ? errors / requests : 0,
      byClass,
      p50Ms: quantile(hist, answered, 0.5),
      p95Ms: quantile(hist, answered, 0.95),
      p99Ms: quantile(hist, answered, 0.99),
    };
  }
}
