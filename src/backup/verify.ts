import { copyFile, lstat, mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { integrityCheck, rowCounts } from '../artifacts/sqlite-snapshot.js';
import { sha256File } from '../artifacts/sha256.js';
import { extractTarball } from '../artifacts/tarball.js';
import type { Manifest } from './manifest.js';

export interface FileCheck {
  file: string;
  kind: 'sqlite' | 'tarball';
  checksum: 'ok' | 'mismatch' | 'missing';
  integrity?: 'ok' | string;
  rowCounts?: Record<string, number>;
  fileCount?: number;
}

export interface VerifyReport {
  ok: boolean;
  problems: string[];
  files: FileCheck[];
  /** Where the verified copies are (scratch), for a restore to take them from. */
  scratch: string;
}

async function countRegular(dir: string): Promise<number> {
  let n = 0;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) n++;
  return n;
}

function diffCounts(expected: Record<string, number>, actual: Record<string, number>): string[] {
  const out: string[] = [];
  for (const t of new Set([...Object.keys(expected), ...Object.keys(actual)])) {
    if (expected[t] !== actual[t]) out.push(`table ${t}: ${actual[t] ?? 'missing'} rows, manifest says ${expected[t] ?? 'absent'}`);
  }
  return out;
}

/**
 * Restores an artifact into `scratch` and checks it the way a real restore would need it: every file's sha256 and
 * size against the manifest, each SQLite copy opens and passes PRAGMA integrity_check with the row counts per
 * table taken at backup time, and the tarball extracts with the recorded number of files. Never touches live data.
 */
export async function verifyArtifact(artifactDir: string, manifest: Manifest, scratch: string): Promise<VerifyReport> {
  const problems: string[] = [];
  const files: FileCheck[] = [];
  await rm(scratch, { recursive: true, force: true });
  await mkdir(join(scratch, 'sqlite'), { recursive: true });
  for (const f of manifest.files) {
    const src = join(artifactDir, f.file);
    const st = await lstat(src).catch(() => null);
    if (!st?.isFile()) {
      problems.push(`${f.file}: missing from the artifact`);
      files.push({ file: f.file, kind: f.kind, checksum: 'missing' });
      continue;
    }
    const sum = await sha256File(src);
    const check: FileCheck = { file: f.file, kind: f.kind, checksum: sum === f.sha256 && st.size === f.size ? 'ok' : 'mismatch' };
    files.push(check);
    if (check.checksum !== 'ok') {
      problems.push(`${f.file}: sha256 ${sum.slice(0, 12)}… size ${st.size}, manifest says ${f.sha256.slice(0, 12)}… size ${f.size}`);
      continue;
    }
    try {
      if (f.kind === 'sqlite') {
        const copy = join(scratch, f.file);
        await copyFile(src, copy);
        const bad = integrityCheck(copy);
        check.integrity = bad.length ? bad.slice(0, 3).join('; ') : 'ok';
        if (bad.length) problems.push(`${f.file}: PRAGMA integrity_check: ${check.integrity}`);
        check.rowCounts = rowCounts(copy);
        problems.push(...diffCounts(f.rowCounts, check.rowCounts).map((p) => `${f.file}: ${p}`));
      } else {
        const out = join(scratch, 'files');
        await extractTarball({ path: src, sha256: f.sha256 }, out);
        check.fileCount = await countRegular(out);
        if (check.fileCount !== f.fileCount) problems.push(`${f.file}: extracted ${check.fileCount} files, manifest says ${f.fileCount}`);
      }
    } catch (err) {
      problems.push(`${f.file}: ${(err as Error).message}`);
      check.integrity = (err as Error).message;
    }
  }
  return { ok: problems.length === 0, problems, files, scratch };
}
