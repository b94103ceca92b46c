// Issue 9: a scheduled backup while the app writes continuously. Compares SQLite's online backup in fixed 100-page
// steps (restarted by every foreign write) with molt's pacer (rest in one step after the first restart), then times a
// full artifact (snapshot + tarball + manifest) and its restore drill. Standalone: node dist/bench/backup-live-writer.js
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backupPacer } from '../src/artifacts/sqlite-snapshot.js';
import { writeBackup } from '../src/backup/writer.js';
import { verifyArtifact } from '../src/backup/verify.js';
import { systemClock } from '../src/core/clock.js';
import { ROOT } from './lib/root.js';

const DB_MB = Number(process.env.BENCH_DB_MB ?? 50);
const GIVE_UP_MS = 20_000;

async function onlineBackup(src: string, dest: string, progress: (p: { totalPages: number; remainingPages: number }) => number): Promise<{ ms: number; restarts: number; done: boolean }> {
  const db = new Database(src);
  let restarts = 0;
  let last = Infinity;
  const t0 = Date.now();
  const ac = { stop: false };
  const timer = setTimeout(() => (ac.stop = true), GIVE_UP_MS);
  try {
    await db.backup(dest, {
      progress: (p) => {
        if (p.remainingPages > last) restarts++;
        last = p.remainingPages;
        if (ac.stop) throw new Error('gave up');
        return progress(p);
      },
    });
    return { ms: Date.now() - t0, restarts, done: true };
  } catch {
    return { ms: Date.now() - t0, restarts, done: false };
  } finally {
    clearTimeout(timer);
    db.close();
    await rm(dest, { force: true });
  }
}

const dir = await mkdtemp(join(tmpdir(), 'molt-bench-live-'));
try {
  const app = join(dir, 'app');
  await mkdir(join(app, 'data'), { recursive: true });
  await mkdir(join(app, 'uploads'), { recursive: true });
  for (let i = 0; i < 50; i++) await writeFile(join(app, 'uploads', `f${i}.bin`), randomBytes(100_000));
  const dbPath = join(app, 'data', 'app.db');
  const db = new Database(dbPath);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE items (id INTEGER PRIMARY KEY, v TEXT)');
  const ins = db.prepare('INSERT INTO items (v) VALUES (?)');
  db.transaction(() => {
    for (let i = 0; i < (DB_MB * 1024 * 1024) / 250; i++) ins.run('x'.repeat(200));
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  const size = (await stat(dbPath)).size;
  const writer = spawn(process.execPath, [join(ROOT, 'test', 'fixtures', 'backup-writer.mjs'), dbPath], { stdio: ['ignore', 'pipe', 'inherit'] });
  await once(writer.stdout!, 'data');
  const fixed = await onlineBackup(dbPath, join(dir, 'fixed.db'), () => 100);
  const paced = await onlineBackup(dbPath, join(dir, 'paced.db'), backupPacer());
  const t0 = Date.now();
  const r = await writeBackup({ appDir: app, dataDir: join(app, 'data'), backupDir: join(dir, 'backups'), sqlitePaths: ['data/app.db'], backupPaths: ['uploads'], minFree: 0, trigger: 'manual', actor: 'bench', clock: systemClock });
  const backupMs = Date.now() - t0;
  writer.kill('SIGTERM');
  await once(writer, 'exit');
  const t1 = Date.now();
  const v = await verifyArtifact(r.dir, r.manifest, join(dir, 'scratch'));
  const drillMs = Date.now() - t1;
  const out = {
    dbMb: +(size / 1048576).toFixed(1),
    fixedSteps: fixed.done ? `${fixed.ms} ms, ${fixed.restarts} restarts` : `did not finish in ${GIVE_UP_MS} ms (${fixed.restarts} restarts)`,
    pacer: paced.done ? `${paced.ms} ms, ${paced.restarts} restarts` : `did not finish in ${GIVE_UP_MS} ms (${paced.restarts} restarts)`,
    fullBackupMs: backupMs,
    snapshotMb: +((r.manifest.files.find((f) => f.kind === 'sqlite')?.size ?? 0) / 1048576).toFixed(1),
    artifactMb: +(r.manifest.totalBytes / 1048576).toFixed(1),
    drillMs,
    drillOk: v.ok,
  };
  process.stdout.write(JSON.stringify(out, null, 2) + '\n');
} finally {
  await rm(dir, { recursive: true, force: true });
}
