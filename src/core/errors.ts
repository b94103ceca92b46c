// Every error molt raises carries a stable code (documented in README "Error codes"), a cause and context.
export const ERROR_CODES = {
  MOLT_E_CONFIG: 'configuration is invalid',
  MOLT_E_REQUEST_INVALID: 'update-request.json is malformed',
  MOLT_E_REF_INVALID: 'a git ref or sha failed validation',
  MOLT_E_UPDATE_IN_PROGRESS: 'another update holds the update lock',
  MOLT_E_DISK_FULL: 'not enough free disk space',
  MOLT_E_GIT: 'a git operation failed',
  MOLT_E_REF_UNKNOWN: 'the ref or sha does not exist on the remote',
  MOLT_E_SAME_RELEASE: 'target equals the current release',
  MOLT_E_INSTALL: 'the dependency install command failed',
  MOLT_E_BUILD: 'the build command failed',
  MOLT_E_MIGRATE: 'a migration failed',
  MOLT_E_HEALTH: 'the release did not pass its health gate',
  MOLT_E_APP_START: 'the app could not be started',
  MOLT_E_JOURNAL_CORRUPT: 'the update journal cannot be parsed',
  MOLT_E_CHECKSUM: 'a backup artifact does not match its recorded checksum',
  MOLT_E_ROLLBACK_FAILED: 'restoring the previous release failed',
  MOLT_E_DOWN_MIGRATION_MISSING: 'a down migration needed for a rollback is missing',
  MOLT_E_SCHEMA_FROM_FUTURE: 'the database schema is newer than the code',
  MOLT_E_NOT_FOUND: 'the referenced release, backup or record does not exist',
  MOLT_E_UNSIGNED: 'the target commit signature does not verify',
  MOLT_E_AUTH: 'missing or wrong credentials',
  MOLT_E_CSRF: 'a console form post lacks a valid CSRF token (reload the page)',
  MOLT_E_RATE_LIMITED: 'too many attempts; wait and retry',
  MOLT_E_UNAVAILABLE: 'the admin API cannot reach the supervisor or a subsystem is not configured',
  MOLT_E_VALIDATION: 'a request body or argument is invalid',
  MOLT_E_ABORTED: 'the operation was aborted',
  MOLT_E_BACKUP: 'a backup or restore failed',
  MOLT_E_BACKUP_BUSY: 'another backup, drill or restore is running; retry when it has finished',
  MOLT_E_DRILL_FAILED: 'a restore drill found a backup unusable (checksum, integrity or row counts)',
  MOLT_E_RESTORE_FAILED: 'a restore failed its health gate and molt went back to the safety backup',
  MOLT_E_TELEGRAM: 'the Telegram Bot API failed or rejected a request (notifications are queued and retried)',
  MOLT_E_INTERNAL: 'an unexpected internal error',
} as const;

export type MoltErrorCode = keyof typeof ERROR_CODES;

export class MoltError extends Error {
  readonly code: MoltErrorCode;
  readonly context: Record<string, unknown>;
  constructor(code: MoltErrorCode, message: string, opts: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'MoltError';
    this.code = code;
    this.context = opts.context ?? {};
  }
  toJSON(): { code: MoltErrorCode; message: string; context: Record<string, unknown> } {
    return { code: this.code, message: this.message, context: this.context };
  }
}

export function isMoltError(err: unknown, code?: MoltErrorCode): err is MoltError {
  return err instanceof MoltError && (code === undefined || err.code === code);
}

/** Normalises anything thrown into a MoltError, keeping the original as cause. */
export function toMoltError(err: unknown, fallback: MoltErrorCode = 'MOLT_E_INTERNAL'): MoltError {
  if (err instanceof MoltError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new MoltError(fallback, message, { cause: err });
}
