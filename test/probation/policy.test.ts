import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate, policyFromConfig, type Baseline, type ProbationPolicy } from '../../src/probation/policy.js';
import type { WindowStats } from '../../src/probation/sliding-window.js';
import { loadConfig } from '../../src/config/load.js';

const policy: ProbationPolicy = { rollbackErrorRate: 0.1, alertErrorRate: 0.05, minRequests: 20, alertP95Ms: 2000, rollbackP95Factor: 2, healthFails: 2, minP95DeltaMs: 50 };

function win(requests: number, errors: number, p95Ms: number | null = 50): WindowStats {
  return {
    windowMs: 60_000, requests, errors, errorRate: requests ? errors / requests : 0, p50Ms: p95Ms, p95Ms, p99Ms: p95Ms,
    byClass: { failed: 0, '1xx': 0, '2xx': requests - errors, '3xx': 0, '4xx': 0, '5xx': errors },
  };
}
const baseline = (p95Ms: number | null, requests = 100): Baseline => ({ sha: 'a'.repeat(40), errorRate: 0, p95Ms, requests, recordedAt: 0 });

test('keeps a release with 2 % errors without an alert', () => {
  assert.deepEqual(evaluate(win(100, 2), baseline(50), policy), { verdict: 'ok', reasons: [] });
});

test('alerts without rolling back a release with 7 % errors', () => {
  const v = evaluate(win(100, 7), baseline(50), policy);
  assert.equal(v.verdict, 'alert');
  assert.equal(v.reasons.length, 1);
  assert.equal(v.reasons[0].kind, 'probation_error_rate');
  assert.equal(v.reasons[0].severity, 'warning');
  assert.match(v.reasons[0].message, /7\.0%.*MOLT_ALERT_ERROR_RATE/);
});

test('rolls back a release with 30 % errors and says by how much', () => {
  const v = evaluate(win(100, 30), baseline(50), policy);
  assert.equal(v.verdict, 'rollback');
  assert.equal(v.reasons[0].kind, 'probation_error_rate');
  assert.equal(v.reasons[0].value, 0.3);
  assert.equal(v.reasons[0].threshold, 0.1);
  assert.match(v.reasons[0].message, /30\.0% \(30 of 100 requests/);
});

test('never decides on rates or latency with fewer requests than the minimum', () => {
  assert.equal(evaluate(win(19, 19, 99_999), baseline(1), policy).verdict, 'ok');
  assert.equal(evaluate(win(2, 1), null, policy).verdict, 'ok');
  assert.equal(evaluate(win(20, 19), null, policy).verdict, 'rollback', 'the minimum itself is enough');
});

test('rolls back a release 3× slower than the previous release', () => {
  const v = evaluate(win(100, 0, 300), baseline(100), policy);
  assert.equal(v.verdict, 'rollback');
  assert.equal(v.reasons[0].kind, 'probation_latency');
  assert.equal(v.reasons[0].threshold, 200);
  assert.match(v.reasons[0].message, /3\.0× the previous release's 100ms/);
});

test('keeps a release only 1.5× slower than the previous one', () => {
  assert.equal(evaluate(win(100, 0, 150), baseline(100), policy).verdict, 'ok');
});

test('does not call a tiny absolute slowdown a regression', () => {
  assert.equal(evaluate(win(100, 0, 3), baseline(1), policy).verdict, 'ok');
});

test('skips the relative latency rule when the baseline had too few requests', () => {
  assert.equal(evaluate(win(100, 0, 900), baseline(100, 5), policy).verdict, 'ok');
  assert.equal(evaluate(win(100, 0, 900), baseline(null), policy).verdict, 'ok');
  assert.equal(evaluate(win(100, 0, 900), null, policy).verdict, 'ok');
});

test('alerts on a p95 above MOLT_ALERT_P95_MS', () => {
  const v = evaluate(win(100, 0, 2500), baseline(2000), policy);
  assert.equal(v.verdict, 'alert');
  assert.equal(v.reasons[0].kind, 'probation_latency');
  assert.equal(v.reasons[0].threshold, 2000);
});

test('alerts after MOLT_HEALTH_FAILS failed probes in a row and rolls back after twice as many', () => {
  assert.equal(evaluate(win(0, 0), null, policy, 1).verdict, 'ok');
  const alert = evaluate(win(0, 0), null, policy, 2);
  assert.equal(alert.verdict, 'alert');
  assert.equal(alert.reasons[0].kind, 'probation_health');
  assert.equal(evaluate(win(0, 0), null, policy, 3).verdict, 'alert');
  const rb = evaluate(win(0, 0), null, policy, 4);
  assert.equal(rb.verdict, 'rollback');
  assert.equal(rb.reasons[0].severity, 'critical');
});

test('lists every breached rule, rollback reasons marked critical', () => {
  const v = evaluate(win(100, 30, 3000), baseline(100), policy, 2);
  assert.equal(v.verdict, 'rollback');
  assert.deepEqual(v.reasons.map((r) => [r.kind, r.severity]), [
    ['probation_error_rate', 'critical'],
    ['probation_latency', 'critical'],
    ['probation_health', 'warning'],
  ]);
});

test('builds the policy from the validated configuration defaults', () => {
  const loaded = loadConfig({ MOLT_APP_DIR: '/tmp' });
  assert.ok(loaded.ok);
  assert.deepEqual(policyFromConfig(loaded.config), { rollbackErrorRate: 0.1, alertErrorRate: 0.05, minRequests: 20, alertP95Ms: 2000, rollbackP95Factor: 2, healthFails: 2, minP95DeltaMs: 50 });
});

test('configuration rejects an alert error rate above the rollback error rate', () => {
  const loaded = loadConfig({ MOLT_APP_DIR: '/tmp', MOLT_ALERT_ERROR_RATE: '0.2', MOLT_ROLLBACK_ERROR_RATE: '0.1' });
  assert.equal(loaded.ok, false);
  assert.ok(!loaded.ok && loaded.problems.some((p) => p.startsWith('MOLT_ALERT_ERROR_RATE=0.2')));
});
