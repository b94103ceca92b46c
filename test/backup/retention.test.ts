import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { planRetention } from '../../src/backup/retention.js';
import { pruneBackups } from '../../src/backup/catalog.js';
import { atomicWriteJson } from '../../src/core/atomic-write.js';
import { writeBackup } from '../../src/backup/writer.js';
import { BackupService } from '../../src/backup/service.js';
import { tempDir } from '../helpers/tmp.js';
import { fakeClock, makeApp, recordingEvents, recordingLogger } from './support.js';

const DAY = 86_400_000;
const NOW = Date.parse('2026-06-30T12:00:00Z');

test('retention prunes backups older than the window but always keeps the newest three usable ones', () => {
  const items = [1, 2, 3, 10, 11, 12, 20].map((d) => ({ id: `d${d}`, createdAtMs: NOW - d * DAY, usable: true }));
  assert.deepEqual(planRetention(items, NOW, 7 * DAY), { keep: ['d1', 'd2', 'd3'], prune: ['d10', 'd11', 'd12', 'd20'] });
  const old = [30, 40, 50, 60].map((d) => ({ id: `d${d}`, createdAtMs: NOW - d * DAY, usable: true }));
  assert.deepEqual(planRetention(old, NOW, 7 * DAY), { keep: ['d30', 'd40', 'd50'], prune: ['d60'] }, 'the minimum survives even when all are expired');
});

test('backups that failed their drill do not count towards the three kept', () => {
  const items = [
    { id: 'bad1', createdAtMs: NOW - 10 * DAY, usable: false },
    { id: 'bad2', createdAtMs: NOW - 11 * DAY, usable: false },
    { id: 'good1', createdAtMs: NOW - 12 * DAY, usable: true },
    { id: 'good2', createdAtMs: NOW - 13 * DAY, usable: true },
    { id: 'good3', createdAtMs: NOW - 14 * DAY, usable: true },
    { id: 'good4', createdAtMs: NOW - 15 * DAY, usable: true },
  ];
  assert.deepEqual(planRetention(items, NOW, 7 * DAY), { keep: ['good1', 'good2', 'good3'], prune: ['bad1', 'bad2', 'good4'] });
});

test('real artifacts written over twelve days are pruned to the retention window on disk', async (t) => {
  const root = await tempDir(t);
  const c = await makeApp(root);
  const clock = fakeClock(NOW - 12 * DAY);
  const ids: string[] = [];
  for (let d = 12; d >= 0; d -= 2) {
    clock.set(NOW - d * DAY);
    ids.push((await writeBackup({ ...c, minFree: 0, trigger: 'schedule', actor: 't', clock })).manifest.id);
  }
  const plan = await pruneBackups(c.backupDir, NOW, 7 * DAY);
  assert.deepEqual(plan.prune.sort(), ids.slice(0, 3).sort(), 'days 12, 10, 8 go');
  assert.deepEqual((await readdir(c.backupDir)).sort(), ids.slice(3).sort());
});

test('with everything expired a scheduled run keeps exactly the newest three, including the new one', async (t) => {
  const root = await tempDir(t);
  const c = { ...(await makeApp(root)), backupRetentionMs: 1000 };
  const clock = fakeClock(NOW);
  for (let i = 0; i < 4; i++) {
    clock.set(NOW + i * DAY);
    await writeBackup({ ...c, minFree: 0, trigger: 'schedule', actor: 't', clock });
  }
  // A failed drill on the newest old one: it must not use up a kept slot.
  const [newestOld] = (await readdir(c.backupDir)).sort().reverse();
  await atomicWriteJson(join(c.backupDir, newestOld, 'drill.json'), { ok: false, checkedAt: new Date(NOW).toISOString(), durationMs: 1, problems: ['x'] });
  clock.set(NOW + 10 * DAY);
  const svc = new BackupService({ config: c, events: recordingEvents().events, logger: recordingLogger().logger, clock });
  const run = await svc.backupNow({ trigger: 'manual', actor: 'ops' });
  const left = (await readdir(c.backupDir)).sort();
  assert.equal(left.length, 3);
  assert.ok(left.includes(run.manifest.id));
  assert.ok(!left.includes(newestOld), 'the drill-failed backup was pruned');
  assert.equal(run.pruned.length, 2);
});
