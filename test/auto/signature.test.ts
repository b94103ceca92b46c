import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { verifyCommitSignature } from '../../src/update/signature.js';
import { isMoltError } from '../../src/core/errors.js';
import { GIT_ENV, git } from '../helpers/git-fixture.js';
import { tempDir } from '../helpers/tmp.js';

/** A repo with an unsigned, a good-key and a wrong-key commit, plus an allowed-signers file listing only the good key. */
async function signedRepo(t: Parameters<typeof tempDir>[0]) {
  const root = await tempDir(t, 'molt-sig-');
  for (const k of ['good', 'wrong']) execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', k, '-f', join(root, k)]);
  const signers = join(root, 'allowed_signers');
  await writeFile(signers, `release@example.com ${(await readFile(join(root, 'good.pub'), 'utf8')).trim()}\n`);
  const repo = join(root, 'repo');
  git(root, 'init', '-q', '--initial-branch=main', repo);
  const commit = (subject: string, key?: string) => {
    const sign = key ? ['-c', 'gpg.format=ssh', '-c', `user.signingkey=${join(root, key)}`] : [];
    git(repo, ...sign, 'commit', '-q', '--allow-empty', ...(key ? ['-S'] : []), '-m', subject);
    return git(repo, 'rev-parse', 'HEAD');
  };
  return { repo, signers, unsigned: commit('unsigned'), good: commit('signed with the allowed key', 'good'), wrong: commit('signed with another key', 'wrong') };
}

test('a commit signed with an allowed SSH key verifies and names its signer', async (t) => {
  const r = await signedRepo(t);
  assert.deepEqual(await verifyCommitSignature({ appDir: r.repo, sha: r.good, allowedSigners: r.signers }), { signer: 'release@example.com' });
});

test('an unsigned commit is refused with MOLT_E_UNSIGNED saying it is not signed', async (t) => {
  const r = await signedRepo(t);
  await assert.rejects(verifyCommitSignature({ appDir: r.repo, sha: r.unsigned, allowedSigners: r.signers }), (e) => {
    assert.ok(isMoltError(e, 'MOLT_E_UNSIGNED'));
    assert.equal(e.context.reason, 'no_signature');
    assert.match(e.message, /is not signed/);
    return true;
  });
});

test('a commit signed with a key that is not in the allowed signers is refused as an unknown signer', async (t) => {
  const r = await signedRepo(t);
  await assert.rejects(verifyCommitSignature({ appDir: r.repo, sha: r.wrong, allowedSigners: r.signers }), (e) => {
    assert.ok(isMoltError(e, 'MOLT_E_UNSIGNED'));
    assert.equal(e.context.reason, 'unknown_signer');
    assert.match(e.message, /not in .*allowed_signers/);
    return true;
  });
});

test('a missing allowed-signers file and a malformed sha are refused before git runs', async (t) => {
  const r = await signedRepo(t);
  await assert.rejects(verifyCommitSignature({ appDir: r.repo, sha: r.good, allowedSigners: join(r.repo, 'nope') }), (e) => isMoltError(e, 'MOLT_E_UNSIGNED') && e.context.reason === 'signers_missing' && /MOLT_ALLOWED_SIGNERS/.test(e.message));
  await assert.rejects(verifyCommitSignature({ appDir: r.repo, sha: '--output=/tmp/x', allowedSigners: r.signers }), (e) => isMoltError(e, 'MOLT_E_UNSIGNED') && e.context.reason === 'invalid_sha');
});

test('a sha that is not in the local repository is refused as not a commit', async (t) => {
  const r = await signedRepo(t);
  await assert.rejects(verifyCommitSignature({ appDir: r.repo, sha: 'f'.repeat(40), allowedSigners: r.signers }), (e) => isMoltError(e, 'MOLT_E_UNSIGNED') && e.context.reason === 'not_a_commit');
});

test('with a GPG keyring file, a commit signed by a key in it verifies and one signed by another key is refused', async (t) => {
  const root = await tempDir(t, 'molt-sig-gpg-');
  const home = join(root, 'gnupg');
  execFileSync('mkdir', ['-m', '700', home]);
  const env = { ...process.env, GNUPGHOME: home, ...GIT_ENV };
  const gpg = (...args: string[]) => execFileSync('gpg', ['--batch', '--quiet', '--pinentry-mode', 'loopback', '--passphrase', '', ...args], { env, stdio: 'pipe' });
  gpg('--quick-gen-key', 'Release Bot <release@example.com>', 'ed25519', 'sign', 'never');
  gpg('--quick-gen-key', 'Intruder <intruder@example.com>', 'ed25519', 'sign', 'never');
  const keyring = join(root, 'release.gpg');
  await writeFile(keyring, gpg('--export', 'release@example.com'));
  const repo = join(root, 'repo');
  execFileSync('git', ['init', '-q', repo], { env });
  const commit = (who: string) => {
    execFileSync('git', ['-c', `user.signingkey=${who}`, 'commit', '-q', '-S', '--allow-empty', '-m', `signed by ${who}`], { cwd: repo, env });
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repo, env, encoding: 'utf8' }).trim();
  };
  const good = commit('release@example.com');
  const bad = commit('intruder@example.com');
  assert.deepEqual(await verifyCommitSignature({ appDir: repo, sha: good, allowedSigners: keyring }), { signer: 'Release Bot <release@example.com>' });
  await assert.rejects(verifyCommitSignature({ appDir: repo, sha: bad, allowedSigners: keyring }), (e) => isMoltError(e, 'MOLT_E_UNSIGNED') && e.context.reason === 'unknown_signer');
});
