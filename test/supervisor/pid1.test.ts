import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { superviseFixture } from './support.js';
import { eventually, type MoltProcess } from '../helpers/molt-process.js';
import { planPid1 } from '../../src/supervisor/pid1.js';

/** Makes molt PID 1 of a fresh PID namespace with its own /proc; the namespace dies with unshare. */
const AS_PID1 = ['unshare', '--pid', '--fork', '--mount-proc', '--kill-child=SIGTERM'];

interface ZombieReport {
  pid: number;
  orphans: number;
  zombies: { pid: number; ppid: number; comm: string }[];
}

/** The namespace's PID 1 (molt), seen from our namespace: unshare's only child. unshare itself ignores SIGTERM. */
async function nsInit(unsharePid: number): Promise<number> {
  return eventually(async () => {
    const kids = (await readFile(`/proc/${unsharePid}/task/${unsharePid}/children`, 'utf8')).trim().split(/\s+/).filter(Boolean);
    return kids.length ? Number(kids[0]) : 0;
  }, 10_000, 'pid of the namespace init');
}

/** Ends the namespace through its init (molt) when the test ends; SIGTERM to unshare alone would be ignored. */
const stopNs = { wrap: AS_PID1, onStop: async (m: MoltProcess) => {
  if (m.child.exitCode === null && m.child.signalCode === null) {
    try {
      process.kill(await nsInit(m.child.pid!), 'SIGTERM');
    } catch {
      /* already gone */
    }
  }
  await m.stop();
} };

async function report(dir: string): Promise<ZombieReport> {
  return eventually(async () => JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as ZombieReport, 20_000, 'zombie report');
}

test('as PID 1 molt re-executes under tini and no orphaned grandchild stays a zombie for 2 s', async (t) => {
  const { molt, dir } = await superviseFixture(t, 'orphan-maker.mjs', { ORPHANS: '8', REPORT_FILE: 'report.json', CHECK_AFTER_MS: '2000' }, stopNs);
  const reexec = await molt.waitFor('pid1_reexec');
  assert.match(String(reexec.tini), /tini$/);
  const r = await report(dir);
  assert.equal(r.orphans, 8);
  assert.deepEqual(r.zombies, []);
  assert.equal(molt.events('pid1_no_reaper').length, 0);
});

test('without tini (MOLT_TINI=off) PID-1 molt warns and the orphans do stay zombies, so the re-exec matters', async (t) => {
  const { molt, dir } = await superviseFixture(t, 'orphan-maker.mjs', { ORPHANS: '4', REPORT_FILE: 'report.json', CHECK_AFTER_MS: '1000', MOLT_TINI: 'off' }, stopNs);
  const warn = await molt.waitFor('pid1_no_reaper');
  assert.equal(warn.level, 'warn');
  const r = await report(dir);
  assert.equal(r.zombies.length, 4, JSON.stringify(r.zombies));
  assert.ok(r.zombies.every((z) => z.ppid === 1 && z.comm === 'sleep'));
});

test('as PID 1 the app exit status comes back through tini unchanged', async (t) => {
  const { molt } = await superviseFixture(t, 'exit-with-code.mjs', { EXIT_CODE: '5', MOLT_RESTART: 'never' }, stopNs);
  assert.equal((await molt.exited).code, 5);
  await molt.waitFor('pid1_reexec');
  assert.equal(molt.events('supervisor_exit')[0]?.exitCode, 5);
});

test('as PID 1 under tini SIGTERM still stops the app gracefully', async (t) => {
  const { molt, dir } = await superviseFixture(t, 'record-signals.mjs', { SIGNALS_FILE: 'signals.txt', TERM_EXIT_CODE: '9' }, stopNs);
  const init = await nsInit(molt.child.pid!);
  await eventually(async () => (await readFile(join(dir, 'signals.txt'), 'utf8')).includes('READY'), 20_000, 'app ready');
  process.kill(init, 'SIGTERM');
  assert.equal((await molt.exited).code, 9);
  assert.equal((await readFile(join(dir, 'signals.txt'), 'utf8')).trim().split('\n').at(-1), 'SIGTERM');
});

test('the PID-1 plan re-executes only when PID 1 and not already re-executed, and warns when disabled', () => {
  assert.deepEqual(planPid1(42, {}, undefined), { action: 'none' });
  assert.deepEqual(planPid1(1, { MOLT_REEXEC: '1' }, undefined), { action: 'none' });
  assert.deepEqual(planPid1(1, {}, 'off'), { action: 'no-reaper' });
  assert.deepEqual(planPid1(1, {}, '/usr/bin/tini'), { action: 'reexec', tini: '/usr/bin/tini' });
});
