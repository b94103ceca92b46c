import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { superviseFixture, readLines, pidAlive } from './support.js';
import { eventually } from '../helpers/molt-process.js';

test('HUP, QUIT, USR1 and USR2 reach the app and the supervisor keeps running', async (t) => {
  const { molt, dir } = await superviseFixture(t, 'record-signals.mjs', { SIGNALS_FILE: 'signals.txt' });
  const file = join(dir, 'signals.txt');
  await eventually(async () => (await readLines(file)).includes('READY'), 15_000, 'app ready');
  const sent = ['SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'] as const;
  for (const sig of sent) {
    molt.kill(sig);
    await eventually(async () => (await readLines(file)).includes(sig), 10_000, `${sig} recorded`);
  }
  assert.deepEqual(await readLines(file), ['READY', ...sent]);
  const fwd = molt.events('signal_forwarded');
  assert.deepEqual(fwd.map((r) => r.signal), [...sent]);
  assert.ok(fwd.every((r) => r.delivered === true));
  assert.equal(molt.events('app_started').length, 1, 'no restart');
  assert.equal(molt.child.exitCode, null);
});

test('SIGTERM stops the app gracefully and the supervisor exits with the app status', async (t) => {
  const { molt, dir } = await superviseFixture(t, 'record-signals.mjs', { SIGNALS_FILE: 'signals.txt', TERM_EXIT_CODE: '7' });
  await eventually(async () => (await readLines(join(dir, 'signals.txt'))).includes('READY'), 15_000, 'app ready');
  molt.kill('SIGTERM');
  assert.equal((await molt.exited).code, 7);
  assert.deepEqual(await readLines(join(dir, 'signals.txt')), ['READY', 'SIGTERM']);
  assert.equal(molt.events('app_kill').length, 0, 'no SIGKILL needed');
  assert.equal(molt.events('supervisor_exit')[0]?.exitCode, 7);
});

test('SIGINT is passed on as SIGINT and an app killed by it yields 128+2', async (t) => {
  const { molt, dir } = await superviseFixture(t, 'record-signals.mjs', { SIGNALS_FILE: 'signals.txt', TERM_EXIT_CODE: 'default' });
  await eventually(async () => (await readLines(join(dir, 'signals.txt'))).includes('READY'), 15_000, 'app ready');
  molt.kill('SIGINT');
  assert.equal((await molt.exited).code, 130);
  assert.deepEqual(await readLines(join(dir, 'signals.txt')), ['READY', 'SIGINT']);
  const exit = molt.events('app_exited')[0];
  assert.equal(exit.signal, 'SIGINT');
  assert.equal(exit.exitCode, null);
});

test('an app ignoring SIGTERM is killed with its whole group after the stop timeout and molt exits 137', async (t) => {
  const { molt, dir } = await superviseFixture(t, 'ignore-sigterm.mjs', { PIDS_FILE: 'pids.json', MOLT_STOP_TIMEOUT: '1s' });
  const pids = await eventually(async () => JSON.parse(await readFile(join(dir, 'pids.json'), 'utf8')) as { leader: number; child: number }, 15_000, 'pids file');
  assert.ok(pidAlive(pids.leader) && pidAlive(pids.child));
  molt.kill('SIGTERM');
  assert.equal((await molt.exited).code, 137);
  const kill = molt.events('app_kill');
  assert.equal(kill.length, 1);
  assert.equal(kill[0].signal, 'SIGKILL');
  assert.equal(pidAlive(pids.leader), false, 'leader survived');
  assert.equal(pidAlive(pids.child), false, 'child of the app survived');
  assert.ok(molt.appLines.some((l) => l.includes('leader got SIGTERM')), 'the app did receive SIGTERM first');
});

test('SIGTERM during the restart backoff exits at once with 128+15 and starts nothing', async (t) => {
  const { molt } = await superviseFixture(t, 'exit-with-code.mjs', { EXIT_CODE: '3', MOLT_BACKOFF_INITIAL: '30s', MOLT_BACKOFF_MAX: '60s' });
  await molt.waitFor('app_restart_scheduled');
  molt.kill('SIGTERM');
  assert.equal((await molt.exited).code, 143);
  assert.equal(molt.events('app_started').length, 1);
  assert.equal(molt.events('supervisor_exit')[0]?.exitCode, 143);
});

test('a second SIGTERM while stopping is forwarded to the app instead of being dropped', async (t) => {
  const { molt, dir } = await superviseFixture(t, 'ignore-sigterm.mjs', { PIDS_FILE: 'pids.json', MOLT_STOP_TIMEOUT: '5s' });
  await eventually(async () => JSON.parse(await readFile(join(dir, 'pids.json'), 'utf8')), 15_000, 'pids file');
  molt.kill('SIGTERM');
  // Standard signals do not queue: wait until the app handled the first one before sending the second.
  await eventually(() => molt.appLines.some((l) => l.includes('leader got SIGTERM')), 15_000, 'first SIGTERM handled');
  molt.kill('SIGTERM');
  const again = await molt.waitFor((r) => r.event === 'signal_forwarded' && r.repeated === true);
  assert.equal(again.signal, 'SIGTERM');
  assert.equal((await molt.exited).code, 137);
  assert.equal(molt.events('supervisor_stopping').length, 1);
  assert.equal(molt.appLines.filter((l) => l.includes('leader got SIGTERM')).length, 2);
});
