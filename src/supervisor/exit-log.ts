import type { ExitInfo } from './child-process.js';
import { exitMeaning } from './exit-codes.js';
import type { SupervisorDeps } from './supervisor-types.js';

/** One record per app exit: `app_spawn_failed` when it never ran, else `app_exited` with the protocol meaning. */
export function logExit(deps: Pick<SupervisorDeps, 'logger' | 'events' | 'command'>, pid: number, exit: ExitInfo, uptimeMs: number): void {
  const meaning = exitMeaning(exit.status, exit.signal);
  if (exit.spawnError) {
    const cmd = [deps.command.file, ...deps.command.args].join(' ');
    deps.logger.error(
      { event: 'app_spawn_failed', code: 'MOLT_E_APP_START', error: exit.spawnError, exitCode: exit.status, meaning, command: cmd },
      `cannot start the app "${cmd}": ${exit.spawnError}; check MOLT_APP_CMD (or the command after --) and MOLT_APP_DIR`,
    );
    return;
  }
  // 12 and 13 mean the release cannot run on this database: an admin (or the update engine) must act.
  const level = meaning === 'migration_failed' || meaning === 'schema_from_future' ? 'error' : 'info';
  deps.logger[level]({ event: 'app_exited', pid, exitCode: exit.exitCode, signal: exit.signal, status: exit.status, meaning, uptimeMs }, `app exited (${meaning})`);
  deps.events.emit('app_exited', { pid, exitCode: exit.exitCode, signal: exit.signal, uptimeMs });
}
