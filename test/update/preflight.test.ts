import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, statfsSync } from 'node:fs';
import { mkdir, truncate, writeFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { tempDir } from '../helpers/tmp.js';
import { eventually } from '../helpers/molt-process.js';
import { git } from '../helpers/git-fixture.js';
import { isMoltError } from '../../src/core/errors.js';
import { createUpdateFixture, head } from './fixture.js';
import { appVersion, startEngine } from './engine-harness.js';

async function setup(t: import('node:test').TestContext) {
  const f = await createUpdateFixture(await tempDir(t));
  const run = await startEngine(t, f);
  await eventually(() => appVersion(f.appPort), 10_000, 'v1 up');
  return { f, run, v1: head(f) };
}

const rejectsWith = (code: string, re?: RegExp) => (err: unknown) => isMoltError(err) && err.code === code && (!re || re.test(err.message));

test('refused requests (malicious ref, unknown ref, unreachable remote, same release) change nothing and are recorded as refused', async (t) => {
  const { f, run, v1 } = await setup(t);
  const pwned = join(f.root, 'pwned');
  await assert.rejects(run.engine.requestUpdate({ ref: `--upload-pack=touch ${pwned}`, trigger: 'web', actor: 'mallory' }), rejectsWith('MOLT_E_REF_INVALID', /starts with '-'/));
  await assert.rejects(run.engine.requestUpdate({ ref: 'main..evil', trigger: 'web', actor: 'mallory' }), rejectsWith('MOLT_E_REF_INVALID'));
  await assert.rejects(run.engine.requestUpdate({ sha: '-x', trigger: 'web', actor: 'mallory' }), rejectsWith('MOLT_E_REF_INVALID'));
  await assert.rejects(run.engine.requestRollback({ sha: '--output=/tmp/x', trigger: 'web', actor: 'mallory' }), rejectsWith('MOLT_E_REF_INVALID'));
  assert.equal(existsSync(pwned), false, 'nothing was executed');
  await assert.rejects(run.engine.requestUpdate({ ref: 'no-such-branch', trigger: 'cli', actor: 't' }), rejectsWith('MOLT_E_REF_UNKNOWN', /no-such-branch/));
  await assert.rejects(run.engine.requestUpdate({ trigger: 'cli', actor: 't' }), rejectsWith('MOLT_E_SAME_RELEASE'));
  await f.release({ version: 'v2' });
  git(f.app, 'remote', 'set-url', 'origin', join(f.root, 'gone.git'));
  await assert.rejects(run.engine.requestUpdate({ trigger: 'cli', actor: 't' }), rejectsWith('MOLT_E_GIT'));
  assert.equal(head(f), v1);
  assert.equal((await appVersion(f.appPort))?.version, 'v1');
  assert.equal(existsSync(join(f.dataDir, 'UPDATE_LOCK.json')), false);
  const rows = run.engine.history(20);
  assert.equal(rows.length, 6, 'every refusal but "already running it" is recorded');
  assert.ok(rows.every((r) => r.outcome === 'refused' && r.error?.code?.startsWith('MOLT_E_')));
  assert.equal(run.eventsOf('update_refused').length, 7);
});

test('an update is refused up front when the disk cannot hold its backups', async (t) => {
  const { f, run, v1 } = await setup(t);
  await f.release({ version: 'v2' });
  await mkdir(join(f.app, 'uploads'));
  await writeFile(join(f.app, 'uploads', 'huge.bin'), '');
  const fs = statfsSync(f.dataDir);
  await truncate(join(f.app, 'uploads', 'huge.bin'), fs.bavail * fs.bsize + 1024 ** 3); // sparse: more than the free space, no real blocks
  await assert.rejects(run.engine.requestUpdate({ trigger: 'cli', actor: 't' }), rejectsWith('MOLT_E_DISK_FULL', /need \d+ MiB/));
  assert.equal(head(f), v1);
  assert.equal(existsSync(join(f.dataDir, 'releases')), false, 'no backup was started');
  assert.equal((await appVersion(f.appPort))?.version, 'v1');
});

test('a second request while an update runs is refused with "update in progress"', async (t) => {
  const { f, run } = await setup(t);
  const v2 = await f.release({ version: 'v2' });
  const first = await run.engine.requestUpdate({ trigger: 'web', actor: 'a' });
  await assert.rejects(run.engine.requestUpdate({ trigger: 'telegram', actor: 'b' }), rejectsWith('MOLT_E_UPDATE_IN_PROGRESS', /update in progress/));
  await assert.rejects(run.engine.requestRollback({ sha: v2, trigger: 'cli', actor: 'c' }), rejectsWith('MOLT_E_UPDATE_IN_PROGRESS'));
  assert.equal(run.engine.running()?.id, first.id);
  assert.equal((await first.done).outcome, 'succeeded');
  assert.equal(run.engine.running(), null);
});

test('the update lock of another live process refuses the update; a lock left by a dead process is recovered', async (t) => {
  const { f, run } = await setup(t);
  const v2 = await f.release({ version: 'v2' });
  const other = spawn('sleep', ['30'], { stdio: 'ignore' });
  t.after(() => other.kill('SIGKILL'));
  const release = await lockfile.lock(join(f.dataDir, 'update'), { lockfilePath: join(f.dataDir, 'update.lock'), realpath: false });
  await writeFile(join(f.dataDir, 'update.lock.owner'), JSON.stringify({ pid: other.pid, token: 'other' }));
  await assert.rejects(run.engine.requestUpdate({ trigger: 'cli', actor: 't' }), rejectsWith('MOLT_E_UPDATE_IN_PROGRESS'));
  await release();
  // a dead owner: the lock dir stays behind (fresh mtime), its owner pid is gone
  const dead = spawn('true');
  await new Promise((r) => dead.on('exit', r));
  await mkdir(join(f.dataDir, 'update.lock'));
  await writeFile(join(f.dataDir, 'update.lock.owner'), JSON.stringify({ pid: dead.pid, token: 'dead' }));
  const row = await (await run.engine.requestUpdate({ trigger: 'cli', actor: 't' })).done;
  assert.equal(row.outcome, 'succeeded');
  assert.equal(row.toSha, v2);
  assert.equal(run.eventsOf('stale_lock_recovered')[0]?.ownerPid, dead.pid);
  assert.ok(!readdirSync(f.dataDir).includes('update.lock'), 'lock released after the update');
});
