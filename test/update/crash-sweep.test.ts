import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { startMolt, eventually, type MoltProcess } from '../helpers/molt-process.js';
import { createUpdateFixture, head, integrityOk, notes, releaseVersion, userVersion, type ReleaseSpec } from './fixture.js';
import { appVersion } from './engine-harness.js';

/**
 * Power-cut sweep: MOLT_TEST_KILL_AT SIGKILLs the supervisor (and every process group it started) right after the
 * journal records a step, or in the middle of one. After a plain restart every case must converge to exactly the
 * old or exactly the new release: code, dependency tree, schema and app all agree, the DB is intact, no row lost.
 */
const MIGRATIONS = [
  { version: 1, name: 'tags', up: 'CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT)', down: 'DROP TABLE tags' },
  { version: 2, name: 'title', up: "ALTER TABLE notes ADD COLUMN title TEXT DEFAULT ''", down: 'ALTER TABLE notes DROP COLUMN title' },
];
const ENV = { MOLT_MIGRATE_CMD: 'node migrate.mjs', MOLT_BUILD_CMD: 'node build.mjs', MOLT_HEALTH_TIMEOUT: '3s' };
const GOOD: ReleaseSpec = { version: 'v2', dep: '2.0.0', migrations: MIGRATIONS, build: true };
const BAD: ReleaseSpec = { ...GOOD, health: 'never' };

// health:after = the gate passed and traffic went to the new release, the journal does not say so yet (its record is
// written with commit's start); commit:mid = in the middle of the commit tarball
const FORWARD = ['stop', 'backup', 'backup:mid', 'checkout', 'install', 'install:mid', 'build', 'migrate', 'migrate:mid', 'start', 'health', 'health:after', 'commit', 'commit:mid'];
const UNDO = ['stop_new', 'restore_code', 'restore_code:mid', 'restore_deps', 'restore_db', 'start_old', 'verify_old'];

interface Case {
  kill: string;
  spec: ReleaseSpec;
  expect: 'old' | 'new';
  restartEnv?: Record<string, string>;
}
const CASES: Case[] = [
  ...FORWARD.map((kill) => ({ kill, spec: GOOD, expect: 'new' as const })),
  ...UNDO.map((kill) => ({ kill, spec: BAD, expect: 'old' as const })),
  // attempts exhausted: an interrupted update is rolled back instead of resumed
  { kill: 'install:mid', spec: GOOD, expect: 'old', restartEnv: { MOLT_MAX_ATTEMPTS: '1' } },
];

const settled = (m: MoltProcess) => m.waitFor((r) => ['update_succeeded', 'update_rolled_back', 'rollback_failed'].includes(r.event ?? ''), 60_000);

async function runCase(t: TestContext, c: Case): Promise<void> {
  const f = await createUpdateFixture(await tempDir(t), { version: 'v1' }, ENV);
  const v1 = head(f);
  const v2 = await f.release(c.spec);
  const first = startMolt(['run'], { ...f.env, MOLT_TEST_KILL_AT: c.kill });
  t.after(() => first.stop());
  await eventually(() => appVersion(f.appPort), 20_000, 'v1 up').catch((err: Error) => {
    throw new Error(`${err.message}; events: ${first.records.map((r) => r.event).join(',')}; stderr: ${first.stderr.slice(-500)}`);
  });
  await fetch(`http://127.0.0.1:${f.appPort}/request-update`).then((r) => r.text());
  const exit = await first.exited;
  assert.equal(exit.signal, 'SIGKILL', `killed at ${c.kill} (stderr: ${first.stderr.slice(-300)})`);
  assert.ok(existsSync(join(f.dataDir, 'UPDATE_LOCK.json')), 'the journal survived the power cut');
  const second = startMolt(['run'], { ...f.env, ...(c.restartEnv ?? {}) });
  t.after(() => second.stop());
  const rec = await second.waitFor('recovery', 20_000);
  const end = await settled(second);
  const want = c.expect === 'new' ? { sha: v2, version: 'v2', dep: '2.0.0', schema: 2, event: 'update_succeeded' } : { sha: v1, version: 'v1', dep: '1.0.0', schema: 0, event: 'update_rolled_back' };
  assert.equal(end.event, want.event, `${c.kill}: recovery ${String(rec.decision)} ended with ${end.event}: ${String(end.msg)}`);
  assert.equal(head(f), want.sha);
  assert.equal(await releaseVersion(f), want.version);
  const served = await eventually(() => appVersion(f.appPort), 20_000, `${want.version} serving`);
  assert.deepEqual([served.version, served.dep], [want.version, want.dep]);
  assert.equal(userVersion(f.db), want.schema);
  assert.ok(integrityOk(f.db), 'PRAGMA integrity_check ok');
  assert.deepEqual(notes(f.db), ['one', 'two', 'three'], 'rows committed before the update are present');
  assert.equal(existsSync(join(f.dataDir, 'UPDATE_LOCK.json')), false, 'journal removed');
  await second.stop();
}

test(`crash sweep: ${CASES.length} kill points converge to exactly the old or the new release`, { concurrency: 3 }, async (t) => {
  await Promise.all(CASES.map((c) => t.test(`killed at ${c.kill}${c.restartEnv ? ' with attempts exhausted' : ''} → ${c.expect} release`, (tt) => runCase(tt, c))));
});
