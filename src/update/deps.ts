import { copyFile, cp, link, mkdir, readdir, readlink, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fsyncDir } from '../core/atomic-write.js';
import { sha256Text } from '../artifacts/sha256.js';

export const DEPS_MARKER = '.molt-deps-hash';

async function exists(p: string): Promise<boolean> {
  return stat(p).then(() => true, () => false);
}

/** Key of a dependency tree: lockfile bytes + Node major + platform/arch (native modules differ across them). */
export async function depsHash(appDir: string, lockfile: string): Promise<string> {
  let text: string;
  try {
    text = readFileSync(join(appDir, lockfile), 'utf8'); // on the update's path between checkout and start: no thread-pool hops
  } catch {
    text = '<no lockfile>';
  }
  const major = process.versions.node.split('.')[0];
  return sha256Text(`${text}\0node${major}\0${process.platform}\0${process.arch}`).slice(0, 16);
}

export const storeDir = (dataDir: string, hash: string) => join(dataDir, 'deps', hash);

/** Hash recorded inside the live tree (travels with it when it is parked); null if unknown. */
export async function installedHash(appDir: string): Promise<string | null> {
  try {
    return readFileSync(join(appDir, 'node_modules', DEPS_MARKER), 'utf8').trim() || null;
  } catch {
    return null;
  }
}

export async function writeMarker(appDir: string, hash: string): Promise<void> {
  await mkdir(join(appDir, 'node_modules'), { recursive: true });
  await writeFile(join(appDir, 'node_modules', DEPS_MARKER), hash);
}

/** rename, or copy+remove across filesystems (data/ may be its own volume). */
export async function moveDir(src: string, dst: string): Promise<void> {
  await mkdir(dirname(dst), { recursive: true });
  await rm(dst, { recursive: true, force: true });
  try {
    await rename(src, dst);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    await cp(src, `${dst}.partial`, { recursive: true, verbatimSymlinks: true });
    await rename(`${dst}.partial`, dst);
    await rm(src, { recursive: true, force: true });
  }
  await fsyncDir(dirname(dst));
}

/** Moves the live node_modules into the store under `hash` (kept for a later switch back). */
export async function parkTree(appDir: string, dataDir: string, hash: string): Promise<boolean> {
  const live = join(appDir, 'node_modules');
  if (!(await exists(live))) return false;
  await moveDir(live, join(storeDir(dataDir, hash), 'node_modules'));
  return true;
}

/** Moves the stored tree for `hash` back into the app; false when none is stored. */
export async function unparkTree(appDir: string, dataDir: string, hash: string): Promise<boolean> {
  const stored = join(storeDir(dataDir, hash), 'node_modules');
  if (!(await exists(stored))) return false;
  await rm(join(appDir, 'node_modules'), { recursive: true, force: true });
  await moveDir(stored, join(appDir, 'node_modules'));
  return true;
}

export async function hasStoredTree(dataDir: string, hash: string): Promise<boolean> {
  return exists(join(storeDir(dataDir, hash), 'node_modules'));
}

/** Drops stored trees not in `keep`. */
export async function pruneTrees(dataDir: string, keep: Set<string>): Promise<string[]> {
  const root = join(dataDir, 'deps');
  const names = await readdir(root).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const n of names) {
    if (keep.has(n)) continue;
    await rm(join(root, n), { recursive: true, force: true });
    removed.push(n);
  }
  return removed;
}

/** Hard-link copy of a tree (files linked, symlinks recreated); plain copies where links are impossible (EXDEV). */
async function linkTree(src: string, dst: string): Promise<void> {
  await mkdir(dst, { recursive: true });
  for (const e of await readdir(src, { withFileTypes: true })) {
    const from = join(src, e.name);
    const to = join(dst, e.name);
    if (e.isDirectory()) await linkTree(from, to);
    else if (e.isSymbolicLink()) await symlink(await readlink(from), to);
    else await link(from, to).catch(async (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EXDEV' && err.code !== 'EPERM') throw err;
      await copyFile(from, to);
    });
  }
}

/**
 * Keeps a copy of the committed release's live tree under its hash, so a container re-created from the image can get
 * the release back without the network. Hard links: no extra space, and npm replaces files rather than editing them.
 */
export async function keepLiveTree(appDir: string, dataDir: string, hash: string): Promise<boolean> {
  const live = join(appDir, 'node_modules');
  if (!(await exists(live)) || (await hasStoredTree(dataDir, hash))) return false;
  const dst = join(storeDir(dataDir, hash), 'node_modules');
  const tmp = `${dst}.partial`;
  await rm(tmp, { recursive: true, force: true });
  await linkTree(live, tmp);
  await rename(tmp, dst);
  await fsyncDir(dirname(dst));
  return true;
}
