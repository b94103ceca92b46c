import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextFire, parseSchedule, runCronLoop } from '../../src/backup/scheduler.js';
import { BackupService } from '../../src/backup/service.js';
import { listBackups } from '../../src/backup/catalog.js';
import { isMoltError } from '../../src/core/errors.js';
import { tempDir } from '../helpers/tmp.js';
import { fakeClock, makeApp, recordingEvents, recordingLogger } from './support.js';

test('the default schedule fires daily at 03:00 in MOLT_TZ, not in UTC', () => {
  const from = Date.parse('2026-01-01T12:00:00Z');
  assert.equal(new Date(nextFire('0 3 * * *', 'Asia/Shanghai', from)!).toISOString(), '2026-01-01T19:00:00.000Z');
  assert.equal(new Date(nextFire('0 3 * * *', 'UTC', from)!).toISOString(), '2026-01-02T03:00:00.000Z');
});

test('an invalid cron expression is a config error naming the variable', () => {
  assert.throws(() => parseSchedule('every night', 'MOLT_BACKUP_SCHEDULE', 'UTC'), (e) => isMoltError(e, 'MOLT_E_CONFIG') && /MOLT_BACKUP_SCHEDULE="every night"/.test(e.message));
  assert.throws(() => parseSchedule('after-backup', 'MOLT_BACKUP_SCHEDULE', 'UTC'), (e) => isMoltError(e, 'MOLT_E_CONFIG'));
  assert.deepEqual(parseSchedule('after-backup', 'MOLT_DRILL_SCHEDULE', 'UTC', true), { kind: 'after-backup' });
  assert.deepEqual(parseSchedule('off', 'MOLT_BACKUP_SCHEDULE', 'UTC'), { kind: 'off' });
});

test('the cron loop fires at each scheduled instant of injected time and stops when aborted', async () => {
  const clock = fakeClock(Date.parse('2026-03-01T00:00:00Z'));
  const fired: string[] = [];
  const ac = new AbortController();
  await runCronLoop({
    pattern: '30 2 * * *',
    tz: 'Europe/Berlin',
    clock,
    signal: ac.signal,
    run: async (at) => {
      fired.push(new Date(at).toISOString());
      assert.equal(clock.now(), at, 'runs at the fire time, not before');
      if (fired.length === 3) ac.abort();
    },
  });
  // 02:30 Berlin = 01:30 UTC in winter time.
  assert.deepEqual(fired, ['2026-03-01T01:30:00.000Z', '2026-03-02T01:30:00.000Z', '2026-03-03T01:30:00.000Z']);
});

test('a scheduled run writes a real backup stamped with the injected fire time and drills it', async (t) => {
  const root = await tempDir(t);
  const config = { ...(await makeApp(root)), backupSchedule: '0 3 * * *', tz: 'Asia/Shanghai' };
  const clock = fakeClock(Date.parse('2026-05-10T10:00:00Z'));
  const { logger, records } = recordingLogger();
  const { events, seen } = recordingEvents();
  const svc = new BackupService({ config, events, logger, clock });
  await svc.init();
  svc.start();
  t.after(() => svc.stop());
  const created = await new Promise<{ id: string }>((resolve) => events.on('restore_drill_finished', (e) => resolve(e)));
  svc.stop();
  const [b] = await listBackups(config.backupDir);
  assert.equal(b.id, created.id);
  assert.equal(b.manifest?.createdAt, '2026-05-10T19:00:00.000Z', '03:00 Asia/Shanghai on the next day');
  assert.equal(b.manifest?.trigger, 'schedule');
  assert.equal(b.drill?.ok, true);
  assert.ok(records.some((r) => r.event === 'backup_schedule' && r.tz === 'Asia/Shanghai'));
  assert.ok(seen.some((e) => e.type === 'backup_created'));
});
