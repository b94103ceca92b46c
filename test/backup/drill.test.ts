import { test } from 'node:test';
import assert from 'node:assert/strict';
import { open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import Database from 'better-sqlite3';
import { BackupService } from '../../src/backup/service.js';
import { registerBackupMetrics } from '../../src/backup/metrics.js';
import { readDrill, type Manifest } from '../../src/backup/manifest.js';
import { sha256File } from '../../src/artifacts/sha256.js';
import { systemClock } from '../../src/core/clock.js';
import { tempDir } from '../helpers/tmp.js';
import { makeApp, recordingEvents, recordingLogger } from './support.js';

async function gauge(registry: Registry, name: string): Promise<number> {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
  return (m as { values: { value: number }[] }).values[0].value;
}

async function setup(t: Parameters<typeof tempDir>[0], drillSchedule = 'off') {
  const root = await tempDir(t);
  const config = { ...(await makeApp(root, 500)), drillSchedule };
  const registry = new Registry();
  const { logger, records } = recordingLogger();
  const { events, seen } = recordingEvents();
  const svc = new BackupService({ config, events, logger, clock: systemClock, metrics: registerBackupMetrics(registry) });
  return { config, registry, records, seen, svc };
}

async function flipByte(path: string, offset: number): Promise<void> {
  const fh = await open(path, 'r+');
  try {
    const b = Buffer.alloc(1);
    await fh.read(b, 0, 1, offset);
    b[0] ^= 0xff;
    await fh.write(b, 0, 1, offset);
  } finally {
    await fh.close();
  }
}

test('a drill after each backup passes on a good artifact and sets the metrics', async (t) => {
  const { config, registry, seen, svc } = await setup(t, 'after-backup');
  assert.equal(await gauge(registry, 'molt_restore_drill_success'), -1);
  const run = await svc.backupNow({ trigger: 'manual', actor: 'ops' });
  assert.deepEqual(run.drill?.problems, []);
  assert.equal(run.drill?.ok, true);
  assert.equal(await gauge(registry, 'molt_restore_drill_success'), 1);
  assert.ok((await gauge(registry, 'molt_backup_last_success_timestamp')) >= Math.floor(Date.now() / 1000) - 60);
  assert.ok((await gauge(registry, 'molt_backup_duration_seconds')) > 0);
  assert.equal((await readDrill(join(config.backupDir, run.manifest.id)))?.ok, true);
  assert.ok(!seen.some((e) => e.type === 'alert'));
});

test('a drill detects a flipped byte in the SQLite snapshot, records it, and raises a critical alert', async (t) => {
  const { config, registry, records, seen, svc } = await setup(t);
  const run = await svc.backupNow({ trigger: 'manual', actor: 'ops' });
  const f = run.manifest.files.find((x) => x.kind === 'sqlite')!;
  await flipByte(join(config.backupDir, run.manifest.id, f.file), 5000);
  const r = await svc.drill(run.manifest.id);
  assert.equal(r.ok, false);
  assert.match(r.problems[0], /sqlite\/0-app\.db: sha256 .* manifest says/);
  assert.equal((await readDrill(join(config.backupDir, run.manifest.id)))?.ok, false, 'recorded next to the artifact');
  assert.equal(await gauge(registry, 'molt_restore_drill_success'), 0);
  const alert = seen.find((e) => e.type === 'alert');
  assert.ok(alert?.type === 'alert' && alert.kind === 'restore_drill_failed' && alert.severity === 'critical');
  assert.equal(records.find((x) => x.event === 'restore_drill_finished')?.code, 'MOLT_E_DRILL_FAILED');
});

test('a drill detects a damaged database whose checksum was recomputed, through PRAGMA integrity_check', async (t) => {
  const { config, svc } = await setup(t);
  const run = await svc.backupNow({ trigger: 'manual', actor: 'ops' });
  const dir = join(config.backupDir, run.manifest.id);
  const f = run.manifest.files.find((x) => x.kind === 'sqlite')!;
  const db = join(dir, f.file);
  // Overwrite the middle of an index/table page (not the header) so the file still opens.
  const fh = await open(db, 'r+');
  await fh.write(Buffer.alloc(2048, 0x41), 0, 2048, 4096 * 3 + 100);
  await fh.close();
  const m = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as Manifest;
  const entry = m.files.find((x) => x.kind === 'sqlite')!;
  entry.sha256 = await sha256File(db);
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(m));
  const r = await svc.drill(run.manifest.id);
  assert.equal(r.ok, false);
  assert.ok(r.problems.some((p) => /integrity_check|malformed|rows/.test(p)), r.problems.join(' | '));
});

test('a drill detects row counts that differ from the source at backup time', async (t) => {
  const { config, svc } = await setup(t);
  const run = await svc.backupNow({ trigger: 'manual', actor: 'ops' });
  const dir = join(config.backupDir, run.manifest.id);
  const f = run.manifest.files.find((x) => x.kind === 'sqlite')!;
  // A valid database with one row less and a matching checksum: only the row counts can tell.
  const db = new Database(join(dir, f.file));
  db.prepare('DELETE FROM items WHERE id = 1').run();
  db.pragma('journal_mode = DELETE');
  db.close();
  const m = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as Manifest;
  const entry = m.files.find((x) => x.kind === 'sqlite')!;
  entry.sha256 = await sha256File(join(dir, f.file));
  entry.size = (await readFile(join(dir, f.file))).length;
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(m));
  const r = await svc.drill(run.manifest.id);
  assert.deepEqual(r.problems, ['sqlite/0-app.db: table items: 499 rows, manifest says 500']);
});

test('a drill detects a truncated tarball of the extra paths', async (t) => {
  const { config, svc } = await setup(t);
  const run = await svc.backupNow({ trigger: 'manual', actor: 'ops' });
  const tb = join(config.backupDir, run.manifest.id, 'files.tar.gz');
  const fh = await open(tb, 'r+');
  await fh.truncate(20);
  await fh.close();
  const r = await svc.drill();
  assert.equal(r.id, run.manifest.id, 'default: the newest backup');
  assert.equal(r.ok, false);
  assert.match(r.problems.join(' '), /files\.tar\.gz: sha256 .* size 20/);
});
