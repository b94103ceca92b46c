import type { HistoryRow } from '../update/api.js';
import { nextWindowOpen, type UpdateWindow } from './window.js';

export type AutoMode = 'off' | 'notify' | 'apply';

export interface TipInfo {
  sha: string;
  subject: string;
  /** Committer time of the tip (ms). */
  committedAt: number;
}

export interface DecisionInput {
  mode: Exclude<AutoMode, 'off'>;
  now: number;
  tip: TipInfo;
  currentSha: string | null;
  /** When this instance first saw `tip` on the remote (ms). */
  firstSeenAt: number;
  /** Why automatic updates must not apply `tip` (pinned, rolled back automatically, refused); null when allowed. */
  blocked: string | null;
  canary: boolean;
  bakeMs: number;
  window: UpdateWindow | null;
  tz: string;
}

export type Decision =
  | { kind: 'up_to_date' }
  | { kind: 'blocked'; reason: string }
  | { kind: 'notify' }
  | { kind: 'wait'; until: number; reason: 'bake' | 'window' }
  | { kind: 'apply' };

/**
 * Earliest instant automatic updates may apply `tip` on this instance.
 * Bake clock: max(committer date, first seen here). The committer date is the same on every instance (so a fleet
 * agrees), and "first seen" stops an old commit that is pushed late (fast-forward of an old branch) from skipping
 * the bake. Canaries skip the bake. Either way the result is moved to the next opening of the update window.
 */
export function applyAfter(i: Pick<DecisionInput, 'now' | 'tip' | 'firstSeenAt' | 'canary' | 'bakeMs' | 'window' | 'tz'>): { at: number; reason: 'bake' | 'window' | null } {
  const baked = i.canary ? i.now : Math.max(i.now, Math.max(i.tip.committedAt, i.firstSeenAt) + i.bakeMs);
  const open = nextWindowOpen(baked, i.window, i.tz);
  if (open <= i.now) return { at: i.now, reason: null };
  return { at: open, reason: baked > i.now ? 'bake' : 'window' };
}

/** What the auto-updater does with the remote tip on this check. Pure: everything it depends on is in `input`. */
export function decide(input: DecisionInput): Decision {
  if (input.tip.sha === input.currentSha) return { kind: 'up_to_date' };
  if (input.blocked) return { kind: 'blocked', reason: input.blocked };
  if (input.mode === 'notify') return { kind: 'notify' };
  const after = applyAfter(input);
  if (after.reason) return { kind: 'wait', until: after.at, reason: after.reason };
  return { kind: 'apply' };
}

const AUTO_ROLLBACK_TRIGGERS = new Set(['probation', 'crash_loop', 'recovery']);

/** Whether `row` records that `sha` was rolled back without an admin asking for it. */
export function isAutomaticRollbackOf(row: HistoryRow, sha: string): boolean {
  if (row.kind === 'update' && row.toSha === sha && row.outcome === 'rolled_back') return true;
  return row.kind === 'rollback' && row.fromSha === sha && AUTO_ROLLBACK_TRIGGERS.has(row.trigger) && row.outcome === 'succeeded';
}

/**
 * Why `sha` must not be applied automatically, or null. Blocks: a pin (manual or automatic rollback), an automatic
 * rollback in history (unless an admin unpinned the sha since), an automatic attempt the engine refused.
 */
export function blockReason(
  sha: string,
  pinned: { sha: string; reason: string }[],
  history: HistoryRow[],
  unpinned: ReadonlySet<string>,
): string | null {
  const pin = pinned.find((p) => p.sha === sha);
  if (pin) return `pinned: ${pin.reason}`;
  if (!unpinned.has(sha)) {
    const rb = history.find((r) => isAutomaticRollbackOf(r, sha));
    if (rb) return `rolled back automatically (history #${rb.id}, ${rb.trigger})`;
  }
  const refused = history.find((r) => r.kind === 'update' && r.toSha === sha && r.trigger === 'auto' && r.outcome === 'refused');
  if (refused) return `automatic update refused (history #${refused.id}${refused.error ? `: ${refused.error.code}` : ''})`;
  return null;
}

/** ±fraction jitter so a fleet started together does not poll the remote in lockstep. */
export function jittered(intervalMs: number, random: number, fraction = 0.1): number {
  return Math.round(intervalMs * (1 + fraction * (2 * random - 1)));
}
