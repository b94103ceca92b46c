import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { tempDir } from '../helpers/tmp.js';
import { eventually } from '../helpers/molt-process.js';
import { isMoltError } from '../../src/core/errors.js';
import { createUpdateFixture, head, notes, userVersion } from './fixture.js';
import { appVersion, startEngine } from './engine-harness.js';

const MIGRATIONS = [
  { version: 1, name: 'tags', up: 'CREATE TABLE tags (id INTEGER PRIMARY KEY)', down: 'DROP TABLE tags' },
  { version: 2, name: 'no-way-back', up: "ALTER TABLE notes ADD COLUMN title TEXT DEFAULT ''" },
];

test('a rollback that needs a missing down migration is refused naming it; forced, it restores that release backup and states the discarded window', async (t) => {
  const f = await createUpdateFixture(await tempDir(t), { version: 'v1' }, { MOLT_MIGRATE_CMD: 'node migrate.mjs' });
  const run = await startEngine(t, f);
  await eventually(() => appVersion(f.appPort), 20_000, 'v1 up');
  const v1 = head(f);
  await f.release({ version: 'v2', migrations: MIGRATIONS });
  const up = await (await run.engine.requestUpdate({ trigger: 'web', actor: 'admin' })).done;
  assert.equal(up.outcome, 'succeeded', JSON.stringify(up.error));
  const d = new Database(f.db);
  d.prepare("INSERT INTO notes (body, title) VALUES ('written on v2', 't')").run();
  d.close();
  await assert.rejects(run.engine.requestRollback({ sha: v1, trigger: 'telegram', actor: 'bob' }), (e) => isMoltError(e, 'MOLT_E_DOWN_MIGRATION_MISSING') && /2-no-way-back/.test(e.message));
  assert.equal(head(f), up.toSha, 'refusal changed nothing');
  assert.equal(userVersion(f.db), 2);
  const row = await (await run.engine.requestRollback({ sha: v1, trigger: 'cli', actor: 'bob', force: true })).done;
  assert.equal(row.outcome, 'succeeded', JSON.stringify(row.error));
  assert.equal(row.steps.find((s) => s.step === 'restore_data')?.status, 'done');
  const window = row.details?.discardedData as { from: string; to: string };
  assert.ok(Date.parse(window.from) <= Date.parse(up.startedAt) + 5_000 && Date.parse(window.to) >= Date.parse(window.from), JSON.stringify(window));
  assert.equal(head(f), v1);
  assert.equal(userVersion(f.db), 0);
  assert.deepEqual(notes(f.db), ['one', 'two', 'three'], 'the data of v1 as it was when v1 was left');
  assert.equal((await appVersion(f.appPort))?.version, 'v1');
  assert.deepEqual(run.engine.pinned().map((p) => p.sha), [up.toSha]);
});

test('a new release that crash-loops during probation is rolled back automatically and pinned', async (t) => {
  const f = await createUpdateFixture(await tempDir(t), { version: 'v1' }, { MOLT_CRASH_LOOP_RESTARTS: '2', MOLT_MIN_UPTIME: '5s', MOLT_BACKOFF_INITIAL: '100ms' });
  const run = await startEngine(t, f);
  await eventually(() => appVersion(f.appPort), 20_000, 'v1 up');
  const v1 = head(f);
  const v2 = await f.release({ version: 'v2', crashAfterMs: 700 });
  const up = await (await run.engine.requestUpdate({ trigger: 'auto', actor: 'auto-updater' })).done;
  assert.equal(up.outcome, 'succeeded');
  const back = await eventually(() => run.engine.history(5).find((r) => r.kind === 'rollback' && r.outcome !== 'running'), 30_000, 'automatic rollback');
  assert.equal(back.trigger, 'crash_loop');
  assert.equal(back.outcome, 'succeeded', JSON.stringify(back.error));
  assert.equal(back.toSha, v1);
  assert.equal(head(f), v1);
  assert.equal((await eventually(() => appVersion(f.appPort), 10_000, 'v1 again')).version, 'v1');
  assert.ok(run.engine.pinned().some((p) => p.sha === v2), 'the crash-looping release is pinned');
  assert.equal(run.eventsOf('probation_crash_loop')[0]?.sha, v2);
});

test('molt refuses to start code older than the database schema ("database from the future")', async (t) => {
  const f = await createUpdateFixture(await tempDir(t));
  const first = await startEngine(t, f);
  await eventually(() => appVersion(f.appPort), 20_000, 'v1 up');
  await first.stop();
  const d = new Database(f.db);
  d.pragma('user_version = 7');
  d.close();
  const run = await startEngine(t, f);
  const rec = run.eventsOf('schema_from_future')[0];
  assert.equal(rec?.code, 'MOLT_E_SCHEMA_FROM_FUTURE');
  assert.match(String(rec?.msg), /schema 7 is newer than release/);
  assert.equal(run.supervisor.currentChild(), undefined);
  assert.equal(await appVersion(f.appPort), null);
});

test('an update request naming an older committed release runs as a rollback with down migrations', async (t) => {
  const f = await createUpdateFixture(await tempDir(t), { version: 'v1' }, { MOLT_MIGRATE_CMD: 'node migrate.mjs' });
  const run = await startEngine(t, f);
  await eventually(() => appVersion(f.appPort), 20_000, 'v1 up');
  const v1 = head(f);
  await f.release({ version: 'v2', migrations: [MIGRATIONS[0]] });
  assert.equal((await (await run.engine.requestUpdate({ trigger: 'web', actor: 'admin' })).done).outcome, 'succeeded');
  assert.equal(userVersion(f.db), 1);
  const row = await (await run.engine.requestUpdate({ sha: v1, trigger: 'web', actor: 'admin' })).done;
  assert.equal(row.kind, 'rollback');
  assert.equal(row.outcome, 'succeeded', JSON.stringify(row.error));
  assert.equal(row.steps.find((s) => s.step === 'migrate_down')?.status, 'done');
  assert.equal(userVersion(f.db), 0);
  assert.equal((await appVersion(f.appPort))?.version, 'v1');
});
