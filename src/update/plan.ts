import type { Journal, JournalStep } from './journal.js';

/** Forward steps of the update transaction, in order. Each is idempotent: a crash resumes at the first unfinished one. */
export const UPDATE_STEPS = ['stop', 'backup', 'checkout', 'install', 'build', 'migrate', 'start', 'health', 'commit'] as const;
/** Undo steps, run when a forward step fails (or recovery gives up). */
export const UNDO_STEPS = ['stop_new', 'restore_code', 'restore_deps', 'restore_db', 'start_old', 'verify_old', 'record'] as const;

export type PlanKind = 'update' | 'rollback' | 'rollback_forced' | 'reapply';

/** The step list of an operation: an update, a rollback to an older release (down migrations first, with the newer
 * code), a forced rollback (that release's data backup instead), or a re-apply of the last committed release. */
export function planSteps(kind: PlanKind): string[] {
  switch (kind) {
    case 'update':
      return [...UPDATE_STEPS];
    case 'rollback':
      return ['stop', 'backup', 'migrate_down', 'checkout', 'install', 'build', 'start', 'health', 'commit'];
    case 'rollback_forced':
      return ['stop', 'backup', 'checkout', 'install', 'build', 'restore_data', 'start', 'health', 'commit'];
    case 'reapply':
      return ['stop', 'backup', 'restore_release', 'install', 'start', 'health', 'commit'];
  }
}

export const pendingSteps = (names: string[]): JournalStep[] => names.map((name) => ({ name, status: 'pending' as const }));

const touched = (j: Journal, names: string[]) => j.steps.some((s) => names.includes(s.name) && s.status !== 'pending');

/** Undo restores only what the forward steps may have changed (a crash before checkout leaves the code alone). */
export function planUndo(j: Journal): string[] {
  const backedUp = j.steps.some((s) => s.name === 'backup' && s.status === 'done') && !!j.backup;
  const out = ['stop_new'];
  if (backedUp && touched(j, ['checkout', 'restore_release'])) out.push('restore_code');
  if (j.deps?.parked) out.push('restore_deps');
  if (backedUp && j.backup!.sqlite.length && touched(j, ['migrate', 'migrate_down', 'restore_data', 'start', 'health'])) out.push('restore_db');
  out.push('start_old', 'verify_old', 'record');
  return out;
}

export type RecoveryDecision = { action: 'resume'; step: string } | { action: 'rollback'; reason: string } | { action: 'continue_undo'; step: string } | { action: 'give_up'; reason: string };

/** Mender-style resume table: forward work resumes while attempts remain, then rolls back; undo always continues
 * until it, too, has used its attempts (then the app stays stopped behind the holding page). */
export function decideRecovery(j: Journal, maxAttempts: number): RecoveryDecision {
  if (j.phase === 'rollback') {
    const next = j.undo.find((s) => s.status !== 'done' && s.status !== 'skipped');
    if (j.attempts >= maxAttempts * 2) return { action: 'give_up', reason: `rollback interrupted ${j.attempts} times` };
    return { action: 'continue_undo', step: next?.name ?? 'record' };
  }
  const next = j.steps.find((s) => s.status !== 'done' && s.status !== 'skipped');
  if (next?.name === 'commit') return { action: 'resume', step: 'commit' };
  if (j.attempts >= maxAttempts) return { action: 'rollback', reason: `update interrupted ${j.attempts} times (MOLT_MAX_ATTEMPTS=${maxAttempts})` };
  return { action: 'resume', step: next?.name ?? 'commit' };
}
