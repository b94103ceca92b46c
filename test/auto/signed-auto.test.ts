import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GitFixture, git } from '../helpers/git-fixture.js';
import { tempDir } from '../helpers/tmp.js';
import { verifyCommitSignature } from '../../src/update/signature.js';
import { ManualClock, RecordingEngine, baseConfig, makeUpdater } from './harness.js';

test('with MOLT_REQUIRE_SIGNED an unsigned tip raises an alert and is not applied, and a signed newer tip is', async (t) => {
  const root = await tempDir(t, 'molt-auto-signed-');
  const fx = await GitFixture.create(root, { 'server.mjs': '1\n' });
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'rel', '-f', join(root, 'key')]);
  const signers = join(root, 'allowed_signers');
  await writeFile(signers, `release@example.com ${(await readFile(join(root, 'key.pub'), 'utf8')).trim()}\n`);
  const engine = new RecordingEngine(fx.appHead());
  const h = makeUpdater({
    appDir: fx.app,
    engine,
    clock: new ManualClock(Date.now()),
    config: baseConfig(join(root, 'data'), { requireSigned: true }),
    verifySignature: (sha, signal) => verifyCommitSignature({ appDir: fx.app, sha, allowedSigners: signers, signal }),
  });

  const unsigned = await fx.release({ 'server.mjs': '2\n' }, 'feat: unsigned');
  assert.equal(await h.updater.checkNow(), 'blocked');
  assert.equal(engine.calls.length, 0);
  const alerts = h.events.filter((e) => e.type === 'alert');
  assert.equal(alerts.length, 1);
  assert.ok(alerts[0].type === 'alert' && alerts[0].kind === 'unsigned_release' && alerts[0].details?.sha === unsigned && alerts[0].details?.code === 'MOLT_E_UNSIGNED');
  assert.match(h.updater.autoUpdateStatus().pending?.blocked ?? '', /MOLT_E_UNSIGNED: commit [0-9a-f]{7} is not signed/);
  assert.equal(await h.updater.checkNow(), 'blocked');
  assert.equal(h.events.filter((e) => e.type === 'alert').length, 1, 'one alert per refused sha, not one per poll');

  await writeFile(join(fx.publisher, 'server.mjs'), '3\n');
  git(fx.publisher, 'add', '-A');
  git(fx.publisher, '-c', 'gpg.format=ssh', '-c', `user.signingkey=${join(root, 'key')}`, 'commit', '-q', '-S', '-m', 'feat: signed');
  git(fx.publisher, 'push', '-q', 'origin', 'HEAD');
  const signed = git(fx.publisher, 'rev-parse', 'HEAD');
  assert.equal(await h.updater.checkNow(), 'apply');
  assert.deepEqual(engine.calls.map((c) => c.sha), [signed]);
  assert.ok(h.logs.some((r) => r.event === 'auto_update_signature_ok' && r.signer === 'release@example.com'));
});
