import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { tempDir } from '../helpers/tmp.js';
import { eventually } from '../helpers/molt-process.js';
import { sha256Text } from '../../src/artifacts/sha256.js';
import { createUpdateFixture, head, notes, releaseVersion, type ReleaseSpec } from './fixture.js';
import { appVersion, startEngine } from './engine-harness.js';

async function failingUpdate(t: TestContext, spec: ReleaseSpec, env: Record<string, string> = {}) {
  const f = await createUpdateFixture(await tempDir(t), { version: 'v1' }, env);
  const run = await startEngine(t, f);
  await eventually(() => appVersion(f.appPort), 10_000, 'v1 up');
  const v1 = head(f);
  const v2 = await f.release(spec);
  return { f, run, v1, v2 };
}

/** After a rollback: old code, old deps, old data, serving, no journal. */
async function assertBackOnV1(f: Awaited<ReturnType<typeof failingUpdate>>['f'], v1: string) {
  assert.equal(head(f), v1);
  assert.equal(await releaseVersion(f), 'v1');
  assert.deepEqual(await appVersion(f.appPort).then((v) => [v?.version, v?.dep]), ['v1', '1.0.0']);
  assert.deepEqual(notes(f.db), ['one', 'two', 'three']);
  assert.equal(existsSync(join(f.dataDir, 'UPDATE_LOCK.json')), false);
}

test('a failing install rolls back to the previous code and dependency tree without reinstalling', async (t) => {
  const { f, run, v1 } = await failingUpdate(t, { version: 'v2', dep: '2.0.0', extra: { 'package.json': JSON.stringify({ name: 'fixture-app', version: '1.0.0', private: true, dependencies: { 'molt-fixture-dep': 'file:../deps/missing.tgz' } }) } });
  const row = await (await run.engine.requestUpdate({ trigger: 'cli', actor: 't' })).done;
  assert.equal(row.outcome, 'rolled_back');
  assert.equal(row.error?.code, 'MOLT_E_INSTALL');
  assert.equal(row.error?.step, 'install');
  assert.ok(row.error?.outputTail?.length, 'output tail recorded');
  assert.match(row.steps.find((s) => s.step === 'rollback:restore_deps')?.detail ?? '', /moved back/);
  t.diagnostic(`failed install → rolled back in ${Date.parse(row.finishedAt!) - Date.parse(row.startedAt)}ms; ${row.steps.filter((s) => s.step.startsWith('rollback:')).map((s) => `${s.step}=${s.durationMs}`).join(' ')}`);
  await assertBackOnV1(f, v1);
  assert.ok(run.events.some((e) => e.type === 'update_rolled_back' && e.failedStep === 'install'));
});

test('a failing build rolls back', async (t) => {
  const { f, run, v1 } = await failingUpdate(t, { version: 'v2', extra: { 'build.mjs': "console.error('syntax error in src/app.ts'); process.exit(2);\n" } }, { MOLT_BUILD_CMD: 'node build.mjs' });
  const row = await (await run.engine.requestUpdate({ trigger: 'cli', actor: 't' })).done;
  assert.equal(row.outcome, 'rolled_back');
  assert.equal(row.error?.code, 'MOLT_E_BUILD');
  assert.deepEqual(row.error?.outputTail, ['syntax error in src/app.ts']);
  await assertBackOnV1(f, v1);
});

test('a migration that throws leaves the database byte-identical after the rollback', async (t) => {
  const migrations = [
    { version: 1, name: 'add-tags', up: 'CREATE TABLE tags (id INTEGER PRIMARY KEY)', down: 'DROP TABLE tags' },
    { version: 2, name: 'broken', up: "INSERT INTO notes (body) VALUES ('half')", fail: true },
  ];
  const { f, run, v1 } = await failingUpdate(t, { version: 'v2', migrations }, { MOLT_MIGRATE_CMD: 'node migrate.mjs' });
  const d = new Database(f.db);
  d.pragma('wal_checkpoint(TRUNCATE)');
  d.close();
  const before = sha256Text(readFileSync(f.db));
  const row = await (await run.engine.requestUpdate({ trigger: 'cli', actor: 't' })).done;
  assert.equal(row.outcome, 'rolled_back');
  assert.equal(row.error?.code, 'MOLT_E_MIGRATE');
  assert.ok(row.error?.outputTail?.some((l) => l.includes('failed on purpose')));
  assert.equal(sha256Text(readFileSync(f.db)), before, 'database file byte-identical');
  await assertBackOnV1(f, v1);
});

for (const [title, spec, code] of [
  ['an app that crashes at boot', { version: 'v2', boot: 'crash' }, 'MOLT_E_APP_START'],
  ['an app whose health check never passes', { version: 'v2', health: 'never' }, 'MOLT_E_HEALTH'],
  ['an app that exits with the SDK migration code', { version: 'v2', boot: 'exit12' }, 'MOLT_E_MIGRATE'],
] as const) {
  test(`${title} is rolled back (${code})`, async (t) => {
    const { f, run, v1 } = await failingUpdate(t, spec, { MOLT_HEALTH_TIMEOUT: '2s' });
    const row = await (await run.engine.requestUpdate({ trigger: 'cli', actor: 't' })).done;
    assert.equal(row.outcome, 'rolled_back');
    assert.equal(row.error?.code, code);
    assert.equal(row.error?.step, 'health');
    await assertBackOnV1(f, v1);
  });
}

test('a health check that fails once and then passes does not roll back', async (t) => {
  const { f, run, v2 } = await failingUpdate(t, { version: 'v2', health: 'flap-once' }, { MOLT_HEALTH_SUCCESSES: '3' });
  const row = await (await run.engine.requestUpdate({ trigger: 'cli', actor: 't' })).done;
  assert.equal(row.outcome, 'succeeded', JSON.stringify(row.error));
  const failed = Number(/\((\d+) failed\)/.exec(row.steps.find((s) => s.step === 'health')?.detail ?? '')?.[1]);
  assert.ok(failed >= 1, 'a probe failed and the gate still passed');
  assert.equal(head(f), v2);
  assert.equal((await appVersion(f.appPort))?.version, 'v2');
});

test('a corrupt code tarball is detected before anything is overwritten: rollback_failed, app stopped, backups kept', async (t) => {
  const { f, run, v1, v2 } = await failingUpdate(t, { version: 'v2', health: 'never' }, { MOLT_HEALTH_TIMEOUT: '1s' });
  const off = run.supervisor['deps'].events.on('update_step', (e) => {
    if (e.step === 'start' && e.status === 'started') void appendFile(join(f.dataDir, 'releases', v1, 'code.tar.gz'), 'bitrot');
  });
  t.after(off);
  const row = await (await run.engine.requestUpdate({ trigger: 'cli', actor: 't' })).done;
  assert.equal(row.outcome, 'failed');
  assert.equal(row.error?.code, 'MOLT_E_ROLLBACK_FAILED');
  assert.match(row.error?.message ?? '', /sha256/);
  const crit = run.events.find((e) => e.type === 'rollback_failed');
  assert.equal(crit?.type === 'rollback_failed' && crit.severity, 'critical');
  assert.equal(head(f), v2, 'the live tree was not touched by the bad archive');
  assert.equal(await releaseVersion(f), 'v2');
  assert.equal(run.supervisor.currentChild(), undefined, 'app left stopped');
  assert.equal(await appVersion(f.appPort), null);
  assert.ok(existsSync(join(f.dataDir, 'UPDATE_LOCK.json')), 'journal kept for the next start');
  assert.ok(readdirSync(join(f.dataDir, 'releases', v1)).includes('db-0.sqlite'), 'backups kept');
});
