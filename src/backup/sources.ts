import { existsSync } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { createGitPort } from '../update/git-port.js';
import { MoltError } from '../core/errors.js';

/** What one backup covers, resolved against the app and data dirs. */
export interface BackupSources {
  appDir: string;
  /** Absolute paths of the SQLite databases that exist now. */
  sqlite: { abs: string; label: string }[];
  /** MOLT_SQLITE_PATHS entries with no file yet (logged, not an error: the app may not have created them). */
  missingSqlite: string[];
  /** MOLT_BACKUP_PATHS entries, relative to the app dir. */
  paths: { path: string; present: boolean }[];
  /** Paths (relative to the app dir) never put in the tarball: the backup dir, SQLite files and their -wal/-shm. */
  excludes: string[];
}

export interface SourceConfig {
  appDir: string;
  dataDir: string;
  backupDir: string;
  sqlitePaths: string[];
  backupPaths: string[];
}

function inside(root: string, abs: string): string | null {
  const rel = relative(root, abs);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? null : rel.split(sep).join('/');
}

/** SQLite paths are relative to the app dir or, failing that, the data dir (same rule as the update engine). */
export function resolveSqlitePath(p: string, appDir: string, dataDir: string): string {
  if (isAbsolute(p)) return p;
  const inApp = resolve(appDir, p);
  if (existsSync(inApp)) return inApp;
  const inData = resolve(dataDir, p);
  return existsSync(inData) ? inData : inApp;
}

export function resolveSources(c: SourceConfig): BackupSources {
  const sqlite: BackupSources['sqlite'] = [];
  const missingSqlite: string[] = [];
  for (const p of c.sqlitePaths) {
    const abs = resolveSqlitePath(p, c.appDir, c.dataDir);
    if (existsSync(abs)) sqlite.push({ abs, label: inside(c.appDir, abs) ?? abs });
    else missingSqlite.push(p);
  }
  const paths = c.backupPaths.map((p) => {
    const abs = resolve(c.appDir, p);
    const rel = inside(c.appDir, abs);
    if (isAbsolute(p) || rel === null) {
      throw new MoltError('MOLT_E_CONFIG', `MOLT_BACKUP_PATHS=${JSON.stringify(p)}: expected a path inside the app dir ${c.appDir}, relative to it`, { context: { path: p } });
    }
    return { path: rel, present: existsSync(abs) };
  });
  const excludes: string[] = [];
  const backupRel = inside(c.appDir, c.backupDir);
  if (backupRel) excludes.push(backupRel);
  for (const s of sqlite) {
    const rel = inside(c.appDir, s.abs);
    if (rel) excludes.push(rel, `${rel}-wal`, `${rel}-shm`, `${rel}-journal`);
  }
  return { appDir: c.appDir, sqlite, missingSqlite, paths, excludes };
}

/** Bytes under `abs` (regular files, symlinks not followed), skipping excluded paths. */
async function treeSize(root: string, rel: string, excludes: string[], budget: { entries: number }): Promise<number> {
  if (excludes.some((x) => rel === x || rel.startsWith(x + '/'))) return 0;
  const abs = join(root, rel);
  const st = await lstat(abs).catch(() => null);
  if (!st) return 0;
  if (!st.isDirectory()) return st.isFile() ? st.size : 0;
  let total = 0;
  for (const name of await readdir(abs)) {
    if (--budget.entries < 0) break; // bounded walk: the estimate only needs to be roughly right
    total += await treeSize(root, `${rel}/${name}`, excludes, budget);
  }
  return total;
}

/** Upper bound of the artifact size: databases (+ WAL) plus the uncompressed size of the extra paths. */
export async function estimateBytes(s: BackupSources): Promise<number> {
  let total = 0;
  for (const db of s.sqlite) {
    for (const suffix of ['', '-wal']) total += (await lstat(db.abs + suffix).catch(() => null))?.size ?? 0;
  }
  const budget = { entries: 1_000_000 };
  for (const p of s.paths) if (p.present) total += await treeSize(s.appDir, p.path, s.excludes, budget);
  return total;
}

/** git HEAD of the app dir, or null when it is not a git tree. */
export async function releaseSha(appDir: string): Promise<string | null> {
  try {
    return (await createGitPort(appDir).head()) || null;
  } catch {
    return null;
  }
}
