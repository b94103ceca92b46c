import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { MoltError } from '../core/errors.js';

/** Releases a held lock; idempotent. */
export type ReleaseLock = () => Promise<void>;
export type LockUpdates = (holder: string) => Promise<ReleaseLock>;

/**
 * The update lock (data/update.lock via proper-lockfile, stale after 30 s without a heartbeat) shared with the update
 * engine, so a restore never runs while an update migrates the same database. Fails at once, never waits.
 * Swap for the engine's own lock helper when main.ts has one (same semantics: MOLT_E_UPDATE_IN_PROGRESS when held).
 */
export function updateLock(dataDir: string, onCompromised: (err: Error) => void = () => {}): LockUpdates {
  const file = join(dataDir, 'update.lock');
  return async (holder) => {
    let release: () => Promise<void>;
    try {
      release = await lockfile.lock(file, { realpath: false, stale: 30_000, update: 10_000, retries: 0, onCompromised });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ELOCKED') {
        throw new MoltError('MOLT_E_UPDATE_IN_PROGRESS', `${holder}: an update or restore holds ${file}; retry when it has finished`, { cause: err, context: { lock: file } });
      }
      throw new MoltError('MOLT_E_BACKUP', `${holder}: cannot take ${file}: ${(err as Error).message}`, { cause: err, context: { lock: file } });
    }
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      await release().catch(() => {});
    };
  };
}
