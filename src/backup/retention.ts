/** Backups are always kept when they are among the newest usable ones, however old. */
export const KEEP_MIN = 3;

export interface RetentionInput {
  id: string;
  createdAtMs: number;
  /** Damaged manifest or failed drill: not counted towards the minimum kept. */
  usable: boolean;
}

export interface RetentionPlan {
  keep: string[];
  prune: string[];
}

/**
 * Pure retention rule: prune backups older than `retentionMs`, except the newest `keepMin` usable ones (a backup
 * that failed its drill does not count towards the minimum, so a run of bad backups never pushes out the last good one).
 */
export function planRetention(items: RetentionInput[], nowMs: number, retentionMs: number, keepMin = KEEP_MIN): RetentionPlan {
  const sorted = [...items].sort((a, b) => b.createdAtMs - a.createdAtMs || (a.id < b.id ? 1 : -1));
  const protectedIds = new Set(sorted.filter((i) => i.usable).slice(0, keepMin).map((i) => i.id));
  const keep: string[] = [];
  const prune: string[] = [];
  for (const i of sorted) {
    if (protectedIds.has(i.id) || nowMs - i.createdAtMs <= retentionMs) keep.push(i.id);
    else prune.push(i.id);
  }
  return { keep, prune };
}
