import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { RingBuffer } from '../../src/supervisor/ring-buffer.js';
import { Supervisor } from '../../src/supervisor/supervisor.js';
import { processSpawner, type Spawner } from '../../src/supervisor/child-process.js';
import { createLogger } from '../../src/core/logger.js';
import { EventBus } from '../../src/core/events.js';
import { systemClock } from '../../src/core/clock.js';
import { fixture } from '../helpers/paths.js';
import { tempDir } from '../helpers/tmp.js';
import { eventually } from '../helpers/molt-process.js';

test('the ring buffer keeps the newest items in order once full', () => {
  const rb = new RingBuffer<number>(3);
  for (let i = 0; i < 7; i++) rb.push(i);
  assert.equal(rb.size, 3);
  assert.deepEqual(rb.toArray(), [4, 5, 6]);
  assert.deepEqual(rb.toArray(2), [5, 6]);
  assert.throws(() => new RingBuffer(0), /capacity must be a positive integer/);
});

test('the supervisor keeps the last 1,000 app output lines, oldest first', async (t) => {
  const dir = await tempDir(t);
  const records: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _e, cb) {
      records.push(...String(chunk).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>));
      cb();
    },
  });
  // The real execa spawner, only without copying 1,500 lines into the test runner's stdout.
  const quiet: Spawner = { spawn: (cmd, opts) => processSpawner.spawn(cmd, { ...opts, passthrough: false }) };
  const events = new EventBus();
  let seen = 0;
  events.on('log_line', () => seen++);
  const sup = new Supervisor({
    config: { restart: 'on-failure', backoffInitialMs: 100, backoffMaxMs: 1000, minUptimeMs: 1000, crashLoopRestarts: 5, stopTimeoutMs: 2000, appDir: dir, dataDir: dir },
    command: { file: process.execPath, args: [fixture('print-lines.mjs')] },
    logger: createLogger({ destination, level: 'debug' }),
    events,
    spawner: quiet,
    clock: systemClock,
    childEnv: () => ({ PATH: process.env.PATH, LINES: '1500' }),
  });
  t.after(async () => {
    await sup.shutdown('SIGTERM');
    await sup.done;
  });
  await sup.start();
  await eventually(() => sup.logs.toArray().some((l) => l.line === 'print-lines: done'), 15_000, 'all lines read');
  const lines = sup.logs.toArray();
  assert.equal(lines.length, 1000);
  assert.equal(seen, 1501);
  assert.equal(lines[0].line, 'line 501');
  assert.equal(lines[998].line, 'line 1499');
  assert.ok(lines.every((l) => l.source === 'app' && l.stream === 'stdout'));
  assert.equal(records.find((r) => r.event === 'app_started')?.pid, sup.currentChild()?.pid);
});
