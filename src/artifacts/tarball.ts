// tar is loaded on first use: a supervisor that never archives does not carry it
const loadTar = () => import('tar');
import { mkdir, rm, rename, stat, open } from 'node:fs/promises';
import { dirname, relative, sep } from 'node:path';
import { MoltError } from '../core/errors.js';
import { fsyncDir } from '../core/atomic-write.js';
import { sha256File } from './sha256.js';

export interface Tarball {
  path: string;
  size: number;
  sha256: string;
}

/** True when `rel` (a path relative to the tar root) is or lies below one of `excludes`. */
export function isExcluded(rel: string, excludes: string[]): boolean {
  const norm = rel.replace(/^\.\//, '').replace(/\/+$/, '');
  return excludes.some((e) => {
    const x = e.replace(/^\.\//, '').replace(/\/+$/, '');
    return norm === x || norm.startsWith(x + '/');
  });
}

/** gzip tarball of `root` (minus `excludes`), written via a temp name, fsynced, hashed. `paths` (relative to `root`)
 * limits it to some entries (scheduled backups of MOLT_BACKUP_PATHS); default the whole tree. */
export async function createTarball(root: string, dest: string, excludes: string[], signal?: AbortSignal, paths: string[] = ['.'], onEntry?: (path: string) => void): Promise<Tarball> {
  const tmp = `${dest}.partial`;
  await mkdir(dirname(dest), { recursive: true });
  await rm(tmp, { force: true });
  signal?.throwIfAborted();
  try {
    await (await loadTar()).create({ gzip: { level: 1 }, file: tmp, cwd: root, portable: true, filter: (p) => {
      if (isExcluded(p, excludes)) return false;
      onEntry?.(p);
      return true;
    } }, paths);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new MoltError('MOLT_E_BACKUP', `cannot create tarball of ${root}: ${(err as Error).message}`, { cause: err });
  }
  const fh = await open(tmp, 'r+');
  await fh.sync();
  await fh.close();
  await rename(tmp, dest);
  await fsyncDir(dirname(dest));
  return { path: dest, size: (await stat(dest)).size, sha256: await sha256File(dest) };
}

/** Verifies the checksum, then extracts into a fresh staging dir (never over a live tree). */
export async function extractTarball(tarball: { path: string; sha256: string }, stagingDir: string, onEntry?: (path: string) => void): Promise<void> {
  const actual = await sha256File(tarball.path).catch((err: Error) => {
    throw new MoltError('MOLT_E_CHECKSUM', `cannot read tarball ${tarball.path}: ${err.message}`, { cause: err });
  });
  if (actual !== tarball.sha256) {
    throw new MoltError('MOLT_E_CHECKSUM', `tarball ${tarball.path} has sha256 ${actual}, expected ${tarball.sha256}: refusing to extract`, { context: { path: tarball.path } });
  }
  await rm(stagingDir, { recursive: true, force: true });
  await mkdir(stagingDir, { recursive: true });
  await (await loadTar()).extract({ file: tarball.path, cwd: stagingDir, strict: true, preservePaths: false, ...(onEntry ? { filter: (p: string) => (onEntry(p), true) } : {}) });
}

export function relativeInside(root: string, p: string): string | null {
  const rel = relative(root, p);
  return rel.startsWith('..') || rel.split(sep).includes('..') ? null : rel;
}
