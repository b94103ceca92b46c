import { Gauge, type Registry } from 'prom-client';

/** The backup gauges (names are a contract: docs/backups.md). */
export interface BackupMetrics {
  backupSucceeded(atMs: number, durationMs: number): void;
  drillFinished(ok: boolean): void;
}

export function registerBackupMetrics(registry: Registry): BackupMetrics {
  const last = new Gauge({ name: 'molt_backup_last_success_timestamp', help: 'Unix time (seconds) of the last successful backup; 0 = none yet.', registers: [registry] });
  const duration = new Gauge({ name: 'molt_backup_duration_seconds', help: 'Duration of the last successful backup.', registers: [registry] });
  const drill = new Gauge({ name: 'molt_restore_drill_success', help: '1 when the last restore drill passed, 0 when it failed, -1 before any drill.', registers: [registry] });
  last.set(0);
  duration.set(0);
  drill.set(-1);
  return {
    backupSucceeded(atMs, durationMs) {
      last.set(Math.round(atMs / 1000));
      duration.set(durationMs / 1000);
    },
    drillFinished(ok) {
      drill.set(ok ? 1 : 0);
    },
  };
}

export const noBackupMetrics: BackupMetrics = { backupSucceeded() {}, drillFinished() {} };
