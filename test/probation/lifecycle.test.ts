import { test } from 'node:test';
import assert from 'node:assert/strict';
import { begin, cancel, rollbackFinished, tick, type ProbationState } from '../../src/probation/lifecycle.js';
import { BaselineRecorder } from '../../src/probation/baseline-recorder.js';
import { statusOf } from '../../src/probation/status.js';
import { SlidingWindow } from '../../src/probation/sliding-window.js';
import type { ProbationPolicy } from '../../src/probation/policy.js';

const policy: ProbationPolicy = { rollbackErrorRate: 0.1, alertErrorRate: 0.05, minRequests: 20, alertP95Ms: 2000, rollbackP95Factor: 2, healthFails: 2, minP95DeltaMs: 50 };
const T0 = 1_700_000_000_000;
const OLD = 'a'.repeat(40);
const NEW = 'b'.repeat(40);

function windowWith(n: number, errorEvery: number, durationMs: number, at = T0): SlidingWindow {
  const w = new SlidingWindow(10_000);
  for (let i = 0; i < n; i++) w.add({ time: at + i, status: errorEvery && i % errorEvery === 0 ? 500 : 200, durationMs });
  return w;
}

test('passes a healthy release once the probation time is over', () => {
  let state: ProbationState = begin({ id: 1, fromSha: OLD, toSha: NEW }, null, T0, 5000);
  const w = windowWith(100, 0, 10);
  let r = tick(state, { now: T0 + 1000, stats: w.stats(T0 + 1000), probeStatus: 200 }, policy);
  assert.equal(r.state.kind, 'active');
  assert.deepEqual(r.actions, []);
  state = r.state;
  r = tick(state, { now: T0 + 5000, stats: w.stats(T0 + 5000), probeStatus: 200 }, policy);
  assert.equal(r.state.kind, 'ended');
  assert.ok(r.state.kind === 'ended' && r.state.outcome === 'passed');
  assert.equal(r.actions[0].type, 'passed');
});

test('announces each warning kind once, not on every tick', () => {
  let state: ProbationState = begin({ id: 1, fromSha: OLD, toSha: NEW }, null, T0, 60_000);
  const w = windowWith(100, 14, 10); // ~7 % errors
  const all = [];
  for (let i = 1; i <= 5; i++) {
    const r = tick(state, { now: T0 + i * 500, stats: w.stats(T0 + i * 500), probeStatus: 200 }, policy);
    state = r.state;
    all.push(...r.actions);
  }
  assert.equal(state.kind, 'active');
  assert.deepEqual(all.map((a) => a.type), ['alert']);
  assert.ok(all[0].type === 'alert' && all[0].reason.kind === 'probation_error_rate');
  assert.equal(all[0].details.requests, 100);
});

test('asks for exactly one rollback to the previous release with the measured numbers', () => {
  const state = begin({ id: 7, fromSha: OLD, toSha: NEW }, { sha: OLD, errorRate: 0.01, p95Ms: 20, requests: 200, recordedAt: T0 - 1 }, T0, 60_000);
  const w = windowWith(100, 3, 10); // 34 % errors
  const r = tick(state, { now: T0 + 500, stats: w.stats(T0 + 500), probeStatus: 200 }, policy);
  assert.equal(r.state.kind, 'rolling_back');
  const rb = r.actions.find((a) => a.type === 'rollback');
  assert.ok(rb && rb.type === 'rollback');
  assert.equal(rb.details.fromSha, OLD);
  assert.equal(rb.details.requests, 100);
  assert.equal(rb.details.errors, 34);
  assert.equal(rb.details.baselineP95Ms, 20);
  assert.equal(rb.details.baselineErrorRate, 0.01);
  const again = tick(r.state, { now: T0 + 1000, stats: w.stats(T0 + 1000), probeStatus: 200 }, policy);
  assert.deepEqual(again.actions, [], 'a rolling-back probation takes no more decisions');
  const done = rollbackFinished(r.state, true, T0 + 2000);
  assert.ok(done.kind === 'ended' && done.outcome === 'rolled_back');
});

