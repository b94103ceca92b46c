import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay, decideRestart, initialRestartState, type RestartPolicyConfig, type RestartState } from '../../src/supervisor/restart-policy.js';

const cfg: RestartPolicyConfig = { restart: 'on-failure', backoffInitialMs: 1000, backoffMaxMs: 60_000, minUptimeMs: 30_000, crashLoopRestarts: 5 };
const mid = () => 0.5; // no jitter

test('the backoff doubles per short run from the initial delay and stops at the cap', () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffDelay(n, cfg, mid)), [1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000]);
});

test('jitter stays within plus or minus 20 percent and never exceeds the cap', () => {
  assert.equal(backoffDelay(1, cfg, () => 0), 800);
  assert.equal(backoffDelay(1, cfg, () => 0.9999999), 1200);
  assert.equal(backoffDelay(50, cfg, () => 0.9999999), 60_000);
});

test('on-failure exits on a clean exit and restarts a failing one', () => {
  const clean = decideRestart(initialRestartState, { status: 0, uptimeMs: 10 }, cfg, mid);
  assert.deepEqual(clean, { action: 'exit', status: 0, state: initialRestartState });
  const crash = decideRestart(initialRestartState, { status: 3, uptimeMs: 10 }, cfg, mid);
  assert.equal(crash.action, 'restart');
  assert.equal(crash.action === 'restart' && crash.delayMs, 1000);
});

test('always restarts a clean exit and never restarts nothing', () => {
  assert.equal(decideRestart(initialRestartState, { status: 0, uptimeMs: 10 }, { ...cfg, restart: 'always' }, mid).action, 'restart');
  const never = decideRestart(initialRestartState, { status: 9, uptimeMs: 10 }, { ...cfg, restart: 'never' }, mid);
  assert.deepEqual(never, { action: 'exit', status: 9, state: initialRestartState });
});

test('a run of at least min uptime resets the backoff to the initial delay', () => {
  let state: RestartState = initialRestartState;
  const delays: number[] = [];
  for (const uptimeMs of [10, 10, 10, 30_000, 10]) {
    const d = decideRestart(state, { status: 1, uptimeMs }, cfg, mid);
    assert.equal(d.action, 'restart');
    if (d.action !== 'restart') return;
    delays.push(d.delayMs);
    state = d.state;
  }
  assert.deepEqual(delays, [1000, 2000, 4000, 1000, 1000]);
  assert.equal(state.restarts, 5);
  assert.equal(state.shortRuns, 1);
});

test('the n-th short run in a row is a crash loop, reported again every n runs, and keeps restarting at the cap', () => {
  let state: RestartState = initialRestartState;
  const loops: number[] = [];
  for (let i = 1; i <= 12; i++) {
    const d = decideRestart(state, { status: 1, uptimeMs: 5 }, cfg, mid);
    assert.equal(d.action, 'restart', `run ${i} must restart`);
    if (d.action !== 'restart') return;
    if (d.crashLoop) loops.push(i);
    if (i >= 5) assert.equal(d.delayMs, 60_000);
    state = d.state;
  }
  assert.deepEqual(loops, [5, 10]);
});

test('a requested restart ignores the policy and is immediate after a long enough run', () => {
  const never = { ...cfg, restart: 'never' as const };
  const long = decideRestart(initialRestartState, { status: 10, uptimeMs: 60_000, requested: true }, never, mid);
  assert.equal(long.action, 'restart');
  assert.equal(long.action === 'restart' && long.delayMs, 0);
  const short = decideRestart(initialRestartState, { status: 10, uptimeMs: 5, requested: true }, never, mid);
  assert.equal(short.action === 'restart' && short.delayMs, 1000);
});
