import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { snapshotSqlite } from '../artifacts/sqlite-snapshot.js';
import { createTarball } from '../artifacts/tarball.js';
import { atomicWriteJson, fsyncDir } from '../core/atomic-write.js';
import { MoltError, toMoltError } from '../core/errors.js';
import type { Clock } from '../core/clock.js';
import { diskFullError, diskSpace, judgeSpace, type SpaceVerdict } from './free-space.js';
import { backupId, MANIFEST_FILE, SQLITE_DIR, TARBALL_FILE, TEMP_PREFIX, type BackupTrigger, type Manifest } from './manifest.js';
import { estimateBytes, releaseSha, resolveSources, type SourceConfig } from './sources.js';

export interface WriteBackupOptions extends SourceConfig {
  minFree: number;
  trigger: BackupTrigger;
  actor: string;
  clock: Clock;
  signal?: AbortSignal;
  /** Called after each step (tests and progress logs); awaited, so a caller can observe the half-written state. */
  onStep?: (step: 'space' | 'sqlite' | 'tarball' | 'manifest', detail: Record<string, unknown>) => void | Promise<void>;
}

export interface WriteBackupResult {
  manifest: Manifest;
  dir: string;
  space: SpaceVerdict;
  missingSqlite: string[];
}

// ENOSPC can surface from fs, tar or SQLite (SQLITE_FULL), possibly wrapped as a cause.
function isDiskFull(err: unknown): boolean {
  for (let e = err as { code?: unknown; message?: unknown; cause?: unknown } | undefined, i = 0; e && i < 5; e = e.cause as typeof e, i++) {
    if (e.code === 'ENOSPC' || e.code === 'SQLITE_FULL' || /ENOSPC|database or disk is full/.test(String(e.message))) return true;
  }
  return false;
}

async function countFiles(tarball: string): Promise<number> {
  let n = 0;
  await (await import('tar')).list({ file: tarball, onReadEntry: (e) => void (e.type === 'File' && n++) });
  return n;
}

/**
 * Writes one backup artifact: `<backupDir>/.tmp-<id>/` is filled (SQLite via the online backup API, the extra paths
 * as one tarball, then manifest.json last), fsynced and renamed to `<backupDir>/<id>/`. A crash at any point leaves
 * only a `.tmp-` dir, which listings ignore and startup removes. Refuses (MOLT_E_DISK_FULL) before writing anything
 * when the estimate would leave less than `minFree` of the disk free.
 */
export async function writeBackup(o: WriteBackupOptions): Promise<WriteBackupResult> {
  const started = o.clock.now();
  const sources = resolveSources(o);
  await mkdir(o.backupDir, { recursive: true });
  const estimate = await estimateBytes(sources);
  const space = judgeSpace(await diskSpace(o.backupDir), estimate, o.minFree);
  if (!space.ok) throw diskFullError(space, o.backupDir);
  await o.onStep?.('space', { ...space });

  const id = backupId(started, randomBytes(2).toString('hex'));
  const tmp = join(o.backupDir, `${TEMP_PREFIX}${id}`);
  await mkdir(join(tmp, SQLITE_DIR), { recursive: true });
  try {
    const files: Manifest['files'] = [];
    for (const [i, db] of sources.sqlite.entries()) {
      o.signal?.throwIfAborted();
      const file = `${SQLITE_DIR}/${i}-${db.label.split('/').pop()}`;
      const snap = await snapshotSqlite(db.abs, join(tmp, file));
      files.push({ kind: 'sqlite', file, source: db.label, size: snap.size, sha256: snap.sha256, rowCounts: snap.rowCounts });
      await o.onStep?.('sqlite', { file, source: db.label });
    }
    const present = sources.paths.filter((p) => p.present).map((p) => p.path);
    if (present.length) {
      o.signal?.throwIfAborted();
      const dest = join(tmp, TARBALL_FILE);
      const tb = await createTarball(o.appDir, dest, sources.excludes, o.signal, present);
      files.push({ kind: 'tarball', file: TARBALL_FILE, size: tb.size, sha256: tb.sha256, fileCount: await countFiles(dest) });
      await o.onStep?.('tarball', { paths: present });
    }
    const manifest: Manifest = {
      format: 1,
      id,
      createdAt: new Date(started).toISOString(),
      durationMs: o.clock.now() - started,
      trigger: o.trigger,
      actor: o.actor,
      releaseSha: await releaseSha(o.appDir),
      paths: sources.paths,
      estimateBytes: estimate,
      totalBytes: files.reduce((n, f) => n + f.size, 0),
      files,
    };
    await atomicWriteJson(join(tmp, MANIFEST_FILE), manifest);
    await fsyncDir(join(tmp, SQLITE_DIR));
    await o.onStep?.('manifest', { id });
    const dir = join(o.backupDir, id);
    await rename(tmp, dir);
    await fsyncDir(o.backupDir);
    return { manifest, dir, space, missingSqlite: sources.missingSqlite };
  } catch (err) {
    await rm(tmp, { recursive: true, force: true }).catch(() => {});
    const e = toMoltError(err, 'MOLT_E_BACKUP');
    if (isDiskFull(err)) {
      throw new MoltError('MOLT_E_DISK_FULL', `backup failed: ${o.backupDir} ran out of space while writing (${e.message}); the estimate was ${estimate} bytes. Free space or move MOLT_BACKUP_DIR; earlier backups are untouched.`, { cause: err, context: { ...space, dir: o.backupDir } });
    }
    if (e.code === 'MOLT_E_BACKUP' || e.code === 'MOLT_E_INTERNAL') {
      throw new MoltError('MOLT_E_BACKUP', `backup failed: ${e.message}. Nothing was kept from this run; earlier backups are untouched.`, { cause: err, context: e.context });
    }
    throw e;
  }
}