test('rolls back after twice MOLT_HEALTH_FAILS failed probes even without traffic', () => {
  let state: ProbationState = begin({ id: 1, fromSha: OLD, toSha: NEW }, null, T0, 60_000);
  const empty = new SlidingWindow(10_000).stats(T0);
  const kinds: string[] = [];
  for (let i = 1; i <= 4 && state.kind === 'active'; i++) {
    const r = tick(state, { now: T0 + i, stats: empty, probeStatus: 0 }, policy);
    state = r.state;
    kinds.push(...r.actions.map((a) => a.type));
  }
  assert.deepEqual(kinds, ['alert', 'rollback']);
  assert.equal(state.kind, 'rolling_back');
});

test('a successful probe ends a failure streak', () => {
  let state: ProbationState = begin({ id: 1, fromSha: OLD, toSha: NEW }, null, T0, 60_000);
  const empty = new SlidingWindow(10_000).stats(T0);
  for (const status of [0, 503, 200, 0, 500, 200, 0]) state = tick(state, { now: T0 + 1, stats: empty, probeStatus: status }, policy).state;
  assert.equal(state.kind, 'active');
  assert.ok(state.kind === 'active' && state.run.health.consecutiveFailures === 1 && state.run.health.failures === 5);
});

test('cancel ends only an active probation', () => {
  const state = begin({ id: 1, fromSha: OLD, toSha: NEW }, null, T0, 60_000);
  const c = cancel(state, T0 + 1, 'superseded');
  assert.ok(c.kind === 'ended' && c.outcome === 'cancelled' && c.note === 'superseded');
  assert.equal(cancel(c, T0 + 2, 'again'), c);
  assert.deepEqual(cancel({ kind: 'idle' }, T0, 'x'), { kind: 'idle' });
});

test('the status view shows time left, live numbers and the baseline', () => {
  const state = begin({ id: 3, fromSha: OLD, toSha: NEW }, { sha: OLD, errorRate: 0.02, p95Ms: 40, requests: 50, recordedAt: T0 }, T0, 10_000);
  const w = windowWith(40, 10, 100);
  const s = statusOf(state, w.stats(T0 + 4000), T0 + 4000, policy);
  assert.ok(s);
  assert.equal(s.active, true);
  assert.equal(s.state, 'active');
  assert.equal(s.timeLeftMs, 6000);
  assert.equal(s.endsAt, new Date(T0 + 10_000).toISOString());
  assert.equal(s.requests, 40);
  assert.equal(s.errorRate, 0.1);
  assert.equal(s.baselineP95Ms, 40);
  assert.equal(s.baselineErrorRate, 0.02);
  assert.equal(s.verdict, 'ok');
  assert.equal(statusOf({ kind: 'idle' }, w.stats(T0), T0, policy), null);
});

test('freezes the current window as the baseline of the release being replaced and starts a fresh window', () => {
  const rec = new BaselineRecorder(10_000, 20);
  for (let i = 0; i < 100; i++) rec.add({ time: T0 + i, status: i < 5 ? 500 : 200, durationMs: 30 });
  const b = rec.freeze(OLD, T0 + 200);
  assert.equal(b.requests, 100);
  assert.equal(b.errorRate, 0.05);
  assert.ok(b.p95Ms !== null && Math.abs(b.p95Ms - 30) < 1);
  assert.equal(rec.stats(T0 + 200).requests, 0);
  assert.equal(rec.baselineOf(OLD), b);
  // A retried update right after a failed one: the nearly empty window keeps the fuller baseline.
  rec.add({ time: T0 + 300, status: 200, durationMs: 5 });
  assert.equal(rec.freeze(OLD, T0 + 400), b);
  assert.equal(rec.baselineOf(NEW), null);
});

test('keeps a bounded number of baselines', () => {
  const rec = new BaselineRecorder(10_000, 20);
  for (let i = 0; i < 30; i++) rec.freeze(String(i).padStart(40, '0'), T0 + i);
  assert.equal(rec.baselineOf('0'.repeat(40)), null);
  assert.ok(rec.baselineOf(String(29).padStart(40, '0')));
});
