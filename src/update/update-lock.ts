import { rm } from 'node:fs/promises';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { MoltError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';

/** proper-lockfile (and graceful-fs under it), loaded when a lock is first taken: not in the supervisor's idle RSS. */
export const properLockfile = async () => (await import('proper-lockfile')).default;

const TOKEN = randomBytes(8).toString('hex');

export const lockPaths = (dataDir: string) => ({ target: join(dataDir, 'update'), lock: join(dataDir, 'update.lock'), owner: join(dataDir, 'update.lock.owner') });

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A lock left by a dead process would block updates forever (balena's top complaint), so the owner's pid is kept
 * next to it: a dead owner, or our own pid with another token (a previous incarnation as PID 1), means stale.
 */
async function clearStale(dataDir: string, logger: Logger): Promise<boolean> {
  const p = lockPaths(dataDir);
  let owner: { pid?: number; token?: string } | null = null;
  try {
    owner = JSON.parse(readFileSync(p.owner, 'utf8')) as { pid?: number; token?: string }; // tiny: no thread-pool hops on the update's path
  } catch {
    owner = null;
  }
  const locked = await (await properLockfile()).check(p.target, { lockfilePath: p.lock, realpath: false, stale: 10_000 }).catch(() => false);
  if (!locked) return false;
  if (!owner || typeof owner.pid !== 'number') return false; // no owner info: proper-lockfile's mtime staleness decides
  const stale = !alive(owner.pid) || (owner.pid === process.pid && owner.token !== TOKEN);
  if (!stale) return false;
  await rm(p.lock, { recursive: true, force: true });
  await rm(p.owner, { force: true });
  logger.warn({ event: 'stale_lock_recovered', ownerPid: owner.pid }, `removed the update lock of dead process ${owner.pid}`);
  return true;
}

/** One update at a time, across processes. Resolves with the release function; MOLT_E_UPDATE_IN_PROGRESS if held. */
export async function acquireUpdateLock(dataDir: string, logger: Logger): Promise<() => Promise<void>> {
  const p = lockPaths(dataDir);
  const take = async () =>
    (await properLockfile()).lock(p.target, {
      lockfilePath: p.lock,
      realpath: false,
      stale: 10_000,
      update: 2_000,
      retries: 0,
      onCompromised: (err) => logger.error({ event: 'update_lock_compromised', error: err.message }, 'the update lock was taken over'),
    });
  let release: () => Promise<void>;
  try {
    // the usual free lock costs one mkdir; only a held one is looked at for a dead owner (then taken once more)
    release = await take().catch(async (err: NodeJS.ErrnoException) => {
      if (err.code !== 'ELOCKED' || !(await clearStale(dataDir, logger))) throw err;
      return take();
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOCKED') {
      throw new MoltError('MOLT_E_UPDATE_IN_PROGRESS', 'update in progress: another update or rollback holds the update lock; wait for it to finish (see /api/status or molt history)', { cause: err });
    }
    throw new MoltError('MOLT_E_INTERNAL', `cannot take the update lock ${p.lock}: ${(err as Error).message}`, { cause: err });
  }
  writeFileSync(p.owner, JSON.stringify({ pid: process.pid, token: TOKEN }));
  return async () => {
    await rm(p.owner, { force: true });
    await release().catch(() => {});
  };
}
