import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import Database from 'better-sqlite3';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { atomicWriteFileSync, fsyncDir } from '../core/atomic-write.js';
import { createTarball, extractTarball, type Tarball } from '../artifacts/tarball.js';
import { restoreSqlite, snapshotSqlite } from '../artifacts/sqlite-snapshot.js';
import { sha256File } from '../artifacts/sha256.js';
import { MoltError } from '../core/errors.js';
import { reusableTarball, saveFingerprint, stableFingerprint, tarballIntact } from './tree-fingerprint.js';

export interface SqliteBackup {
  target: string;
  existed: boolean;
  snapshot: string | null;
  sha256: string | null;
}

/** data/releases/<sha>/: the release's code tarball and, once we left it, its data at that moment. */
export interface ReleaseManifest {
  sha: string;
  createdAt: string;
  tarball: Tarball;
  sqlite: SqliteBackup[];
}

export const STAGING = '.molt-staging';
export const TRASH = '.molt-trash';

export const releaseDir = (dataDir: string, sha: string) => join(dataDir, 'releases', sha);

/** Top-level names of the app tree that code swaps and tarballs never touch. */
export function protectedNames(appDir: string, dataDir: string): string[] {
  const names = ['node_modules', STAGING, TRASH];
  const rel = relative(appDir, dataDir);
  if (rel && !rel.startsWith('..') && !isAbsolute(rel)) names.push(rel.split('/')[0]);
  return names;
}

/** `git clean -e` patterns: protected dirs, in-tree SQLite files (with their -wal/-shm/-journal), molt's staging entries. */
export function cleanExcludes(appDir: string, dataDir: string, sqlite: string[]): string[] {
  return [...protectedNames(appDir, dataDir), ...sqliteRelatives(appDir, sqlite), '.molt-*'];
}

/** MOLT_SQLITE_PATHS entries: absolute, else relative to the app dir if it exists there, else to the data dir. */
export function resolveSqlitePaths(appDir: string, dataDir: string, paths: string[]): string[] {
  return paths.map((p) => {
    if (isAbsolute(p)) return p;
    const inApp = resolve(appDir, p);
    const inData = resolve(dataDir, p);
    return existsSync(inApp) || !existsSync(inData) ? inApp : inData;
  });
}

/** SQLite files inside the app tree, relative (kept out of tarballs, kept in place by code swaps). */
function sqliteRelatives(appDir: string, sqlite: string[]): string[] {
  return sqlite.flatMap((t) => {
    const rel = relative(appDir, t);
    return rel.startsWith('..') || isAbsolute(rel) ? [] : [rel, `${rel}-wal`, `${rel}-shm`, `${rel}-journal`];
  });
}

/** Checks the release's tarball ahead of the backup that may keep it (read-only; the backup step re-checks cheaply). */
export async function preverifyRelease(dataDir: string, sha: string): Promise<void> {
  const m = await readManifest(dataDir, sha);
  if (m) await tarballIntact(m.tarball);
}

export async function readManifest(dataDir: string, sha: string): Promise<ReleaseManifest | null> {
  try {
    return JSON.parse(readFileSync(join(releaseDir(dataDir, sha), 'manifest.json'), 'utf8')) as ReleaseManifest; // small, on the backup's path
  } catch {
    return null;
  }
}

/**
 * Code tarball (+ optional SQLite snapshots) of the tree as it is now, recorded under the release's sha.
 * `fingerprint` (commit) records the tree next to the tarball; `reuse` (backup, app stopped) keeps the release's
 * tarball instead of writing a new one when the tree still matches that fingerprint (see tree-fingerprint.ts).
 */
export async function archiveRelease(opts: {
  appDir: string; dataDir: string; sha: string; sqlite: string[]; withData: boolean; signal?: AbortSignal; onEntry?: (p: string) => void; now: () => Date;
  fingerprint?: boolean; reuse?: boolean;
}): Promise<ReleaseManifest & { reused: boolean }> {
  const dir = releaseDir(opts.dataDir, opts.sha);
  mkdirSync(dir, { recursive: true });
  const excludes = [...protectedNames(opts.appDir, opts.dataDir), ...sqliteRelatives(opts.appDir, opts.sqlite)];
  const createdAt = opts.now().toISOString();
  const prior = opts.reuse ? await readManifest(opts.dataDir, opts.sha) : null;
  const kept = prior ? await reusableTarball(dir, prior.tarball, opts.appDir, excludes) : null;
  const entries = opts.fingerprint ? await stableFingerprint(opts.appDir, excludes) : null;
  const tarball = kept ?? (await createTarball(opts.appDir, join(dir, 'code.tar.gz'), excludes, opts.signal, ['.'], opts.onEntry));
  if (opts.fingerprint) await saveFingerprint(dir, tarball, entries);
  const sqlite: SqliteBackup[] = [];
  if (opts.withData) {
    for (const [i, target] of opts.sqlite.entries()) {
      if (!existsSync(target)) {
        sqlite.push({ target, existed: false, snapshot: null, sha256: null });
        continue;
      }
      checkpoint(target);
      const snap = await snapshotSqlite(target, join(dir, `db-${i}.sqlite`));
      sqlite.push({ target, existed: true, snapshot: snap.path, sha256: await matchHeader(target, snap.path) });
    }
  }
  const manifest: ReleaseManifest = { sha: opts.sha, createdAt, tarball, sqlite };
  // kept tarball and no database to record: the manifest on disk already says exactly this (its createdAt only
  // matters for a forced rollback's data, and there is none)
  const same = kept && sqlite.every((s) => !s.existed) && JSON.stringify(prior!.sqlite) === JSON.stringify(sqlite);
  if (!same) atomicWriteFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n'); // small, on the update's critical path
  return { ...manifest, reused: !!kept };
}

