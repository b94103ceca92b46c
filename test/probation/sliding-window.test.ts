import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SlidingWindow } from '../../src/probation/sliding-window.js';
import { BIN_COUNT, binOf, binValue, quantile } from '../../src/probation/latency-histogram.js';

const T0 = 1_700_000_000_000;

test('counts requests by status class and treats 5xx and connection failures as errors', () => {
  const w = new SlidingWindow(10_000);
  const statuses = [200, 200, 204, 301, 404, 500, 503, 0];
  statuses.forEach((status, i) => w.add({ time: T0 + i, status, durationMs: 10 }));
  const s = w.stats(T0 + 100);
  assert.equal(s.requests, 8);
  assert.deepEqual(s.byClass, { failed: 1, '1xx': 0, '2xx': 3, '3xx': 1, '4xx': 1, '5xx': 2 });
  assert.equal(s.errors, 3);
  assert.equal(s.errorRate, 3 / 8);
});

test('forgets samples once they are older than the window', () => {
  const w = new SlidingWindow(10_000, 10);
  for (let i = 0; i < 50; i++) w.add({ time: T0 + i * 100, status: 500, durationMs: 5 });
  for (let i = 0; i < 50; i++) w.add({ time: T0 + 20_000 + i * 100, status: 200, durationMs: 5 });
  const s = w.stats(T0 + 25_000);
  assert.equal(s.requests, 50);
  assert.equal(s.errors, 0);
  assert.equal(w.stats(T0 + 60_000).requests, 0, 'an idle window empties');
});

test('ignores samples older than the ring can hold instead of corrupting a newer slot', () => {
  const w = new SlidingWindow(1000, 10);
  w.add({ time: T0 + 5000, status: 200, durationMs: 1 });
  w.add({ time: T0 + 5000 - 1000, status: 500, durationMs: 1 }); // same ring slot, one window earlier
  const s = w.stats(T0 + 5000);
  assert.equal(s.requests, 1);
  assert.equal(s.errors, 0);
});

test('reports latency quantiles within two percent of the exact values', () => {
  const w = new SlidingWindow(60_000);
  const latencies = Array.from({ length: 1000 }, (_, i) => 1 + i); // 1..1000 ms
  latencies.forEach((ms, i) => w.add({ time: T0 + i, status: 200, durationMs: ms }));
  const s = w.stats(T0 + 1000);
  for (const [got, exact] of [[s.p50Ms, 500], [s.p95Ms, 950], [s.p99Ms, 990]] as const) {
    assert.ok(got !== null && Math.abs(got - exact) / exact < 0.02, `quantile ${got} vs exact ${exact}`);
  }
});

test('keeps latency out of the quantiles for connection failures and reports null when nothing was answered', () => {
  const w = new SlidingWindow(10_000);
  w.add({ time: T0, status: 0, durationMs: 9000 });
  const s = w.stats(T0);
  assert.equal(s.requests, 1);
  assert.equal(s.p95Ms, null);
});

test('empties on reset', () => {
  const w = new SlidingWindow(10_000);
  w.add({ time: T0, status: 200, durationMs: 1 });
  w.reset();
  assert.equal(w.stats(T0).requests, 0);
});

test('uses fixed memory whatever the number of samples', () => {
  const w = new SlidingWindow(60_000, 20);
  const base = 60_000 * 28_333_333; // aligned with the slots, so the whole minute is inside the window
  for (let i = 0; i < 200_000; i++) w.add({ time: base + (i % 60_000), status: 200, durationMs: i % 5000 });
  const ring = (w as unknown as { ring: { hist: Uint32Array }[] }).ring;
  assert.equal(ring.length, 20);
  assert.ok(ring.every((slot) => slot.hist.length === BIN_COUNT));
  assert.equal(w.stats(base + 59_999).requests, 200_000);
});

test('rejects a window shorter than its slot count', () => {
  assert.throws(() => new SlidingWindow(5, 20), /windowMs=5: expected at least 20/);
  assert.throws(() => new SlidingWindow(1000, 0), /slots=0/);
});

test('maps every latency to a bin whose value is close to it', () => {
  assert.equal(binOf(0), 0);
  assert.equal(binOf(-3), 0);
  assert.equal(binOf(Number.NaN), 0);
  assert.equal(binOf(1e12), BIN_COUNT - 1);
  for (const ms of [0.5, 3, 47, 150, 999, 2000, 45_000]) {
    const v = binValue(binOf(ms));
    assert.ok(Math.abs(v + 1 - (ms + 1)) / (ms + 1) < 0.021, `${ms}ms → ${v}`);
  }
  assert.equal(quantile(new Uint32Array(BIN_COUNT), 0, 0.95), null);
});

test('an aggregated sample counts as `count` identical requests (hand-off batches)', () => {
  const one = new SlidingWindow(60_000);
  const many = new SlidingWindow(60_000);
  for (let i = 0; i < 70; i++) one.add({ time: 1000, status: 200, durationMs: 12 });
  for (let i = 0; i < 30; i++) one.add({ time: 1000, status: 503, durationMs: 40 });
  many.add({ time: 1000, status: 200, durationMs: 12, count: 70 });
  many.add({ time: 1000, status: 503, durationMs: 40, count: 30 });
  assert.deepEqual(many.stats(2000), one.stats(2000));
  assert.equal(many.stats(2000).errorRate, 0.3);
});
