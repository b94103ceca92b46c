import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm, writeFile, cp } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { startMolt, eventually } from '../helpers/molt-process.js';
import { CLI } from '../helpers/paths.js';
import { git } from '../helpers/git-fixture.js';
import { createUpdateFixture, head, notes, releaseVersion } from './fixture.js';
import { appVersion } from './engine-harness.js';

const history = (env: Record<string, string>) =>
  JSON.parse(execFileSync(process.execPath, [CLI, 'history', '--json'], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' })) as Record<string, unknown>[];

test('exit code 10 runs the requested update end to end and `molt history --json` lists it with the API field names', async (t) => {
  const f = await createUpdateFixture(await tempDir(t));
  const v2 = await f.release({ version: 'v2' });
  const molt = startMolt(['run'], f.env);
  t.after(() => molt.stop());
  await molt.waitFor('app_started');
  await eventually(() => appVersion(f.appPort), 20_000, 'v1 up');
  await fetch(`http://127.0.0.1:${f.appPort}/request-update?sha=${v2}`).then((r) => r.text());
  const done = await molt.waitFor('update_succeeded', 30_000);
  assert.equal(done.toSha, v2);
  assert.ok(molt.events('install_skipped').length === 1);
  assert.equal((await eventually(() => appVersion(f.appPort), 20_000, 'v2 up')).version, 'v2');
  const rows = history(f.env);
  assert.equal(rows.length, 1);
  assert.deepEqual(Object.keys(rows[0]).slice(0, 12), ['id', 'trigger', 'actor', 'fromSha', 'toSha', 'fromSubject', 'toSubject', 'outcome', 'startedAt', 'finishedAt', 'steps', 'error']);
  assert.equal(rows[0].trigger, 'app');
  assert.equal(rows[0].actor, 'fixture');
  assert.equal(rows[0].outcome, 'succeeded');
  assert.equal(existsSync(join(f.dataDir, 'update-request.json')), false, 'request consumed');
  await molt.stop();
  // works without a supervisor, too
  assert.equal(history(f.env)[0].toSha, v2);
});

test('a corrupt journal stops molt from guessing: clear error, app not started', async (t) => {
  const f = await createUpdateFixture(await tempDir(t));
  await writeFile(join(f.dataDir, 'UPDATE_LOCK.json'), '{"version":1,"id":3,"kind":"upd');
  const molt = startMolt(['run'], f.env);
  t.after(() => molt.stop());
  const rec = await molt.waitFor('journal_corrupt');
  assert.equal(rec.code, 'MOLT_E_JOURNAL_CORRUPT');
  assert.match(String(rec.msg), /UPDATE_LOCK\.json.*not valid JSON.*will not guess/);
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(molt.events('app_started').length, 0);
  assert.equal(await appVersion(f.appPort), null);
});

test('a container re-created from the original image gets the last committed release back from its tarball, offline', async (t) => {
  const f = await createUpdateFixture(await tempDir(t));
  const v1 = head(f);
  const v2 = await f.release({ version: 'v2', dep: '2.0.0' });
  const image = join(f.root, 'image');
  await cp(f.app, image, { recursive: true, verbatimSymlinks: true, filter: (p) => !p.startsWith(join(f.app, 'data')) });
  let molt = startMolt(['run'], f.env);
  t.after(() => molt.stop());
  await eventually(() => appVersion(f.appPort), 20_000, 'v1 up');
  await fetch(`http://127.0.0.1:${f.appPort}/request-update`).then((r) => r.text());
  await molt.waitFor('update_succeeded', 60_000);
  await molt.stop();
  // re-create: the app tree comes back as the image had it (v1 code, v1 node_modules); data/ is the kept volume
  for (const name of ['server.mjs', 'release.json', 'package.json', 'package-lock.json', '.git', 'node_modules', 'migrate.mjs', 'migrations.json', 'build.mjs', '.gitignore']) await rm(join(f.app, name), { recursive: true, force: true });
  await cp(image, f.app, { recursive: true, verbatimSymlinks: true });
  assert.equal(head(f), v1);
  git(f.app, 'remote', 'set-url', 'origin', join(f.root, 'offline.git')); // no network
  molt = startMolt(['run'], { ...f.env, MOLT_INSTALL_CMD: 'false' }); // an install would fail: the kept tree must be used
  const rec = await molt.waitFor('reapply_release', 20_000);
  assert.equal(rec.lastGood, v2);
  await molt.waitFor('update_succeeded', 60_000);
  assert.equal(head(f), v2);
  assert.equal(await releaseVersion(f), 'v2');
  assert.deepEqual(await eventually(() => appVersion(f.appPort), 20_000, 'v2 up').then((v) => [v.version, v.dep]), ['v2', '2.0.0']);
  assert.equal(molt.events('app_started').length, 1, 'the image tree was never started');
  assert.deepEqual(notes(f.db), ['one', 'two', 'three']);
  assert.ok(molt.events('install_skipped').some((r) => r.reused === true), 'dependency tree renamed in, no install');
  const rows = history(f.env);
  assert.equal(rows[0].trigger, 'recovery');
  assert.equal(rows[0].outcome, 'succeeded');
});
