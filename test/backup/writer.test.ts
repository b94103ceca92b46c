import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tar from 'tar';
import { writeBackup } from '../../src/backup/writer.js';
import { readManifest } from '../../src/backup/manifest.js';
import { integrityCheck, rowCounts } from '../../src/artifacts/sqlite-snapshot.js';
import { sha256File } from '../../src/artifacts/sha256.js';
import { systemClock } from '../../src/core/clock.js';
import { isMoltError } from '../../src/core/errors.js';
import { git } from '../helpers/git-fixture.js';
import { fixture } from '../helpers/paths.js';
import { tempDir } from '../helpers/tmp.js';
import { countRows, makeApp } from './support.js';

test('a backup taken while another process inserts continuously is consistent and within the observed row range', async (t) => {
  const root = await tempDir(t);
  // ~20 MB: big enough that the online backup takes many steps, so the writer's commits force restarts.
  const c = await makeApp(root, 80_000);
  const db = join(c.appDir, 'data', 'app.db');
  const writer = spawn(process.execPath, [fixture('backup-writer.mjs'), db], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => writer.exitCode === null && writer.kill('SIGKILL'));
  await once(writer.stdout!, 'data');

  const before = countRows(db);
  const r = await writeBackup({ ...c, minFree: 0, trigger: 'manual', actor: 'test', clock: systemClock });
  const after = countRows(db);
  writer.kill('SIGTERM');
  await once(writer, 'exit');

  const entry = r.manifest.files.find((f) => f.kind === 'sqlite')!;
  assert.equal(entry.kind, 'sqlite');
  const snap = join(r.dir, entry.file);
  assert.deepEqual(integrityCheck(snap), [], 'PRAGMA integrity_check is ok');
  const counts = rowCounts(snap);
  assert.deepEqual(counts, entry.rowCounts, 'manifest row counts are those of the snapshot');
  assert.ok(after > before, `the writer kept inserting during the backup (${before} → ${after})`);
  assert.ok(counts.items >= before && counts.items <= after, `snapshot has ${counts.items} rows, observed range ${before}..${after}`);
  assert.equal(await sha256File(snap), entry.sha256);
});

test('the artifact holds the SQLite snapshot, a tarball of the extra paths and a manifest with sizes, checksums and release', async (t) => {
  const root = await tempDir(t);
  const c = await makeApp(root);
  git(c.appDir, 'init', '-q');
  await writeFile(join(c.appDir, '.gitignore'), 'data/\nuploads/\n');
  git(c.appDir, 'add', '-A');
  git(c.appDir, 'commit', '-q', '-m', 'app');
  const head = git(c.appDir, 'rev-parse', 'HEAD');
  const r = await writeBackup({ ...c, backupPaths: ['uploads', 'config.json', 'missing-dir'], minFree: 0, trigger: 'manual', actor: 'alice', clock: systemClock });

  const m = await readManifest(r.dir);
  assert.deepEqual(m, r.manifest);
  assert.equal(m.releaseSha, head);
  assert.equal(m.actor, 'alice');
  assert.deepEqual(m.paths, [{ path: 'uploads', present: true }, { path: 'config.json', present: true }, { path: 'missing-dir', present: false }]);
  assert.deepEqual((await readdir(r.dir)).sort(), ['files.tar.gz', 'manifest.json', 'sqlite']);
  for (const f of m.files) assert.equal(await sha256File(join(r.dir, f.file)), f.sha256, f.file);
  const names: string[] = [];
  await tar.list({ file: join(r.dir, 'files.tar.gz'), onReadEntry: (e) => void (e.type === 'File' && names.push(e.path)) });
  assert.deepEqual(names.sort(), ['config.json', 'uploads/b.txt', 'uploads/img/a.txt']);
  const tb = m.files.find((f) => f.kind === 'tarball');
  assert.equal(tb?.kind === 'tarball' && tb.fileCount, 3);
  assert.equal(m.totalBytes, m.files.reduce((n, f) => n + f.size, 0));
});

test('extra paths that include the backup dir and the live database never put them in the tarball', async (t) => {
  const root = await tempDir(t);
  const c = await makeApp(root);
  const cfg = { ...c, backupDir: join(c.appDir, 'data', 'backups'), backupPaths: ['data', 'config.json'] };
  await writeBackup({ ...cfg, minFree: 0, trigger: 'manual', actor: 't', clock: systemClock });
  const r = await writeBackup({ ...cfg, minFree: 0, trigger: 'manual', actor: 't', clock: systemClock });
  const names: string[] = [];
  await tar.list({ file: join(r.dir, 'files.tar.gz'), onReadEntry: (e) => void names.push(e.path) });
  assert.ok(!names.some((n) => n.startsWith('data/backups') || n.startsWith('data/app.db')), `tarball entries: ${names.join(', ')}`);
  assert.ok(names.includes('config.json'));
});

test('an extra path outside the app dir is refused with an error naming MOLT_BACKUP_PATHS', async (t) => {
  const root = await tempDir(t);
  const c = await makeApp(root);
  await assert.rejects(
    writeBackup({ ...c, backupPaths: ['../etc'], minFree: 0, trigger: 'manual', actor: 't', clock: systemClock }),
    (e) => isMoltError(e, 'MOLT_E_CONFIG') && /MOLT_BACKUP_PATHS="\.\.\/etc"/.test(e.message),
  );
  assert.deepEqual(await readdir(c.backupDir).catch(() => []), []);
  assert.ok((await readFile(join(c.appDir, 'config.json'), 'utf8')).includes('v1'));
});
