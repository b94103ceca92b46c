import { test } from 'node:test';
import assert from 'node:assert/strict';
import { harness, SHA, withTimeout } from './harness.js';
import { load } from './load.js';
import { MoltError } from '../../src/core/errors.js';

// Real traffic front + real fixture app processes + real controller; the update engine is a stand-in (see harness.ts).

test('a release answering 500 to 30 % of its requests is rolled back within the analysis window', async (t) => {
  const h = await harness(t);
  await h.boot({ ERROR_RATE: '0' });
  await h.deploy({ ERROR_RATE: '0.3' });
  const result = await load(h.frontPort, { total: 120, concurrency: 4, pauseMs: 5 });
  assert.ok(result.byStatus[500] >= 30, `the app answered 500s (${JSON.stringify(result.byStatus)})`);
  const ended = await withTimeout(h.ended, 15_000, 'probation_ended');
  assert.equal(ended.outcome, 'rolled_back');
  assert.equal(h.rollbacks.length, 1);
  assert.deepEqual({ ...h.rollbacks[0], reason: undefined, details: undefined }, { sha: SHA.v1, trigger: 'probation', actor: 'probation', reason: undefined, details: undefined });
  assert.match(h.rollbacks[0].reason ?? '', /^probation: error rate \d+\.\d% .* exceeds MOLT_ROLLBACK_ERROR_RATE 10\.0%/);
  const rb = h.records.find((r) => r.event === 'probation_rollback');
  assert.ok(rb, 'probation_rollback logged');
  assert.ok((rb.errorRate as number) > 0.1 && (rb.requests as number) >= 20);
  assert.deepEqual(rb.kinds, ['probation_error_rate']);
  const critical = h.alerts.find((a) => a.severity === 'critical');
  assert.ok(critical && critical.kind === 'probation_error_rate');
  assert.ok(critical.details && (critical.details.errorRate as number) > 0.1);
  for (const k of ['errorRate', 'p95Ms', 'baselineP95Ms', 'requests']) assert.ok(k in critical.details, `details.${k}`);
  const started = h.records.find((r) => r.event === 'probation_started')!;
  assert.ok(Date.parse(rb.time as string) < Date.parse(started.endsAt as string), 'rolled back before the probation ended');
  assert.equal(h.controller.status()?.state, 'rolled_back');
});

test('a release with 2 % errors is kept without an alert', async (t) => {
  const h = await harness(t, { config: { probationMs: 4000 } });
  await h.boot({ ERROR_RATE: '0' });
  await h.deploy({ ERROR_RATE: '0.02' });
  const result = await load(h.frontPort, { total: 150, concurrency: 4, pauseMs: 5 });
  assert.ok(result.byStatus[500] >= 2);
  const ended = await withTimeout(h.ended, 15_000, 'probation_ended');
  assert.equal(ended.outcome, 'passed');
  assert.deepEqual(h.alerts, []);
  assert.equal(h.rollbacks.length, 0);
  assert.ok(h.records.some((r) => r.event === 'probation_passed'));
});

test('a release with 7 % errors is kept with an alert', async (t) => {
  const h = await harness(t, { config: { probationMs: 4000 } });
  await h.boot({ ERROR_RATE: '0' });
  await h.deploy({ ERROR_RATE: '0.07' });
  await load(h.frontPort, { total: 150, concurrency: 4, pauseMs: 5 });
  const ended = await withTimeout(h.ended, 15_000, 'probation_ended');
  assert.equal(ended.outcome, 'passed');
  assert.equal(h.rollbacks.length, 0);
  assert.deepEqual(h.alerts.map((a) => [a.kind, a.severity]), [['probation_error_rate', 'warning']]);
  assert.match(h.alerts[0].message, /MOLT_ALERT_ERROR_RATE/);
  const logged = h.records.filter((r) => r.event === 'probation_alert');
  assert.equal(logged.length, 1, 'alerted once, not on every evaluation');
  assert.deepEqual(h.controller.status()?.alerts.map((a) => a.kind), ['probation_error_rate']);
});

