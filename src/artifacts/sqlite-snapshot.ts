import Database from 'better-sqlite3';
import { stat, rm, rename } from 'node:fs/promises';
import { MoltError } from '../core/errors.js';
import { fsyncDir } from '../core/atomic-write.js';
import { dirname } from 'node:path';
import { sha256File } from './sha256.js';
import { open } from 'node:fs/promises';

export interface SqliteSnapshot {
  source: string;
  path: string;
  size: number;
  sha256: string;
  /** Row count per table at snapshot time (restore drills compare against it). */
  rowCounts: Record<string, number>;
}

export function integrityCheck(path: string): string[] {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const rows = db.pragma('integrity_check') as { integrity_check: string }[];
    const msgs = rows.map((r) => r.integrity_check);
    return msgs.length === 1 && msgs[0] === 'ok' ? [] : msgs;
  } finally {
    db.close();
  }
}

export function rowCounts(path: string): Record<string, number> {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[];
    const out: Record<string, number> = {};
    for (const { name } of tables) out[name] = (db.prepare(`SELECT count(*) AS n FROM "${name.replace(/"/g, '""')}"`).get() as { n: number }).n;
    return out;
  } finally {
    db.close();
  }
}

async function fsyncFile(path: string): Promise<void> {
  const fh = await open(path, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Step sizes for the online backup. SQLite restarts a backup whenever another connection (the app) writes to the
 * source between steps; with small steps a continuously writing app starves it for ever (measured: a 43 MB database
 * with a writer process never finished in 20 s, 2838 restarts). After the first restart the rest is copied in one
 * step, which holds only a read transaction (WAL writers go on; finished in 6.8 s on the same database).
 */
export function backupPacer(stepPages = 100): (p: { totalPages: number; remainingPages: number }) => number {
  // (measured with the test writer on a growing 16 MB database: returning totalPages still livelocked, 23 restarts in 8 s)
  let last = Infinity;
  let steps = 0;
  let restarted = false;
  return ({ totalPages, remainingPages }) => {
    // A step that did not reduce what is left means SQLite started over (the file need not have grown).
    if (remainingPages >= last || ++steps > totalPages / stepPages + 10) restarted = true;
    last = remainingPages;
    // "All pages" must not be totalPages: the app may grow the file meanwhile, and any page left for a next step
    // lets the next write restart the backup again. 0x7fffffff is better-sqlite3's maximum (= copy to the end).
    return restarted ? 0x7fffffff : stepPages;
  };
}

/**
 * Consistent copy of a live SQLite database through the online backup API (safe while the app writes), written to
 * `dest` via a temp name, fsynced, integrity-checked and hashed. Never leaves a partial file at `dest`.
 */
export async function snapshotSqlite(source: string, dest: string): Promise<SqliteSnapshot> {
  const tmp = `${dest}.partial`;
  await rm(tmp, { force: true });
  const db = new Database(source, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 10000');
    await db.backup(tmp, { progress: backupPacer() });
  } catch (err) {
    await rm(tmp, { force: true });
    throw new MoltError('MOLT_E_BACKUP', `SQLite backup of ${source} failed: ${(err as Error).message}`, { cause: err, context: { source } });
  } finally {
    db.close();
  }
  const problems = integrityCheck(tmp);
  if (problems.length) {
    await rm(tmp, { force: true });
    throw new MoltError('MOLT_E_BACKUP', `SQLite backup of ${source} fails PRAGMA integrity_check: ${problems.slice(0, 3).join('; ')}`, { context: { source } });
  }
  const counts = rowCounts(tmp);
  await fsyncFile(tmp);
  await rename(tmp, dest);
  await fsyncDir(dirname(dest));
  return { source, path: dest, size: (await stat(dest)).size, sha256: await sha256File(dest), rowCounts: counts };
}

/**
 * Puts a snapshot back in place of `target` (app stopped): verifies the checksum first, copies to a temp file next to
 * the target, then renames over it and removes stale -wal/-shm files so SQLite cannot replay a newer WAL onto it.
 */
export async function restoreSqlite(snapshot: { path: string; sha256: string }, target: string): Promise<void> {
  const actual = await sha256File(snapshot.path);
  if (actual !== snapshot.sha256) {
    throw new MoltError('MOLT_E_CHECKSUM', `backup ${snapshot.path} has sha256 ${actual}, expected ${snapshot.sha256}: refusing to restore`, { context: { path: snapshot.path } });
  }
  const tmp = `${target}.restore-tmp`;
  const { copyFile } = await import('node:fs/promises');
  await copyFile(snapshot.path, tmp);
  await fsyncFile(tmp);
  await rm(`${target}-wal`, { force: true });
  await rm(`${target}-shm`, { force: true });
  await rename(tmp, target);
  await fsyncDir(dirname(target));
}