/** Folds the WAL into the main file (the app is stopped), so the snapshot and the file agree page for page. */
function checkpoint(path: string): void {
  const db = new Database(path, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}

/**
 * The online backup gives the copy its own change counter (header bytes 24-27 and 92-95); copying the source's makes
 * a restore byte-identical to the database as it was. Returns the snapshot's new sha256.
 */
async function matchHeader(source: string, snapshot: string): Promise<string> {
  const src = await open(source, 'r');
  const hdr = Buffer.alloc(100);
  try {
    await src.read(hdr, 0, 100, 0);
  } finally {
    await src.close();
  }
  const dst = await open(snapshot, 'r+');
  try {
    await dst.write(hdr, 24, 4, 24);
    await dst.write(hdr, 92, 4, 92);
    await dst.sync();
  } finally {
    await dst.close();
  }
  return sha256File(snapshot);
}

/**
 * Puts the tarball's tree in place of the live one: checksum verified and extracted to a staging dir first (nothing
 * overwritten on a bad archive), then top-level entries swapped by rename. Idempotent: re-running after a crash
 * re-extracts and finishes the swap. node_modules, data/ and in-tree SQLite files stay where they are.
 */
export async function restoreCode(opts: { appDir: string; dataDir: string; tarball: { path: string; sha256: string }; sqlite: string[]; onEntry?: (p: string) => void }): Promise<void> {
  const { appDir } = opts;
  const staging = join(appDir, STAGING);
  const trash = join(appDir, TRASH);
  await extractTarball(opts.tarball, staging, opts.onEntry);
  const keep = new Set(protectedNames(appDir, opts.dataDir));
  await rm(trash, { recursive: true, force: true });
  await mkdir(trash, { recursive: true });
  for (const name of await readdir(appDir)) {
    if (keep.has(name)) continue;
    await rename(join(appDir, name), join(trash, name));
  }
  for (const name of await readdir(staging)) {
    if (keep.has(name)) continue;
    await rename(join(staging, name), join(appDir, name));
  }
  for (const rel of sqliteRelatives(appDir, opts.sqlite)) {
    const from = join(trash, rel);
    if (existsSync(from) && !existsSync(join(appDir, rel))) {
      await mkdir(dirname(join(appDir, rel)), { recursive: true });
      await rename(from, join(appDir, rel));
    }
  }
  await fsyncDir(appDir);
  await rm(staging, { recursive: true, force: true });
  await rm(trash, { recursive: true, force: true });
}

/** Restores every recorded SQLite file (checksums verified first); a file that did not exist is removed. */
export async function restoreData(backups: SqliteBackup[]): Promise<void> {
  for (const b of backups) {
    if (b.snapshot && b.sha256) {
      const actual = await sha256File(b.snapshot).catch(() => 'unreadable');
      if (actual !== b.sha256) throw new MoltError('MOLT_E_CHECKSUM', `database backup ${b.snapshot} has sha256 ${actual}, expected ${b.sha256}: refusing to restore`, { context: { path: b.snapshot } });
    }
  }
  for (const b of backups) {
    if (b.existed && b.snapshot && b.sha256) await restoreSqlite({ path: b.snapshot, sha256: b.sha256 }, b.target);
    else if (!b.existed) for (const s of ['', '-wal', '-shm', '-journal']) await rm(b.target + s, { force: true });
  }
}

/** Removes release dirs not in `keep`. */
export async function pruneReleases(dataDir: string, keep: Set<string>): Promise<string[]> {
  const root = join(dataDir, 'releases');
  const removed: string[] = [];
  for (const name of await readdir(root).catch(() => [] as string[])) {
    if (keep.has(name)) continue;
    await rm(join(root, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

export async function dirSize(path: string): Promise<number> {
  let total = 0;
  const walk = async (p: string): Promise<void> => {
    const s = await stat(p).catch(() => null);
    if (!s) return;
    if (s.isDirectory()) await Promise.all((await readdir(p).catch(() => [] as string[])).map((n) => walk(join(p, n)))); // the preflight waits on it
    else total += s.size;
  };
  await walk(path);
  return total;
}
