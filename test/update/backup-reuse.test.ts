import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { eventually } from '../helpers/molt-process.js';
import { createUpdateFixture, head, releaseVersion } from './fixture.js';
import { appVersion, startEngine } from './engine-harness.js';

/**
 * The backup of an update keeps the current release's commit tarball when the stopped tree still matches the
 * fingerprint taken at commit; any change since (a new untracked file, an edited file) makes it write a new one.
 * Either way a rollback brings back exactly the tree that was there before the update.
 */
async function committedV2(t: TestContext) {
  const f = await createUpdateFixture(await tempDir(t), { version: 'v1' });
  const run = await startEngine(t, f);
  await eventually(() => appVersion(f.appPort), 10_000, 'v1 up');
  await f.release({ version: 'v2', extra: { 'notes.txt': 'tracked v2\n' } });
  assert.equal((await (await run.engine.requestUpdate({ trigger: 'cli', actor: 't' })).done).outcome, 'succeeded');
  const v2 = head(f);
  assert.ok(existsSync(join(f.dataDir, 'releases', v2, 'tree.json')), 'the commit fingerprinted the tree');
  await f.release({ version: 'v3', health: 'never', extra: { 'notes.txt': 'tracked v3\n' } });
  return { f, run, v2 };
}

const backupDetail = (row: { steps: { step: string; detail?: string }[] }) => row.steps.find((s) => s.step === 'backup')?.detail ?? '';

test('an unchanged tree reuses the commit tarball as the backup, and the rollback restores it exactly', async (t) => {
  const { f, run, v2 } = await committedV2(t);
  const row = await (await run.engine.requestUpdate({ trigger: 'cli', actor: 't' })).done;
  assert.equal(row.outcome, 'rolled_back');
  assert.match(backupDetail(row), /tarball kept/);
  assert.equal(head(f), v2);
  assert.equal(await releaseVersion(f), 'v2');
  assert.equal(readFileSync(join(f.app, 'notes.txt'), 'utf8'), 'tracked v2\n');
  assert.equal((await eventually(() => appVersion(f.appPort), 10_000, 'v2 serving')).version, 'v2');
});

test('a tree changed after the commit gets a fresh backup tarball, and the rollback brings the changes back', async (t) => {
  const { f, run, v2 } = await committedV2(t);
  await writeFile(join(f.app, 'notes.txt'), 'edited in place\n');
  await writeFile(join(f.app, 'uploaded.bin'), 'written by the app\n');
  const row = await (await run.engine.requestUpdate({ trigger: 'cli', actor: 't' })).done;
  assert.equal(row.outcome, 'rolled_back');
  assert.doesNotMatch(backupDetail(row), /tarball kept/);
  assert.equal(head(f), v2);
  assert.equal(readFileSync(join(f.app, 'notes.txt'), 'utf8'), 'edited in place\n');
  assert.equal(readFileSync(join(f.app, 'uploaded.bin'), 'utf8'), 'written by the app\n');
  assert.equal((await eventually(() => appVersion(f.appPort), 10_000, 'v2 serving')).version, 'v2');
});
