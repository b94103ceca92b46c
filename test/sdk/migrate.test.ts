import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { migrate } from '../../src/sdk/migrate.js';
import { sha256File } from '../../src/artifacts/sha256.js';
import { tempDir } from '../helpers/tmp.js';
import { runFixture } from './sdk-process.js';

test('two processes migrating the same database at once: one waits, each migration is applied exactly once', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'app.db');
  new Database(file).close();
  const a = runFixture(t, 'traffic-sdk-migrate.mjs', [file, 'slow']);
  const b = runFixture(t, 'traffic-sdk-migrate.mjs', [file, 'slow']);
  const [ra, rb] = await Promise.all([a.done, b.done]);
  assert.equal(ra.code, 0, ra.stderr);
  assert.equal(rb.code, 0, rb.stderr);
  const [oa, ob] = [JSON.parse(ra.stdout.trim()), JSON.parse(rb.stdout.trim())] as { applied: string[]; alreadyApplied: number; doneAt: number }[];
  const [first, second] = oa.applied.length ? [oa, ob] : [ob, oa];
  assert.deepEqual(first.applied, ['0001-items', '0002-runs']);
  assert.deepEqual(second.applied, [], 'the waiter found nothing pending');
  assert.equal(second.alreadyApplied, 2);
  assert.ok(second.doneAt >= first.doneAt, 'the waiter finished after the migrator');
  const db = new Database(file, { readonly: true });
  t.after(() => db.close());
  assert.equal((db.prepare('SELECT COUNT(*) AS n FROM runs').get() as { n: number }).n, 1, 'the slow migration ran once');
  assert.deepEqual((db.prepare('SELECT name FROM molt_migrations ORDER BY rowid').all() as { name: string }[]).map((r) => r.name), ['0001-items', '0002-runs']);
  assert.equal(db.pragma('user_version', { simple: true }), 2, 'the schema version the engine reads is the number of applied migrations');
});

test('a failing migration exits 12 and leaves the database file byte-identical, including migrations applied before it in the same run', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'app.db');
  const db = new Database(file);
  await migrate({ db, exit: false, migrations: [{ name: '0001-items', up: ({ db }) => db.exec('CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)') }] });
  db.prepare("INSERT INTO items (name) VALUES ('kept')").run();
  db.close();
  const before = await sha256File(file);
  const r = await runFixture(t, 'traffic-sdk-migrate.mjs', [file, 'fail']).done;
  assert.equal(r.code, 12);
  assert.match(r.stderr, /MOLT_E_MIGRATE: migration failed, database left unchanged: .*0003-broken/);
  assert.equal(await sha256File(file), before);
  assert.equal(existsSync(`${file}-journal`), false);
  assert.equal(existsSync(`${file}.lock`), false, 'the migration lock was released');
});

test('with exit: false a failure throws MOLT_E_MIGRATE and the run is rolled back as a whole', async (t) => {
  const dir = await tempDir(t);
  const db = new Database(join(dir, 'x.db'));
  t.after(() => db.close());
  await assert.rejects(
    migrate({ db, exit: false, migrations: [
      { name: '1', up: ({ db }) => db.exec('CREATE TABLE a (x)') },
      { name: '2', up: () => { throw new Error('boom'); } },
    ] }),
    (e: Error & { code?: string }) => e.code === 'MOLT_E_MIGRATE' && /boom/.test(e.message),
  );
  const left = db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name IN ('a', 'molt_migrations')").get() as { n: number };
  assert.equal(left.n, 0, 'neither the first migration nor the storage table survived');
  assert.equal(db.inTransaction, false);
});

test('a database migrated by a newer release is refused with MOLT_E_SCHEMA_FROM_FUTURE', async (t) => {
  const dir = await tempDir(t);
  const db = new Database(join(dir, 'x.db'));
  t.after(() => db.close());
  const m1 = { name: '1', up: ({ db }: { db: Database.Database }) => db.exec('CREATE TABLE a (x)') };
  await migrate({ db, exit: false, migrations: [m1, { name: '2', up: ({ db }) => db.exec('CREATE TABLE b (x)') }] });
  await assert.rejects(migrate({ db, exit: false, migrations: [m1] }), (e: Error & { code?: string }) => e.code === 'MOLT_E_SCHEMA_FROM_FUTURE' && /\(2\)/.test(e.message));
});

test('bad input is rejected before anything runs: duplicate names and a bad table name', async (t) => {
  const dir = await tempDir(t);
  const db = new Database(join(dir, 'x.db'));
  t.after(() => db.close());
  const up = () => {};
  await assert.rejects(migrate({ db, exit: false, migrations: [{ name: 'a', up }, { name: 'a', up }] }), /duplicate migration name "a"/);
  await assert.rejects(migrate({ db, exit: false, table: 'x; DROP', migrations: [] }), /table "x; DROP": expected an SQL identifier/);
  assert.equal((db.prepare('SELECT COUNT(*) AS n FROM sqlite_master').get() as { n: number }).n, 0);
});
