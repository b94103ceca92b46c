import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { BackupService } from '../../src/backup/service.js';
import { systemClock } from '../../src/core/clock.js';
import { isMoltError } from '../../src/core/errors.js';
import { tempDir } from '../helpers/tmp.js';
import { makeApp, recordingEvents, recordingLogger } from './support.js';
import { harness, state } from './app-harness.js';

function canMount(): boolean {
  return process.getuid?.() === 0;
}

test('a backup that would fill a small disk is refused, existing backups stay, and a critical backup_failed alert carries the numbers', { skip: canMount() ? false : 'needs root for a tmpfs mount' }, async (t) => {
  const root = await tempDir(t);
  const c = await makeApp(root, 10);
  // Own mount point outside tempDir: it must be unmounted before it can be removed.
  const disk = await mkdtemp(join(tmpdir(), 'molt-small-disk-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', disk]);
  t.after(async () => {
    execFileSync('umount', ['-l', disk]);
    await rm(disk, { recursive: true, force: true });
  });
  const config = { ...c, backupDir: join(disk, 'backups'), backupMinFree: 0.1 };
  const { logger, records } = recordingLogger();
  const { events, seen } = recordingEvents();
  const svc = new BackupService({ config, events, logger, clock: systemClock });

  const first = await svc.backupNow({ trigger: 'manual', actor: 'ops' });
  // 3.7 MiB of incompressible uploads: more than 90 % of the 4 MiB disk would be in use.
  await writeFile(join(c.appDir, 'uploads', 'big.bin'), randomBytes(3.7 * 1024 * 1024));
  await assert.rejects(svc.backupNow({ trigger: 'schedule', actor: 'schedule' }), (e) => isMoltError(e, 'MOLT_E_DISK_FULL') && /MOLT_BACKUP_MIN_FREE=0\.1/.test(e.message));

  assert.deepEqual(await readdir(config.backupDir), [first.manifest.id], 'the earlier backup is kept, nothing half-written');
  const alert = seen.find((e) => e.type === 'alert');
  assert.ok(alert && alert.type === 'alert');
  assert.equal(alert.kind, 'backup_failed');
  assert.equal(alert.severity, 'critical');
  const d = alert.details as { code: string; estimateBytes: number; freeBytes: number; totalBytes: number; minFree: number };
  assert.equal(d.code, 'MOLT_E_DISK_FULL');
  assert.ok(d.estimateBytes > 3 * 1024 * 1024, `estimate ${d.estimateBytes}`);
  assert.ok(d.totalBytes <= 4 * 1024 * 1024 && d.totalBytes > 0);
  assert.ok(d.freeBytes < d.totalBytes);
  assert.equal(d.minFree, 0.1);
  const log = records.find((r) => r.event === 'backup_failed');
  assert.equal(log?.code, 'MOLT_E_DISK_FULL');
  assert.equal(log?.level, 'error');
});

test('a restore whose safety backup does not fit is refused and the app comes back unchanged', { skip: canMount() ? false : 'needs root for a tmpfs mount' }, async (t) => {
  const disk = await mkdtemp(join(tmpdir(), 'molt-small-disk-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', disk]);
  t.after(async () => {
    execFileSync('umount', ['-l', disk]);
    await rm(disk, { recursive: true, force: true });
  });
  const h = await harness(t, { backupDir: join(disk, 'backups'), backupMinFree: 0.1 });
  const b = await h.svc.backupNow({ trigger: 'manual', actor: 'ops' });
  await writeFile(join(h.config.appDir, 'uploads', 'big.bin'), randomBytes(3.7 * 1024 * 1024));
  h.addRows(4);
  const r = await h.svc.restore({ id: b.manifest.id, dryRun: false, actor: 'ops', trigger: 'cli' });
  assert.equal(r.outcome, 'refused');
  assert.equal(r.error?.code, 'MOLT_E_DISK_FULL');
  assert.equal(r.safetyBackupId, null);
  assert.deepEqual(r.steps.map((s) => `${s.step}:${s.status}`), ['verify:done', 'stop:done', 'safety_backup:failed', 'start_previous:done']);
  const s = await state(h.port);
  assert.equal(s?.items, 14, 'data untouched');
  assert.ok(s?.uploads.includes('big.bin'));
  assert.deepEqual(h.traffic, ['hold:restore', 'release']);
  assert.equal(h.history[0].outcome, 'refused');
});

