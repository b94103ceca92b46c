import type { RequestSample } from '../traffic/api.js';
import type { Baseline } from './policy.js';
import { SlidingWindow, type WindowStats } from './sliding-window.js';

const KEEP_BASELINES = 8;

/**
 * Keeps the rolling window of the release that serves traffic now, and freezes it as that release's baseline
 * when an update starts, so "2× slower" compares the new release with the old one's last window.
 * INVARIANTS:
 * - `window` only holds samples served since the last freeze()/discard(): one release (or the same release restarted);
 * - at most KEEP_BASELINES frozen baselines are kept (memory is bounded), newest wins per sha.
 */
export class BaselineRecorder {
  readonly window: SlidingWindow;
  private readonly frozen = new Map<string, Baseline>();

  constructor(windowMs: number, private readonly minRequests: number) {
    this.window = new SlidingWindow(windowMs);
  }

  add(sample: RequestSample): void {
    this.window.add(sample);
  }

  stats(now: number): WindowStats {
    return this.window.stats(now);
  }

  /**
   * Called when an update starts: records the current window as `sha`'s baseline and empties the window.
   * A window too small to compare keeps an earlier, fuller baseline of the same sha (an update retried soon
   * after a failed one still compares against real traffic).
   */
  freeze(sha: string | null, now: number): Baseline {
    const s = this.window.stats(now);
    const fresh: Baseline = { sha, errorRate: s.errorRate, p95Ms: s.p95Ms, requests: s.requests, recordedAt: now };
    this.window.reset();
    const key = sha ?? '';
    const earlier = this.frozen.get(key);
    const keep = earlier && fresh.requests < this.minRequests && earlier.requests > fresh.requests ? earlier : fresh;
    this.frozen.delete(key);
    this.frozen.set(key, keep);
    while (this.frozen.size > KEEP_BASELINES) this.frozen.delete(this.frozen.keys().next().value as string);
    return keep;
  }

  /** Drops the window's samples (a failed update may have served a few requests from the rejected release). */
  discard(): void {
    this.window.reset();
  }

  baselineOf(sha: string | null): Baseline | null {
    return this.frozen.get(sha ?? '') ?? null;
  }
}
