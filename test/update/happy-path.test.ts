import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { eventually } from '../helpers/molt-process.js';
import { createUpdateFixture, head, notes, userVersion } from './fixture.js';
import { appVersion, startEngine } from './engine-harness.js';

const MIGRATIONS = [
  { version: 1, name: 'add-tags', up: "CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO tags (name) VALUES ('a')", down: 'DROP TABLE tags' },
  { version: 2, name: 'add-notes-title', up: "ALTER TABLE notes ADD COLUMN title TEXT DEFAULT ''", down: 'ALTER TABLE notes DROP COLUMN title' },
];

test('an update with an unchanged lockfile skips the install, records the history row and serves the new release', async (t) => {
  const f = await createUpdateFixture(await tempDir(t));
  const run = await startEngine(t, f);
  await eventually(() => appVersion(f.appPort), 10_000, 'v1 up');
  const v2 = await f.release({ version: 'v2' });
  const pending = await run.engine.pending();
  assert.deepEqual([pending.targetSha, pending.commits.map((c) => c.subject), pending.lockfileChanged, pending.migrationsChanged], [v2, ['release v2'], false, false]);
  assert.equal((await run.engine.describe('main')).sha, v2);
  const { id, done } = await run.engine.requestUpdate({ trigger: 'cli', actor: 'tester' });
  const row = await done;
  assert.equal(row.id, id);
  assert.equal(row.outcome, 'succeeded', JSON.stringify(row.error));
  assert.equal(row.toSha, v2);
  assert.equal(row.toSubject, 'release v2');
  assert.equal(row.trigger, 'cli');
  assert.equal(row.actor, 'tester');
  assert.equal(row.steps.find((s) => s.step === 'install')?.status, 'skipped');
  assert.equal(run.eventsOf('install_skipped').length, 1);
  assert.deepEqual(row.steps.map((s) => s.step), ['stop', 'backup', 'checkout', 'install', 'build', 'migrate', 'start', 'health', 'commit']);
  assert.equal(head(f), v2);
  assert.equal((await appVersion(f.appPort))?.version, 'v2');
  assert.equal(run.engine.current()?.sha, v2);
  assert.ok(!existsSync(join(f.dataDir, 'UPDATE_LOCK.json')), 'journal removed after commit');
  assert.ok(existsSync(join(f.dataDir, 'releases', v2, 'code.tar.gz')), 'new release archived for re-apply');
  const stepEvents = run.events.filter((e) => e.type === 'update_step');
  assert.ok(stepEvents.some((e) => e.type === 'update_step' && e.step === 'health' && e.status === 'done' && typeof e.durationMs === 'number'));
  assert.ok(run.events.some((e) => e.type === 'update_succeeded' && e.id === id));
  assert.deepEqual(notes(f.db), ['one', 'two', 'three']);
  t.diagnostic(`update without install: ${Date.parse(row.finishedAt!) - Date.parse(row.startedAt)}ms; steps ${row.steps.map((s) => `${s.step}=${s.durationMs}`).join(' ')}`);
});

test('a lockfile change installs the new tree, runs the build and the migrations, and a later switch back reuses the kept tree', async (t) => {
  const f = await createUpdateFixture(await tempDir(t), { version: 'v1' }, { MOLT_BUILD_CMD: 'node build.mjs', MOLT_MIGRATE_CMD: 'node migrate.mjs' });
  const run = await startEngine(t, f);
  await eventually(() => appVersion(f.appPort), 10_000, 'v1 up');
  const v1 = head(f);
  await f.release({ version: 'v2', dep: '2.0.0', migrations: MIGRATIONS });
  const row = await (await run.engine.requestUpdate({ trigger: 'web', actor: 'admin' })).done;
  assert.equal(row.outcome, 'succeeded', JSON.stringify(row.error));
  assert.equal(row.steps.find((s) => s.step === 'install')?.status, 'done');
  assert.equal(row.steps.find((s) => s.step === 'build')?.status, 'done');
  assert.equal(row.steps.find((s) => s.step === 'migrate')?.status, 'done');
  assert.deepEqual(await appVersion(f.appPort).then((v) => [v?.version, v?.dep]), ['v2', '2.0.0']);
  assert.equal(JSON.parse(readFileSync(join(f.app, 'dist', 'built.json'), 'utf8')).from, 'v2');
  assert.equal(userVersion(f.db), 2);
  assert.equal(row.details?.schemaVersion, 2);
  t.diagnostic(`update with npm ci + build + 2 migrations: ${Date.parse(row.finishedAt!) - Date.parse(row.startedAt)}ms; steps ${row.steps.map((s) => `${s.step}=${s.durationMs}`).join(' ')}`);
  // explicit rollback: down migrations with the newer code, then the kept v1 tree is renamed back (no install)
  const back = await (await run.engine.requestRollback({ sha: v1, trigger: 'cli', actor: 'admin' })).done;
  assert.equal(back.outcome, 'succeeded', JSON.stringify(back.error));
  assert.equal(back.kind, 'rollback');
  assert.equal(back.steps.find((s) => s.step === 'migrate_down')?.status, 'done');
  assert.match(back.steps.find((s) => s.step === 'install')?.detail ?? '', /reused kept tree/);
  assert.equal(userVersion(f.db), 0);
  assert.deepEqual(notes(f.db), ['one', 'two', 'three']);
  t.diagnostic(`explicit rollback (down migrations, kept deps tree renamed back): ${Date.parse(back.finishedAt!) - Date.parse(back.startedAt)}ms; steps ${back.steps.map((s) => `${s.step}=${s.durationMs}`).join(' ')}`);
  assert.deepEqual(await appVersion(f.appPort).then((v) => [v?.version, v?.dep]), ['v1', '1.0.0']);
  assert.deepEqual(run.engine.pinned().map((p) => p.sha), [row.toSha], 'the rolled-back release is pinned');
  run.engine.unpin(row.toSha!, 'admin');
  assert.deepEqual(run.engine.pinned(), []);
});