test('a release 3× slower than its predecessor is rolled back, compared with the predecessor’s recorded p95', async (t) => {
  const h = await harness(t);
  await h.boot({ DELAY_MS: '60' });
  await load(h.frontPort, { total: 60, concurrency: 4 });
  await h.deploy({ DELAY_MS: '180' });
  const baseline = h.records.find((r) => r.event === 'probation_started')!;
  assert.ok((baseline.baselineP95Ms as number) >= 55 && (baseline.baselineP95Ms as number) < 120, `baseline p95 ${baseline.baselineP95Ms}`);
  await load(h.frontPort, { total: 60, concurrency: 4 });
  const ended = await withTimeout(h.ended, 15_000, 'probation_ended');
  assert.equal(ended.outcome, 'rolled_back');
  assert.equal(h.rollbacks.length, 1);
  assert.match(h.rollbacks[0].reason ?? '', /p95 latency \d+ms is \d\.\d× the previous release's \d+ms/);
  const rb = h.records.find((r) => r.event === 'probation_rollback')!;
  assert.deepEqual(rb.kinds, ['probation_latency']);
  assert.ok((rb.p95Ms as number) > 2 * (rb.baselineP95Ms as number));
});

test('too few requests never trigger, even if every one of them fails', async (t) => {
  const h = await harness(t, { config: { probationMs: 3000 } });
  await h.boot({ ERROR_RATE: '0' });
  await h.deploy({ ERROR_RATE: '1' });
  const result = await load(h.frontPort, { total: 15, concurrency: 1, pauseMs: 20 });
  assert.equal(result.byStatus[500], 15);
  const ended = await withTimeout(h.ended, 15_000, 'probation_ended');
  assert.equal(ended.outcome, 'passed');
  assert.deepEqual(h.alerts, []);
  assert.equal(h.rollbacks.length, 0);
});

test('failing health probes alert first and roll back after twice MOLT_HEALTH_FAILS in a row', async (t) => {
  const h = await harness(t);
  await h.boot({});
  await h.deploy({ HEALTH: 'fail' });
  const ended = await withTimeout(h.ended, 15_000, 'probation_ended');
  assert.equal(ended.outcome, 'rolled_back');
  assert.deepEqual(h.alerts.map((a) => [a.kind, a.severity]), [['probation_health', 'warning'], ['probation_health', 'critical']]);
  assert.equal(h.alerts[1].details?.healthFailStreak, 4);
});

test('the probation gauges and status follow the live window', async (t) => {
  const h = await harness(t, { config: { probationMs: 60_000 } });
  await h.boot({});
  await h.deploy({ ERROR_RATE: '0.04' });
  await load(h.frontPort, { total: 50, concurrency: 2 });
  const st = h.controller.status();
  assert.ok(st && st.active && st.state === 'active');
  assert.equal(st.requests, 50);
  assert.equal(st.errorRate, 0.04);
  assert.ok(st.timeLeftMs > 0 && st.timeLeftMs <= 60_000);
  const text = await h.registry.metrics();
  assert.match(text, /^molt_probation_error_rate 0\.04$/m);
  assert.match(text, /^molt_probation_active 1$/m);
  assert.match(text, /^molt_probation_p95_seconds 0\.\d+$/m);
  h.events.emit('update_started', { id: 5, kind: 'update', trigger: 'cli', actor: 'test', fromSha: SHA.v2, toSha: '3'.repeat(40), toSubject: null, commits: [] });
  const ended = await withTimeout(h.ended, 5000, 'probation_ended');
  assert.equal(ended.outcome, 'cancelled');
  assert.match(await h.registry.metrics(), /^molt_probation_active 0$/m);
});

test('a rollback the engine refuses is reported as critical with its error code', async (t) => {
  const h = await harness(t, {
    rollback: async () => {
      throw new MoltError('MOLT_E_UPDATE_IN_PROGRESS', 'another update holds the update lock');
    },
  });
  await h.boot({});
  await h.deploy({ ERROR_RATE: '0.5' });
  await load(h.frontPort, { total: 60, concurrency: 4 });
  const ended = await withTimeout(h.ended, 15_000, 'probation_ended');
  assert.equal(ended.outcome, 'rollback_failed');
  assert.equal(h.rollbacks.length, 2, 'an update in progress is retried a bounded number of times');
  assert.equal(h.records.filter((r) => r.event === 'probation_rollback_retry').length, 1);
  const failed = h.records.find((r) => r.event === 'probation_rollback_failed');
  assert.equal(failed?.code, 'MOLT_E_UPDATE_IN_PROGRESS');
  const last = h.alerts.at(-1)!;
  assert.equal(last.severity, 'critical');
  assert.match(last.message, /refused \(MOLT_E_UPDATE_IN_PROGRESS\).*molt rollback 1111111/);
});

test('MOLT_PROBATION=0 attaches no observer and never rolls back', async (t) => {
  const h = await harness(t, { config: { probationMs: 0 } });
  await h.boot({});
  await h.deploy({ ERROR_RATE: '1' });
  await load(h.frontPort, { total: 40, concurrency: 2 });
  assert.ok(h.records.some((r) => r.event === 'probation_disabled'));
  assert.equal(h.records.filter((r) => r.event === 'probation_started').length, 0);
  assert.equal(h.controller.status(), null);
  assert.equal(h.controller.live().requests, 0, 'no request was observed');
  assert.equal(h.rollbacks.length, 0);
});
