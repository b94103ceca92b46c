import { constants } from 'node:os';

/** The exit-code protocol between app and supervisor (README "Exit-code protocol"). */
export const EXIT = {
  OK: 0,
  /** App asks for an update: the supervisor reads data/update-request.json and runs the update transaction. */
  UPDATE_REQUESTED: 10,
  /** SDK migrate() failed; the database was left unchanged. */
  MIGRATION_FAILED: 12,
  /** Database schema is newer than this code ("database from the future"). */
  SCHEMA_FROM_FUTURE: 13,
  /** Spawn failed: the command was not found. */
  COMMAND_NOT_FOUND: 127,
  CONFIG: 78,
} as const;

export function signalNumber(signal: string): number {
  return (constants.signals as Record<string, number>)[signal] ?? 0;
}

/** Shell convention: a process killed by signal N reports 128+N. */
export function exitStatus(code: number | null | undefined, signal: string | null | undefined): number {
  if (typeof code === 'number') return code;
  if (signal) return 128 + signalNumber(signal);
  return 1;
}

export type ExitMeaning = 'ok' | 'update_requested' | 'migration_failed' | 'schema_from_future' | 'command_not_found' | 'not_executable' | 'signal' | 'crash';

/** What an app exit status means under the protocol (logged as `meaning` on `app_exited`). */
export function exitMeaning(status: number, signal: string | null = null): ExitMeaning {
  if (signal) return 'signal';
  switch (status) {
    case EXIT.OK:
      return 'ok';
    case EXIT.UPDATE_REQUESTED:
      return 'update_requested';
    case EXIT.MIGRATION_FAILED:
      return 'migration_failed';
    case EXIT.SCHEMA_FROM_FUTURE:
      return 'schema_from_future';
    case EXIT.COMMAND_NOT_FOUND:
      return 'command_not_found';
    case 126:
      return 'not_executable';
    default:
      return 'crash';
  }
}
