import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../core/clock.js';
import { MoltError, toMoltError } from '../core/errors.js';
import type { EventBus } from '../core/events.js';
import type { Logger } from '../core/logger.js';
import type { ChildHandle } from '../supervisor/child-process.js';
import type { TrafficControl } from '../traffic/api.js';
import type { HistoryRow, OperationError, StepTiming, Trigger } from '../update/api.js';
import { waitHealthy } from '../update/health-gate.js';
import { applyArtifact, planApply, type PlannedChange } from './apply.js';
import { getBackup } from './catalog.js';
import { SCRATCH_PREFIX, type Manifest } from './manifest.js';
import { releaseSha, type SourceConfig } from './sources.js';
import { verifyArtifact, type VerifyReport } from './verify.js';
import { writeBackup } from './writer.js';
import type { LockUpdates } from './update-lock.js';
import './events.js';

/** The part of the Supervisor a restore drives (Supervisor satisfies it). */
export interface AppControl {
  stopApp(reason: string): Promise<unknown>;
  startApp(opts?: { fresh?: boolean }): ChildHandle | undefined;
}

export interface RestoreConfig extends SourceConfig {
  backupMinFree: number;
  appPort: number;
  healthPath: string;
  healthTimeoutMs: number;
  healthSuccesses: number;
  healthIntervalMs: number;
  stopTimeoutMs: number;
}

export interface RestoreDeps {
  config: RestoreConfig;
  app: AppControl;
  traffic: TrafficControl;
  events: EventBus;
  logger: Logger;
  clock: Clock;
  lock: LockUpdates;
}

export interface RestoreRequest {
  id: string;
  dryRun: boolean;
  actor: string;
  trigger: Trigger;
  signal?: AbortSignal;
}

export interface RestoreResult {
  backupId: string;
  dryRun: boolean;
  outcome: 'verified' | HistoryRow['outcome'];
  backup: { createdAt: string; releaseSha: string | null; trigger: string; totalBytes: number };
  currentReleaseSha: string | null;
  plan: PlannedChange[];
  verify: Pick<VerifyReport, 'ok' | 'problems' | 'files'>;
  safetyBackupId: string | null;
  steps: StepTiming[];
  error: OperationError | null;
  /** The history row (null for a dry run, which changes nothing). */
  history: Omit<HistoryRow, 'id'> | null;
}

