import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { durableRemove } from '../core/atomic-write.js';
import { MoltError } from '../core/errors.js';
import { assertBackupId, isBackupId, readDrill, readManifest, SCRATCH_PREFIX, TEMP_PREFIX, type DrillResult, type Manifest } from './manifest.js';
import { planRetention, type RetentionPlan } from './retention.js';

/** One complete artifact in the backup dir (a dir named by id with a manifest); `error` when the manifest is damaged. */
export interface CatalogEntry {
  id: string;
  dir: string;
  manifest: Manifest | null;
  drill: DrillResult | null;
  error?: string;
  createdAtMs: number;
}

/** Id-named dirs only: `.tmp-*` (being written or left by a crash) and scratch dirs are never listed. */
export async function listBackups(backupDir: string): Promise<CatalogEntry[]> {
  const names = await readdir(backupDir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [] as string[];
    throw new MoltError('MOLT_E_BACKUP', `cannot read backup dir ${backupDir}: ${err.message}`, { cause: err });
  });
  const out: CatalogEntry[] = [];
  for (const id of names.filter(isBackupId)) {
    const dir = join(backupDir, id);
    if (!(await stat(dir).catch(() => null))?.isDirectory()) continue;
    try {
      const manifest = await readManifest(dir);
      out.push({ id, dir, manifest, drill: await readDrill(dir), createdAtMs: Date.parse(manifest.createdAt) });
    } catch (err) {
      out.push({ id, dir, manifest: null, drill: null, error: (err as Error).message, createdAtMs: idTime(id) });
    }
  }
  return out.sort((a, b) => b.createdAtMs - a.createdAtMs || (a.id < b.id ? 1 : -1));
}

function idTime(id: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z/.exec(id)!;
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
}

export async function getBackup(backupDir: string, id: string): Promise<CatalogEntry & { manifest: Manifest }> {
  assertBackupId(id);
  const dir = join(backupDir, id);
  const manifest = await readManifest(dir);
  return { id, dir, manifest, drill: await readDrill(dir), createdAtMs: Date.parse(manifest.createdAt) };
}

/** Startup: removes what crashed runs left (half-written artifacts, drill and restore scratch dirs). */
export async function cleanupLeftovers(backupDir: string): Promise<string[]> {
  const names = await readdir(backupDir).catch(() => [] as string[]);
  const leftovers = names.filter((n) => n.startsWith(TEMP_PREFIX) || n.startsWith(SCRATCH_PREFIX));
  for (const n of leftovers) await rm(join(backupDir, n), { recursive: true, force: true });
  return leftovers;
}

/** Applies the retention rule to the backup dir; returns what was removed and kept. */
export async function pruneBackups(backupDir: string, nowMs: number, retentionMs: number, keepMin?: number): Promise<RetentionPlan> {
  const entries = await listBackups(backupDir);
  const plan = planRetention(
    entries.map((e) => ({ id: e.id, createdAtMs: e.createdAtMs, usable: e.manifest !== null && e.drill?.ok !== false })),
    nowMs,
    retentionMs,
    keepMin,
  );
  for (const id of plan.prune) await durableRemove(join(backupDir, id));
  return plan;
}
