import { rm } from 'node:fs/promises';
import { lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { atomicWriteJson } from '../core/atomic-write.js';
import { isExcluded, type Tarball } from '../artifacts/tarball.js';
import { sha256File } from '../artifacts/sha256.js';

/**
 * Reuse of a release's code tarball as the backup of the next update. At commit the tree is fingerprinted (path →
 * type, mode, size, mtime, ctime, inode) next to its tarball; at the next update's backup, with the app stopped, an
 * identical fingerprint proves the tree is byte for byte what the tarball holds, so no new tarball is written.
 *
 * Ignored: what `git fetch` adds or moves between the two (objects, remote-tracking refs, tags, FETCH_HEAD). A
 * restore from the older tarball brings those back as they were at commit (remote refs are re-fetched by the next
 * update); HEAD, the index, local refs, config and the whole work tree are compared.
 *
 * A file changed within the file system's timestamp granularity after it was recorded could keep the same mtime and
 * ctime, so entries changed less than RACY_MS before the walk make the fingerprint unusable (git's "racily clean").
 */
export const FINGERPRINT_FILE = 'tree.json';
const RACY_MS = 100;
const FETCH_MANAGED = ['.git/objects', '.git/FETCH_HEAD', '.git/refs/remotes', '.git/refs/tags', '.git/logs/refs/remotes'];

interface Fingerprint {
  tarballSha256: string;
  entries: Record<string, string>;
}

/** Synchronous on purpose: a few hundred lstat calls without a thread-pool round trip each (the app is stopped, or
 * traffic was just released after the gate: a short block is cheaper than the hops under load). */
function walk(appDir: string, excludes: string[]): { entries: Record<string, string>; newestChangeMs: number } {
  const entries: Record<string, string> = {};
  let newestChangeMs = 0;
  const visit = (rel: string): void => {
    let names: string[];
    try {
      names = readdirSync(join(appDir, rel));
    } catch {
      return;
    }
    for (const name of names) {
      const r = rel ? `${rel}/${name}` : name;
      if (isExcluded(r, excludes) || isExcluded(r, FETCH_MANAGED)) continue;
      const s = lstatSync(join(appDir, r), { throwIfNoEntry: false });
      if (!s) continue;
      if (s.isDirectory()) {
        entries[r] = `d:${s.mode}`; // a directory's times change with its entries, which are compared one by one
        visit(r);
      } else {
        entries[r] = `${s.isSymbolicLink() ? 'l' : 'f'}:${s.mode}:${s.size}:${s.mtimeMs}:${s.ctimeMs}:${s.ino}`;
        newestChangeMs = Math.max(newestChangeMs, s.mtimeMs, s.ctimeMs);
      }
    }
  };
  visit('');
  return { entries, newestChangeMs };
}

/** A fingerprint to record with a new tarball (walk, then tar): waits out recent changes once, else null. */
export async function stableFingerprint(appDir: string, excludes: string[]): Promise<Record<string, string> | null> {
  for (let attempt = 0; attempt < 2; attempt++) {
    const startedAt = Date.now();
    const fp = walk(appDir, excludes);
    const age = startedAt - fp.newestChangeMs;
    if (age >= RACY_MS) return fp.entries;
    if (attempt > 0 || age < 0) return null; // still changing, or timestamps from the future (a skewed clock)
    await new Promise((r) => setTimeout(r, RACY_MS - age + 1));
  }
  return null;
}

export async function saveFingerprint(releaseDir: string, tarball: Tarball, entries: Record<string, string> | null): Promise<void> {
  const path = join(releaseDir, FINGERPRINT_FILE);
  if (!entries) return rm(path, { force: true });
  await atomicWriteJson(path, { tarballSha256: tarball.sha256, entries } satisfies Fingerprint);
}

/** Tarballs whose sha256 was checked in this process, with the file's identity then (a changed file is re-read). */
const checked = new Map<string, string>();

/** True when the file holds exactly `t.sha256`; the preflight warms this up while git fetches. */
export async function tarballIntact(t: Tarball): Promise<boolean> {
  const s = statSync(t.path, { throwIfNoEntry: false });
  if (!s) return false;
  const key = `${t.sha256}:${s.size}:${s.mtimeMs}:${s.ctimeMs}:${s.ino}`;
  if (checked.get(t.path) === key) return true;
  const ok = (await sha256File(t.path).catch(() => null)) === t.sha256;
  if (ok) checked.set(t.path, key);
  else checked.delete(t.path);
  return ok;
}

/** The release's existing tarball when the tree (app stopped) is exactly the one it holds and its checksum verifies. */
export async function reusableTarball(releaseDir: string, tarball: Tarball | undefined, appDir: string, excludes: string[]): Promise<Tarball | null> {
  if (!tarball) return null;
  let fp: Fingerprint;
  try {
    fp = JSON.parse(readFileSync(join(releaseDir, FINGERPRINT_FILE), 'utf8')) as Fingerprint;
  } catch {
    return null;
  }
  if (fp.tarballSha256 !== tarball.sha256) return null;
  const intact = tarballIntact(tarball);
  const now = walk(appDir, excludes);
  const keys = Object.keys(fp.entries);
  if (keys.length !== Object.keys(now.entries).length || keys.some((k) => now.entries[k] !== fp.entries[k])) return null;
  return (await intact) ? tarball : null;
}
