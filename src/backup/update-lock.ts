import type { Logger } from '../core/logger.js';
import { acquireUpdateLock } from '../update/update-lock.js';

/** Releases a held lock; idempotent. */
export type ReleaseLock = () => Promise<void>;
export type LockUpdates = (holder: string) => Promise<ReleaseLock>;

/**
 * The update engine's own lock (data/update.lock with owner pid, stale-lock recovery), so a restore never runs while
 * an update or rollback migrates the same database, and no update starts during a restore. Fails at once with
 * MOLT_E_UPDATE_IN_PROGRESS when held; never waits.
 */
export function updateLock(dataDir: string, logger: Logger): LockUpdates {
  return async () => {
    const release = await acquireUpdateLock(dataDir, logger);
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      await release().catch(() => {});
    };
  };
}
