import { randomBytes } from 'node:crypto';
import { cp, mkdir, rename, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { MoltError } from '../core/errors.js';
import { restoreSqlite } from '../artifacts/sqlite-snapshot.js';
import { extractTarball } from '../artifacts/tarball.js';
import { fsyncDir } from '../core/atomic-write.js';
import type { Manifest } from './manifest.js';

export interface PlannedChange {
  kind: 'sqlite' | 'path';
  /** File inside the artifact (sqlite) or the path inside the tarball. */
  from: string;
  /** Absolute target that would be replaced. */
  to: string;
  bytes?: number;
  /** True when the target exists now (it is replaced), false when it is created. */
  replaces: boolean;
}

/** What putting `manifest` in place would change (dry run and the restore plan). Paths absent at backup time are left alone. */
export function planApply(manifest: Manifest, appDir: string): PlannedChange[] {
  const out: PlannedChange[] = [];
  // A manifest is data read from disk: a relative target must not climb out of the app dir.
  const guard = (rel: string) => {
    const r = relative(appDir, resolve(appDir, rel));
    if (!isAbsolute(rel) && (r.startsWith('..') || isAbsolute(r))) {
      throw new MoltError('MOLT_E_CHECKSUM', `backup ${manifest.id} names ${JSON.stringify(rel)}, outside the app dir ${appDir}: refusing to restore it; pick another backup`);
    }
  };
  for (const f of manifest.files) if (f.kind === 'sqlite') guard(f.source);
  for (const p of manifest.paths) {
    guard(p.path);
    if (isAbsolute(p.path)) throw new MoltError('MOLT_E_CHECKSUM', `backup ${manifest.id} names the absolute path ${JSON.stringify(p.path)}: refusing to restore it`);
  }
  for (const f of manifest.files) {
    if (f.kind !== 'sqlite') continue;
    const to = isAbsolute(f.source) ? f.source : resolve(appDir, f.source);
    out.push({ kind: 'sqlite', from: f.file, to, bytes: f.size, replaces: existsSync(to) });
  }
  for (const p of manifest.paths) {
    if (!p.present) continue;
    const to = resolve(appDir, p.path);
    out.push({ kind: 'path', from: p.path, to, replaces: existsSync(to) });
  }
  return out;
}

/** rename, or copy + remove when `to` is on another filesystem. */
async function move(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    await cp(from, to, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
    await rm(from, { recursive: true, force: true });
  }
}

/**
 * Puts an artifact's contents in place of the live files (the app must be stopped). Checksums are verified before
 * each file is used; each target is swapped by rename (old one moved aside first, put back if the swap fails), so
 * an interrupted apply leaves every single path either old or new. The caller's safety backup covers the set.
 */
export async function applyArtifact(artifactDir: string, manifest: Manifest, appDir: string, scratch: string): Promise<PlannedChange[]> {
  const plan = planApply(manifest, appDir);
  for (const f of manifest.files) {
    if (f.kind !== 'sqlite') continue;
    const to = plan.find((p) => p.kind === 'sqlite' && p.from === f.file)!.to;
    await mkdir(dirname(to), { recursive: true });
    await restoreSqlite({ path: join(artifactDir, f.file), sha256: f.sha256 }, to);
  }
  const tarball = manifest.files.find((f) => f.kind === 'tarball');
  if (tarball) {
    const staging = join(scratch, 'apply');
    await extractTarball({ path: join(artifactDir, tarball.file), sha256: tarball.sha256 }, staging);
    for (const p of plan.filter((x) => x.kind === 'path')) {
      const aside = `${p.to}.molt-old-${randomBytes(3).toString('hex')}`;
      await mkdir(dirname(p.to), { recursive: true });
      if (p.replaces) await rename(p.to, aside);
      try {
        await move(join(staging, p.from), p.to);
      } catch (err) {
        if (p.replaces) await rename(aside, p.to).catch(() => {});
        throw err;
      }
      if (p.replaces) await rm(aside, { recursive: true, force: true });
      await fsyncDir(dirname(p.to));
    }
  }
  return plan;
}