/** Verifies an artifact into scratch; the dry run stops here. Throws MOLT_E_CHECKSUM when it is unusable. */
export async function verifyForRestore(config: SourceConfig, id: string): Promise<{ dir: string; manifest: Manifest; report: VerifyReport }> {
  const b = await getBackup(config.backupDir, id);
  const scratch = join(config.backupDir, `${SCRATCH_PREFIX}verify-${randomBytes(3).toString('hex')}`);
  try {
    const report = await verifyArtifact(b.dir, b.manifest, scratch);
    return { dir: b.dir, manifest: b.manifest, report };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * A real restore: verify, take the update lock, hold traffic, stop the app, take a safety backup of the current
 * state, put the backup in place, start and health-gate. If the restored state fails (apply error, exit, gate), the
 * safety backup goes back the same way. Traffic is released only after a passed gate; when even the safety state
 * fails, the app stays held (holding page) and a critical alert is raised.
 */
export async function restoreBackup(d: RestoreDeps, req: RestoreRequest): Promise<RestoreResult> {
  const { config: c } = d;
  const started = d.clock.now();
  const steps: StepTiming[] = [];
  const step = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = d.clock.now();
    try {
      const v = await fn();
      steps.push({ step: name, status: 'done', startedAt: new Date(t0).toISOString(), durationMs: d.clock.now() - t0 });
      return v;
    } catch (err) {
      steps.push({ step: name, status: 'failed', startedAt: new Date(t0).toISOString(), durationMs: d.clock.now() - t0, detail: (err as Error).message });
      throw err;
    }
  };
  const v = await step('verify', () => verifyForRestore(c, req.id));
  const current = await releaseSha(c.appDir);
  const base = {
    backupId: req.id,
    dryRun: req.dryRun,
    backup: { createdAt: v.manifest.createdAt, releaseSha: v.manifest.releaseSha, trigger: v.manifest.trigger, totalBytes: v.manifest.totalBytes },
    currentReleaseSha: current,
    plan: planApply(v.manifest, c.appDir),
    verify: { ok: v.report.ok, problems: v.report.problems, files: v.report.files },
  };
  if (!v.report.ok) {
    throw new MoltError('MOLT_E_CHECKSUM', `backup ${req.id} is unusable (${v.report.problems.slice(0, 3).join('; ')}): nothing was changed; pick another backup`, { context: { problems: v.report.problems } });
  }
  if (req.dryRun) return { ...base, outcome: 'verified', safetyBackupId: null, steps, error: null, history: null };

  const release = await d.lock(`restore of ${req.id}`);
  const scratch = join(c.backupDir, `${SCRATCH_PREFIX}restore-${randomBytes(3).toString('hex')}`);
  d.events.emit('restore_started', { backupId: req.id, trigger: req.trigger, actor: req.actor });
  d.logger.info({ event: 'restore_started', backupId: req.id, actor: req.actor, trigger: req.trigger }, `restoring backup ${req.id}`);
  let outcome: HistoryRow['outcome'] = 'failed';
  let error: OperationError | null = null;
  let safetyBackupId: string | null = null;
  try {
    d.traffic.hold({ reason: 'restore' });
    await step('stop', async () => {
      await d.traffic.drain(c.stopTimeoutMs);
      await d.app.stopApp('restore');
    });
    try {
      const safety = await step('safety_backup', () =>
        writeBackup({ ...c, minFree: c.backupMinFree, trigger: 'safety', actor: req.actor, clock: d.clock, signal: req.signal }),
      );
      safetyBackupId = safety.manifest.id;
    } catch (err) {
      // Nothing was changed yet: bring the app back as it was and refuse.
      outcome = 'refused';
      error = { code: toMoltError(err).code, message: (err as Error).message, step: 'safety_backup' };
      await step('start_previous', () => startAndGate(d));
      d.traffic.release();
      throw err;
    }
    try {
      await step('apply', () => applyArtifact(v.dir, v.manifest, c.appDir, scratch));
      await step('start', () => startAndGate(d));
      d.traffic.release();
      outcome = 'succeeded';
    } catch (err) {
      const e = toMoltError(err, 'MOLT_E_BACKUP');
      d.logger.error({ event: 'restore_gate_failed', backupId: req.id, code: e.code, error: e.message }, `restored state failed (${e.message}); going back to safety backup ${safetyBackupId}`);
      error = { code: 'MOLT_E_RESTORE_FAILED', message: `restored state of ${req.id} failed: ${e.message}; went back to safety backup ${safetyBackupId}`, step: steps.at(-1)?.step };
      await step('stop_restored', () => d.app.stopApp('restore'));
      const sb = await getBackup(c.backupDir, safetyBackupId!);
      await step('apply_safety', () => applyArtifact(sb.dir, sb.manifest, c.appDir, join(scratch, 'safety')));
      await step('start_safety', () => startAndGate(d));
      d.traffic.release();
      outcome = 'rolled_back';
    }
  } catch (err) {
    const e = toMoltError(err, 'MOLT_E_BACKUP');
    // (re-read through casts: TypeScript does not see the assignments made inside the try block)
    const sofar = outcome as HistoryRow['outcome'];
    const prev = error as OperationError | null;
    if (sofar === 'refused') {
      if (e.code !== prev?.code) error = { code: e.code, message: `safety backup refused (${prev?.message}), then the app did not come back: ${e.message}`, step: steps.at(-1)?.step };
    } else if (sofar === 'failed' && safetyBackupId && prev) {
      // The fall-back itself failed: stay held, this needs a human.
      error = { code: 'MOLT_E_ROLLBACK_FAILED', message: `restore of ${req.id} failed and going back to safety backup ${safetyBackupId} failed too: ${e.message}. The app is held; restore ${safetyBackupId} by hand.`, step: steps.at(-1)?.step };
      d.events.emit('alert', { kind: 'restore_failed', severity: 'critical', message: error.message, details: { backupId: req.id, safetyBackupId } });
    } else {
      error = { code: e.code, message: e.message, step: steps.at(-1)?.step };
    }
  } finally {
    await rm(scratch, { recursive: true, force: true }).catch(() => {});
    await release();
  }
  const durationMs = d.clock.now() - started;
  const history: Omit<HistoryRow, 'id'> = {
    kind: 'restore', trigger: req.trigger, actor: req.actor, fromSha: current, toSha: v.manifest.releaseSha, fromSubject: null, toSubject: null,
    outcome, startedAt: new Date(started).toISOString(), finishedAt: new Date(d.clock.now()).toISOString(), steps, error,
    details: { backupId: req.id, safetyBackupId, backupCreatedAt: v.manifest.createdAt },
  };
  d.events.emit('restore_finished', { backupId: req.id, outcome, safetyBackupId, error, durationMs });
  const level = outcome === 'succeeded' ? 'info' : 'error';
  d.logger[level]({ event: 'restore_finished', backupId: req.id, outcome, safetyBackupId, error, durationMs, actor: req.actor }, `restore of ${req.id}: ${outcome}`);
  return { ...base, outcome, safetyBackupId, steps, error, history };
}

async function startAndGate(d: RestoreDeps): Promise<void> {
  const child = d.app.startApp({ fresh: true });
  if (!child) throw new MoltError('MOLT_E_APP_START', 'the supervisor is shutting down: app not started');
  const c = d.config;
  await waitHealthy({ port: c.appPort, path: c.healthPath, timeoutMs: c.healthTimeoutMs, successes: c.healthSuccesses, intervalMs: c.healthIntervalMs, child, events: d.events });
}
