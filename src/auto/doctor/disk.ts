import { lstat, readdir, statfs } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * Bytes under `dir` (files only, symlinks not followed), skipping `skip` names at any depth.
 * Bounded: stops after `maxEntries` entries and reports `truncated` so a huge tree cannot stall `molt doctor`.
 */
export async function treeSize(dir: string, skip: ReadonlySet<string>, maxEntries = 200_000): Promise<{ bytes: number; entries: number; truncated: boolean }> {
  let bytes = 0;
  let entries = 0;
  const stack = [dir];
  while (stack.length) {
    const d = stack.pop()!;
    let names: import('node:fs').Dirent[];
    try {
      names = await readdir(d, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of names) {
      if (++entries > maxEntries) return { bytes, entries, truncated: true };
      if (skip.has(e.name)) continue;
      const p = join(d, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (e.isFile()) bytes += (await lstat(p).catch(() => ({ size: 0 }))).size;
    }
  }
  return { bytes, entries, truncated: false };
}

/** Free bytes available to this user on the file system holding `path` (or its nearest existing ancestor). */
export async function freeBytes(path: string): Promise<number> {
  let p = path;
  for (let i = 0; i < 64; i++) {
    try {
      const s = await statfs(p);
      return s.bavail * s.bsize;
    } catch {
      const up = dirname(p);
      if (up === p) break;
      p = up;
    }
  }
  return Number.NaN;
}

export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return 'unknown';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}
