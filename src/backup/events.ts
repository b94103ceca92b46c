import type { OperationError, Outcome, Trigger } from '../update/api.js';
import type { BackupTrigger } from './manifest.js';

/** Backup lifecycle events (plain JSON: SSE, Telegram, logs). Failures also raise `alert` events. */
declare module '../core/events.js' {
  interface MoltEventMap {
    backup_created: { id: string; trigger: BackupTrigger; actor: string; totalBytes: number; durationMs: number; releaseSha: string | null };
    restore_drill_finished: { id: string; ok: boolean; problems: string[]; durationMs: number };
    restore_started: { backupId: string; trigger: Trigger; actor: string };
    restore_finished: { backupId: string; outcome: Outcome; safetyBackupId: string | null; error: OperationError | null; durationMs: number };
  }
}

export {};
