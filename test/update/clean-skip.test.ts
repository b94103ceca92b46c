import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { eventually } from '../helpers/molt-process.js';
import { git } from '../helpers/git-fixture.js';
import { createUpdateFixture, head, releaseVersion, type ReleaseSpec } from './fixture.js';
import { appVersion, startEngine, type EngineRun } from './engine-harness.js';

/**
 * Checkout skips `git clean` only when the preflight's dry run found nothing to clean, the stopped tree is still the
 * one fingerprinted at commit, and no .gitignore differs between the releases. Every other tree is cleaned exactly as
 * before: whatever the old release left behind that git does not track or ignore is gone after the update.
 */
const IGNORE_CACHE = { '.gitignore': 'node_modules/\ndata/\ndist/\n*.db\ncache/\n' };

async function committed(t: TestContext, v2: ReleaseSpec, beforeCommit?: (f: { app: string }) => void) {
  const f = await createUpdateFixture(await tempDir(t), { version: 'v1', extra: v2.extra?.['.gitignore'] ? IGNORE_CACHE : undefined });
  const run = await startEngine(t, f);
  await eventually(() => appVersion(f.appPort), 10_000, 'v1 up');
  await f.release(v2);
  // once the gate passed, before the commit fingerprints the tree (the app writing a file at boot)
  const off = run.engine.p.events.on('update_step', (e) => {
    if (e.step === 'health' && e.status === 'done') beforeCommit?.(f);
  });
  assert.equal((await (await run.engine.requestUpdate({ trigger: 'cli', actor: 't' })).done).outcome, 'succeeded');
  off();
  return { f, run };
}

async function update(run: EngineRun, f: Awaited<ReturnType<typeof createUpdateFixture>>, spec: ReleaseSpec) {
  const sha = await f.release(spec);
  const row = await (await run.engine.requestUpdate({ trigger: 'cli', actor: 't' })).done;
  assert.equal(row.outcome, 'succeeded');
  assert.equal(head(f), sha);
  assert.equal(await releaseVersion(f), spec.version);
  const detail = (step: string) => row.steps.find((s) => s.step === step)?.detail ?? '';
  return { backup: detail('backup'), checkout: detail('checkout') };
}

const untracked = (dir: string) => git(dir, 'status', '--porcelain', '--untracked-files=all');

test('an unchanged, clean tree skips git clean and ends exactly at the new commit', async (t) => {
  const { f, run } = await committed(t, { version: 'v2', extra: { 'old.txt': 'only in v2\n' } });
  const d = await update(run, f, { version: 'v3', extra: { 'old.txt': null } });
  assert.match(d.backup, /tarball kept/);
  assert.match(d.checkout, /nothing to clean/);
  assert.equal(existsSync(join(f.app, 'old.txt')), false, 'a file v3 no longer tracks is gone');
  assert.equal(untracked(f.app), '');
});

test('an untracked file the old release left before its commit is still removed, though the tree is unchanged', async (t) => {
  const { f, run } = await committed(t, { version: 'v2' }, ({ app }) => writeFileSync(join(app, 'left-behind.txt'), 'written by v2 at boot\n'));
  const d = await update(run, f, { version: 'v3' });
  assert.match(d.backup, /tarball kept/, 'the fingerprint matched: only the dry run knows about the file');
  assert.doesNotMatch(d.checkout, /nothing to clean/);
  assert.equal(existsSync(join(f.app, 'left-behind.txt')), false);
  assert.equal(untracked(f.app), '');
});

test('an untracked file written after the commit is removed (the tree changed: git clean runs)', async (t) => {
  const { f, run } = await committed(t, { version: 'v2' });
  mkdirSync(join(f.app, 'uploads'));
  writeFileSync(join(f.app, 'uploads', 'a.bin'), 'x');
  const d = await update(run, f, { version: 'v3' });
  assert.doesNotMatch(d.backup, /tarball kept/);
  assert.doesNotMatch(d.checkout, /nothing to clean/);
  assert.equal(existsSync(join(f.app, 'uploads')), false);
});

test('a file ignored by the old .gitignore but not by the new one is removed', async (t) => {
  const { f, run } = await committed(t, { version: 'v2', extra: IGNORE_CACHE }, ({ app }) => {
    mkdirSync(join(app, 'cache'), { recursive: true });
    writeFileSync(join(app, 'cache', 'page.html'), 'ignored in v2\n');
  });
  const d = await update(run, f, { version: 'v3' });
  assert.match(d.backup, /tarball kept/);
  assert.doesNotMatch(d.checkout, /nothing to clean/, 'the ignore rules changed');
  assert.equal(existsSync(join(f.app, 'cache')), false);
});
