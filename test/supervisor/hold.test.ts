import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { Supervisor } from '../../src/supervisor/supervisor.js';
import { processSpawner, type Spawner } from '../../src/supervisor/child-process.js';
import { createLogger } from '../../src/core/logger.js';
import { EventBus } from '../../src/core/events.js';
import { systemClock } from '../../src/core/clock.js';
import { fixture } from '../helpers/paths.js';
import { tempDir } from '../helpers/tmp.js';
import { eventually } from '../helpers/molt-process.js';
import { pidAlive, readLines } from './support.js';
import { join } from 'node:path';

type Rec = Record<string, unknown>;

async function makeSupervisor(t: Parameters<typeof tempDir>[0], file: string, env: Record<string, string>) {
  const dir = await tempDir(t);
  const records: Rec[] = [];
  const destination = new Writable({
    write(chunk, _e, cb) {
      records.push(...String(chunk).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Rec));
      cb();
    },
  });
  const quiet: Spawner = { spawn: (cmd, opts) => processSpawner.spawn(cmd, { ...opts, passthrough: false }) };
  const sup = new Supervisor({
    config: { restart: 'on-failure', backoffInitialMs: 60_000, backoffMaxMs: 60_000, minUptimeMs: 1000, crashLoopRestarts: 5, stopTimeoutMs: 2000, appDir: dir, dataDir: dir },
    command: { file: process.execPath, args: [fixture(file)] },
    logger: createLogger({ destination, level: 'debug' }),
    events: new EventBus(),
    spawner: quiet,
    clock: systemClock,
    childEnv: () => ({ PATH: process.env.PATH, ...env }),
  });
  t.after(async () => {
    await sup.shutdown('SIGTERM');
    await sup.done;
  });
  const events = (name: string) => records.filter((r) => r.event === name);
  return { sup, records, events, dir };
}

test('stopApp during a backoff cancels the pending restart and startApp starts exactly one child', async (t) => {
  const { sup, events } = await makeSupervisor(t, 'exit-with-code.mjs', { EXIT_CODE: '3' });
  await sup.start();
  await eventually(() => events('app_restart_scheduled').length === 1, 10_000, 'backoff');
  assert.equal(sup.status().state.kind, 'backoff');
  assert.equal(await sup.stopApp('update'), null, 'no child to stop during a backoff');
  assert.deepEqual({ kind: sup.status().state.kind }, { kind: 'held' });
  const a = sup.startApp({ fresh: true });
  const b = sup.startApp();
  assert.ok(a && a.pid > 0);
  assert.equal(b, a, 'a second startApp returns the running child instead of spawning another');
  assert.equal(events('app_started').length, 2);
});

test('stopApp stops the running app with its group and holds it: the exit does not trigger a restart', async (t) => {
  const { sup, events, dir } = await makeSupervisor(t, 'record-signals.mjs', { SIGNALS_FILE: 'signals.txt' });
  await sup.start();
  const child = sup.currentChild();
  assert.ok(child);
  await eventually(async () => (await readLines(join(dir, 'signals.txt'))).includes('READY'), 10_000, 'app ready');
  const exit = await sup.stopApp('rollback');
  assert.equal(exit?.exitCode, 0, 'the app handled SIGTERM and exited 0');
  assert.equal(pidAlive(child.pid), false);
  assert.equal(sup.currentChild(), undefined);
  assert.deepEqual({ kind: sup.status().state.kind, up: sup.status().up }, { kind: 'held', up: false });
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(events('app_restart_scheduled').length, 0);
  assert.equal(events('app_started').length, 1);
});

test('shutdown while held resolves done with 128+signal and later startApp calls start nothing', async (t) => {
  const { sup, events } = await makeSupervisor(t, 'record-signals.mjs', { SIGNALS_FILE: 'signals.txt' });
  await sup.start();
  await sup.stopApp('update');
  await sup.shutdown('SIGTERM');
  assert.equal(await sup.done, 143);
  assert.equal(sup.startApp(), undefined);
  assert.equal(events('app_started').length, 1);
  assert.equal(events('supervisor_exit').length, 1);
});
