import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tempDir } from '../helpers/tmp.js';
import { GitFixture, git } from '../helpers/git-fixture.js';
import { createGitPort } from '../../src/update/git-port.js';
import { linearBranchCommits } from '../../src/update/git-objects.js';

/** The preflight's fast path must list exactly what `git log` lists, and step aside whenever it cannot be sure. */
const REF = 'refs/remotes/origin/main';

async function fetched(t: Parameters<typeof tempDir>[0]) {
  const f = await GitFixture.create(await tempDir(t), { 'a.txt': '1' });
  const from = f.appHead();
  await f.release({ 'a.txt': '2' }, 'second');
  await f.release({ 'a.txt': '3' }, 'third: a subject\nthat wraps  \n\nand a body');
  git(f.publisher, '-c', 'user.name=Zoë Ünicode', '-c', 'user.email=z@x.invalid', 'commit', '-q', '--allow-empty', '--author', 'Zoë Ünicode <z@x.invalid>', '-m', '\n\nfourth, after blank lines');
  git(f.publisher, 'push', '-q', 'origin', 'HEAD');
  git(f.app, 'fetch', '-q', 'origin');
  return { f, from };
}

test('the commits of a fetched branch read from loose objects equal git log', async (t) => {
  const { f, from } = await fetched(t);
  const fast = linearBranchCommits(f.app, REF, from, 50);
  assert.ok(fast, 'loose objects after a small fetch');
  assert.deepEqual(fast, await createGitPort(f.app).log(from, git(f.app, 'rev-parse', REF)));
  assert.equal(fast[1].subject, 'third: a subject that wraps');
  assert.equal(fast[0].author, 'Zoë Ünicode');
  assert.deepEqual(linearBranchCommits(f.app, REF, git(f.app, 'rev-parse', REF), 50), [], 'nothing new');
});

test('merges, packed objects, too many commits and missing refs are left to git', async (t) => {
  const { f, from } = await fetched(t);
  assert.equal(linearBranchCommits(f.app, REF, from, 2), null, 'more than max');
  assert.equal(linearBranchCommits(f.app, 'refs/remotes/origin/nope', from, 50), null);
  git(f.app, 'pack-refs', '--all');
  assert.ok(linearBranchCommits(f.app, REF, from, 50), 'a packed ref is read from packed-refs');
  git(f.app, 'repack', '-a', '-d', '-q');
  git(f.app, 'prune-packed');
  assert.equal(linearBranchCommits(f.app, REF, from, 50), null, 'packed objects');
  const g = await fetched(t);
  git(g.f.publisher, 'checkout', '-q', '-b', 'side', 'HEAD~1');
  git(g.f.publisher, 'commit', '-q', '--allow-empty', '-m', 'side');
  git(g.f.publisher, 'checkout', '-q', 'main');
  git(g.f.publisher, 'merge', '-q', '--no-edit', 'side');
  git(g.f.publisher, 'push', '-q', 'origin', 'main');
  git(g.f.app, 'fetch', '-q', 'origin');
  assert.equal(linearBranchCommits(g.f.app, REF, g.from, 50), null, 'a merge');
  // the port still answers through git
  const slow = await createGitPort(g.f.app).branchCommits('origin', 'main', g.from);
  assert.equal(slow[0].sha, git(g.f.app, 'rev-parse', REF));
  assert.equal(slow.length, 5);
});
