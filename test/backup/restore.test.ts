import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { listBackups } from '../../src/backup/catalog.js';
import { isMoltError } from '../../src/core/errors.js';
import { acquireUpdateLock } from '../../src/update/update-lock.js';
import { eventually } from '../helpers/molt-process.js';
import { recordingLogger } from './support.js';
import { harness, state } from './app-harness.js';

test('a restore round trip puts database and files back, after a safety backup, with traffic held until the gate passed', async (t) => {
  const h = await harness(t);
  const b1 = await h.svc.backupNow({ trigger: 'manual', actor: 'ops' });
  h.addRows(5);
  await writeFile(join(h.config.appDir, 'config.json'), JSON.stringify({ healthy: true, name: 'v2' }));
  await writeFile(join(h.config.appDir, 'uploads', 'c.txt'), 'new upload');
  await rm(join(h.config.appDir, 'uploads', 'b.txt'));
  await h.supervisor.stopApp('test');
  h.supervisor.startApp();
  const before = await eventually(async () => {
    const s = await state(h.port);
    return s?.name === 'v2' ? s : null;
  }, 10_000, 'v2 running');
  assert.equal(before.items, 15);

  const dry = await h.svc.restore({ id: b1.manifest.id, dryRun: true, actor: 'alice', trigger: 'cli' });
  assert.equal(dry.outcome, 'verified');
  assert.deepEqual(dry.plan.map((p) => `${p.kind}:${p.from}`), ['sqlite:sqlite/0-app.db', 'path:uploads', 'path:config.json']);
  assert.equal(dry.history, null);
  assert.equal((await state(h.port))?.pid, before.pid, 'a dry run does not touch the app');
  assert.equal((await state(h.port))?.items, 15);
  assert.deepEqual(h.traffic, []);

  const r = await h.svc.restore({ id: b1.manifest.id, dryRun: false, actor: 'alice', trigger: 'cli' });
  assert.equal(r.outcome, 'succeeded', JSON.stringify(r.error));
  const after = await state(h.port);
  assert.deepEqual({ name: after?.name, items: after?.items, uploads: after?.uploads }, { name: 'v1', items: 10, uploads: ['b.txt', 'img'] });
  assert.deepEqual(h.traffic, ['hold:restore', 'release']);
  assert.deepEqual(r.steps.map((s) => s.step), ['verify', 'stop', 'safety_backup', 'apply', 'start']);

  const safety = (await listBackups(h.config.backupDir)).find((b) => b.id === r.safetyBackupId);
  assert.equal(safety?.manifest?.trigger, 'safety');
  assert.deepEqual(safety?.manifest?.files.find((f) => f.kind === 'sqlite')?.kind === 'sqlite' && (safety.manifest.files[0] as { rowCounts: Record<string, number> }).rowCounts, { items: 15, tags: 1 });
  assert.equal(h.history.length, 1);
  assert.deepEqual({ kind: h.history[0].kind, actor: h.history[0].actor, trigger: h.history[0].trigger, outcome: h.history[0].outcome }, { kind: 'restore', actor: 'alice', trigger: 'cli', outcome: 'succeeded' });
  assert.equal(h.history[0].details?.backupId, b1.manifest.id);
  assert.deepEqual(h.allHistory.filter((r) => r.details?.backupId === b1.manifest.id).map((r) => `${r.kind}:${r.outcome}`), ['backup:succeeded', 'drill:succeeded', 'restore:succeeded']);
  const fin = h.records.find((x) => x.event === 'restore_finished');
  assert.equal(fin?.outcome, 'succeeded');
  assert.equal(fin?.actor, 'alice');
});

