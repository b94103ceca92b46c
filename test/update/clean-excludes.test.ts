import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { git } from '../helpers/git-fixture.js';
import { createGitPort } from '../../src/update/git-port.js';
import { cleanExcludes } from '../../src/update/release-artifacts.js';

test("git clean after a checkout keeps an in-tree SQLite database with its -wal/-shm/-journal files, and removes other leftovers", async (t) => {
  const app = await tempDir(t);
  git(app, 'init', '-q');
  writeFileSync(join(app, 'README'), 'app\n');
  git(app, 'add', '.');
  git(app, 'commit', '-q', '-m', 'first');
  mkdirSync(join(app, 'db'));
  const kept = ['db/app.db', 'db/app.db-wal', 'db/app.db-shm', 'db/app.db-journal'];
  for (const f of [...kept, 'leftover.tmp']) writeFileSync(join(app, f), 'x');
  const excludes = cleanExcludes(app, join(app, 'data'), [join(app, 'db', 'app.db')]);
  const port = createGitPort(app);
  assert.deepEqual(await port.uncleaned(excludes), ['Would remove leftover.tmp']);
  await port.clean(excludes);
  for (const f of kept) assert.ok(existsSync(join(app, f)), `${f} kept`);
  assert.equal(existsSync(join(app, 'leftover.tmp')), false);
});
