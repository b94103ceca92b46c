import { test } from 'node:test';
import assert from 'node:assert/strict';
import { superviseFixture } from './support.js';

/** Asserts a jittered delay is within ±20 % of `base`. */
function near(delayMs: unknown, base: number, what: string): void {
  assert.equal(typeof delayMs, 'number', what);
  const d = delayMs as number;
  assert.ok(d >= Math.floor(base * 0.8) && d <= Math.ceil(base * 1.2), `${what}: ${d}ms is not within 20% of ${base}ms`);
}

test('crashes restart with growing delays and a run longer than min uptime resets the backoff', async (t) => {
  const { molt } = await superviseFixture(t, 'crash-after.mjs', {
    CRASH_AFTER_MS: '20,20,20,1500,20',
    COUNTER_FILE: 'runs.txt',
    MOLT_MIN_UPTIME: '1s',
    MOLT_BACKOFF_INITIAL: '100ms',
    MOLT_BACKOFF_MAX: '5s',
    EXIT_CODE: '3',
  });
  const scheduled = await molt.waitForCount('app_restart_scheduled', 5, 30_000);
  const exits = molt.events('app_exited').slice(0, 5);
  assert.deepEqual(exits.map((e) => e.exitCode), [3, 3, 3, 3, 3]);
  near(scheduled[0].delayMs, 100, 'first restart');
  near(scheduled[1].delayMs, 200, 'second restart');
  near(scheduled[2].delayMs, 400, 'third restart');
  assert.ok((exits[3].uptimeMs as number) >= 1000, 'the fourth run outlived min uptime');
  near(scheduled[3].delayMs, 100, 'restart after a long run');
  near(scheduled[4].delayMs, 100, 'the next short run starts again from the initial delay');
  assert.deepEqual(scheduled.slice(0, 5).map((s) => s.restarts), [1, 2, 3, 4, 5]);
  assert.equal(molt.events('crash_loop').length, 0);
});

test('exits shorter than min uptime in a row raise crash_loop and the app keeps restarting at the cap', async (t) => {
  const { molt } = await superviseFixture(t, 'crash-after.mjs', {
    CRASH_AFTER_MS: '10',
    MOLT_CRASH_LOOP_RESTARTS: '3',
    MOLT_BACKOFF_INITIAL: '50ms',
    MOLT_BACKOFF_MAX: '300ms',
  });
  const loop = await molt.waitFor('crash_loop', 20_000);
  assert.equal(loop.restarts, 3);
  assert.equal(loop.level, 'error');
  await molt.waitForCount('app_restart_scheduled', 5, 20_000);
  const delays = molt.events('app_restart_scheduled').map((r) => r.delayMs as number);
  assert.ok(delays.slice(2).every((d) => d === 300 || (d >= 240 && d <= 300)), `delays after the loop stay at the cap: ${delays}`);
  await molt.waitForCount('app_started', 6, 20_000);
});

for (const [policy, restarts] of [['on-failure', false], ['always', true], ['never', false]] as const) {
  test(`exit 0 under MOLT_RESTART=${policy} ${restarts ? 'restarts the app' : 'ends the supervisor with 0'}`, async (t) => {
    const { molt } = await superviseFixture(t, 'exit-with-code.mjs', { EXIT_CODE: '0', MOLT_RESTART: policy });
    if (restarts) {
      await molt.waitForCount('app_started', 2);
      const s = molt.events('app_restart_scheduled')[0];
      near(s.delayMs, 100, 'restart after a clean exit');
    } else {
      const { code } = await molt.exited;
      assert.equal(code, 0);
      assert.equal(molt.events('app_started').length, 1);
      assert.equal(molt.events('app_not_restarted')[0]?.exitCode, 0);
    }
  });
}

test('a non-zero exit under on-failure is a crash and restarts the app', async (t) => {
  const { molt } = await superviseFixture(t, 'exit-with-code.mjs', { EXIT_CODE: '42' });
  await molt.waitForCount('app_started', 2);
  const exit = molt.events('app_exited')[0];
  assert.equal(exit.exitCode, 42);
  assert.equal(exit.meaning, 'crash');
});

test('under MOLT_RESTART=never the supervisor exits with the app status', async (t) => {
  const { molt } = await superviseFixture(t, 'exit-with-code.mjs', { EXIT_CODE: '42', MOLT_RESTART: 'never' });
  assert.equal((await molt.exited).code, 42);
  assert.equal(molt.events('supervisor_exit')[0]?.exitCode, 42);
});

test('exit codes 12 and 13 are logged with their protocol meaning at error level', async (t) => {
  for (const [code, meaning] of [['12', 'migration_failed'], ['13', 'schema_from_future']]) {
    const { molt } = await superviseFixture(t, 'exit-with-code.mjs', { EXIT_CODE: code, MOLT_RESTART: 'never' });
    assert.equal((await molt.exited).code, Number(code));
    const exit = molt.events('app_exited')[0];
    assert.equal(exit.meaning, meaning);
    assert.equal(exit.level, 'error');
  }
});

test('a command that does not exist is a clear error and goes through the restart policy', async (t) => {
  const { molt } = await superviseFixture(t, '', { MOLT_BACKOFF_INITIAL: '50ms' }, { command: ['molt-no-such-command', '--flag'] });
  const failed = await molt.waitFor('app_spawn_failed');
  assert.equal(failed.code, 'MOLT_E_APP_START');
  assert.equal(failed.exitCode, 127);
  assert.equal(failed.meaning, 'command_not_found');
  assert.match(String(failed.msg), /molt-no-such-command --flag.*ENOENT.*MOLT_APP_CMD/);
  await molt.waitForCount('app_spawn_failed', 2);
  assert.equal(molt.events('app_started').length, 0, 'no app_started for a process that never ran');
  assert.ok(molt.events('app_restart_scheduled').length >= 1);
});

test('a missing command under MOLT_RESTART=never ends the supervisor with 127', async (t) => {
  const { molt } = await superviseFixture(t, '', { MOLT_RESTART: 'never' }, { command: ['molt-no-such-command'] });
  assert.equal((await molt.exited).code, 127);
});

test('an exit is noticed even while a background grandchild still holds the app output open', async (t) => {
  const { molt } = await superviseFixture(t, '', { MOLT_RESTART: 'never' }, { command: ['sh', '-c', 'sleep 60 & echo started; exit 4'] });
  assert.equal((await molt.exited).code, 4);
  assert.equal(molt.events('app_exited')[0]?.exitCode, 4);
});
