import { binOf, binValue } from '../probation/latency-histogram.js';

/** One aggregated sample as sent to molt: `count` requests answered with `status` in about `durationMs`. */
export interface AggregatedSample {
  time: number;
  status: number;
  durationMs: number;
  count: number;
}

/** Distinct (status, latency bin) pairs worth one batch: record() asks for a flush at this size (bounded memory). */
export const MAX_KEYS = 500;
const BIN_SPAN = 1024;

/**
 * Request outcomes of handed-off connections, counted per (status, latency bin) between flushes.
 * Why: one object per request (and its JSON on the IPC channel) cost the app ~25 % of its throughput; a counter
 * increment does not. molt's probation window bins latencies the same way, so nothing it uses is lost: the batch
 * carries each bin's middle value and a count.
 */
export class HandoffStats {
  private readonly counts = new Map<number, number>();

  /** Counts one answer; true when the batch is full and should be flushed now. */
  record(status: number, durationMs: number): boolean {
    const key = (status >= 0 && status <= 999 ? status : 0) * BIN_SPAN + binOf(durationMs);
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    return this.counts.size >= MAX_KEYS;
  }

  get empty(): boolean {
    return this.counts.size === 0;
  }

  /** The counts since the last drain as samples stamped `now`, and a fresh start. */
  drain(now: number): AggregatedSample[] {
    const out: AggregatedSample[] = [];
    for (const [key, count] of this.counts) {
      const status = Math.floor(key / BIN_SPAN);
      out.push({ time: now, status, durationMs: binValue(key % BIN_SPAN), count });
    }
    this.counts.clear();
    return out;
  }
}
