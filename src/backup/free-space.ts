import { statfs } from 'node:fs/promises';
import { MoltError } from '../core/errors.js';

export interface DiskSpace {
  freeBytes: number;
  totalBytes: number;
}

/** Free (available to us) and total bytes of the filesystem holding `dir`. */
export async function diskSpace(dir: string): Promise<DiskSpace> {
  const s = await statfs(dir);
  return { freeBytes: Number(s.bavail) * Number(s.bsize), totalBytes: Number(s.blocks) * Number(s.bsize) };
}

export interface SpaceVerdict {
  ok: boolean;
  estimateBytes: number;
  freeBytes: number;
  totalBytes: number;
  /** Fraction of the disk that would be free after the backup. */
  freeAfter: number;
  minFree: number;
}

/** Pure: would writing `estimateBytes` leave at least `minFree` of the disk free? */
export function judgeSpace(space: DiskSpace, estimateBytes: number, minFree: number): SpaceVerdict {
  const after = space.freeBytes - estimateBytes;
  const freeAfter = space.totalBytes > 0 ? after / space.totalBytes : 0;
  return { ok: after > 0 && freeAfter >= minFree, estimateBytes, freeBytes: space.freeBytes, totalBytes: space.totalBytes, freeAfter, minFree };
}

const mb = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;

export function diskFullError(v: SpaceVerdict, dir: string): MoltError {
  return new MoltError(
    'MOLT_E_DISK_FULL',
    `backup refused: it needs about ${mb(v.estimateBytes)} and ${dir} has ${mb(v.freeBytes)} free of ${mb(v.totalBytes)}; ` +
      `that would leave ${(Math.max(0, v.freeAfter) * 100).toFixed(1)} % free, below MOLT_BACKUP_MIN_FREE=${v.minFree}. ` +
      'Free space, move MOLT_BACKUP_DIR to a bigger disk or shorten MOLT_BACKUP_RETENTION. Existing backups were kept.',
    { context: { ...v, dir } },
  );
}