test('a restored state that fails its health gate is replaced by the safety backup and the app comes back as before', async (t) => {
  const h = await harness(t);
  // A backup whose config makes the app unhealthy (the running app read its config at start, so it stays healthy).
  await writeFile(join(h.config.appDir, 'config.json'), JSON.stringify({ healthy: false, name: 'broken' }));
  const bad = await h.svc.backupNow({ trigger: 'manual', actor: 'ops' });
  await writeFile(join(h.config.appDir, 'config.json'), JSON.stringify({ healthy: true, name: 'current' }));
  h.addRows(7);
  await h.supervisor.stopApp('test');
  h.supervisor.startApp();
  await eventually(async () => (await state(h.port))?.name === 'current', 10_000, 'current running');

  const r = await h.svc.restore({ id: bad.manifest.id, dryRun: false, actor: 'bob', trigger: 'web' });
  assert.equal(r.outcome, 'rolled_back');
  assert.equal(r.error?.code, 'MOLT_E_RESTORE_FAILED');
  assert.deepEqual(r.steps.map((s) => `${s.step}:${s.status}`), ['verify:done', 'stop:done', 'safety_backup:done', 'apply:done', 'start:failed', 'stop_restored:done', 'apply_safety:done', 'start_safety:done']);
  const now = await state(h.port);
  assert.deepEqual({ name: now?.name, items: now?.items }, { name: 'current', items: 17 }, 'the pre-restore state is back');
  assert.deepEqual(JSON.parse(await readFile(join(h.config.appDir, 'config.json'), 'utf8')), { healthy: true, name: 'current' });
  assert.deepEqual(h.traffic, ['hold:restore', 'release']);
  assert.equal(h.history[0].outcome, 'rolled_back');
  assert.equal(h.history[0].actor, 'bob');
  assert.equal(h.history[0].details?.safetyBackupId, r.safetyBackupId);
  assert.equal(h.records.find((x) => x.event === 'restore_gate_failed')?.level, 'error');
});

test('a restore while the update lock is held is refused before anything changes', async (t) => {
  const h = await harness(t);
  const b = await h.svc.backupNow({ trigger: 'manual', actor: 'ops' });
  const pid = (await state(h.port))!.pid;
  const release = await acquireUpdateLock(h.config.dataDir, recordingLogger().logger);
  t.after(release);
  await assert.rejects(h.svc.restore({ id: b.manifest.id, dryRun: false, actor: 'x', trigger: 'cli' }), (e) => isMoltError(e, 'MOLT_E_UPDATE_IN_PROGRESS'));
  assert.equal((await state(h.port))?.pid, pid, 'the app was not stopped');
  assert.deepEqual(h.traffic, []);
  assert.equal((await listBackups(h.config.backupDir)).length, 1, 'no safety backup taken');
});

test('restoring an unknown or damaged backup is refused with a clear error and nothing changes', async (t) => {
  const h = await harness(t);
  const b = await h.svc.backupNow({ trigger: 'manual', actor: 'ops' });
  await assert.rejects(h.svc.restore({ id: '20200101T000000Z-abcd', dryRun: false, actor: 'x', trigger: 'cli' }), (e) => isMoltError(e, 'MOLT_E_NOT_FOUND'));
  await assert.rejects(h.svc.restore({ id: '../../etc', dryRun: true, actor: 'x', trigger: 'cli' }), (e) => isMoltError(e, 'MOLT_E_VALIDATION') && /backup id/.test(e.message));
  await writeFile(join(h.config.backupDir, b.manifest.id, 'files.tar.gz'), 'garbage');
  await assert.rejects(h.svc.restore({ id: b.manifest.id, dryRun: false, actor: 'x', trigger: 'cli' }), (e) => isMoltError(e, 'MOLT_E_CHECKSUM') && /nothing was changed/.test(e.message));
  assert.deepEqual(h.traffic, []);
  assert.ok(existsSync(join(h.config.appDir, 'uploads', 'b.txt')));
});

test('when the safety backup fails its gate too, the app stays held and a critical alert names the safety backup', async (t) => {
  const h = await harness(t);
  await writeFile(join(h.config.appDir, 'config.json'), JSON.stringify({ healthy: false, name: 'broken' }));
  const bad = await h.svc.backupNow({ trigger: 'manual', actor: 'ops' });
  // The running app read a healthy config at start; the file on disk (and so the safety backup) is broken too.
  const r = await h.svc.restore({ id: bad.manifest.id, dryRun: false, actor: 'carol', trigger: 'cli' });
  assert.equal(r.outcome, 'failed');
  assert.equal(r.error?.code, 'MOLT_E_ROLLBACK_FAILED');
  assert.ok(r.error?.message.includes(String(r.safetyBackupId)));
  assert.deepEqual(h.traffic, ['hold:restore'], 'never released to an unhealthy app');
  const alert = h.seen.find((e) => e.type === 'alert' && e.kind === 'restore_failed');
  assert.ok(alert?.type === 'alert' && alert.severity === 'critical');
  assert.equal(h.history[0].outcome, 'failed');
  assert.equal(h.records.find((x) => x.event === 'restore_finished')?.level, 'error');
});
