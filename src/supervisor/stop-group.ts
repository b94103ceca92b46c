import type { Logger } from '../core/logger.js';
import type { ChildHandle, ExitInfo } from './child-process.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How long the group gets to vanish after SIGKILL before molt reports survivors (D-state, other namespaces). */
const AFTER_KILL_MS = 5000;

async function waitGroupGone(child: ChildHandle, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (child.groupAlive()) {
    if (Date.now() >= deadline) return false;
    await sleep(25);
  }
  return true;
}

/**
 * Graceful stop of a whole process group: `signal` to the group, wait up to `timeoutMs` for the leader and every
 * member, then SIGKILL the group. Resolves with the leader's exit once no member is left (orphans cannot keep the port).
 */
export async function stopGroup(child: ChildHandle, timeoutMs: number, logger: Logger, signal: NodeJS.Signals = 'SIGTERM'): Promise<ExitInfo> {
  const started = Date.now();
  if (child.pid <= 0) return child.exited;
  child.signalGroup(signal);
  const exited = await Promise.race([child.exited, sleep(timeoutMs).then(() => null)]);
  const left = Math.max(0, timeoutMs - (Date.now() - started));
  const gone = exited !== null && (await waitGroupGone(child, left));
  if (!gone) {
    logger.warn({ event: 'app_kill', pid: child.pid, signal: 'SIGKILL', leaderExited: exited !== null, afterMs: Date.now() - started },
      `stop timeout: the app process group did not exit ${timeoutMs}ms after ${signal}; sending SIGKILL to the whole group`);
    child.signalGroup('SIGKILL');
    if (!(await waitGroupGone(child, AFTER_KILL_MS))) {
      logger.error({ event: 'app_group_survived', pid: child.pid }, `processes of group ${child.pid} survived SIGKILL for ${AFTER_KILL_MS}ms (uninterruptible I/O?)`);
    }
  }
  return child.exited;
}
