import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import { atomicWriteJson } from '../core/atomic-write.js';
import type { Clock } from '../core/clock.js';
import { isMoltError, MoltError, toMoltError } from '../core/errors.js';
import type { EventBus } from '../core/events.js';
import type { Logger } from '../core/logger.js';
import { noTraffic, type TrafficControl } from '../traffic/api.js';
import type { HistoryRow, Trigger } from '../update/api.js';
import { cleanupLeftovers, getBackup, listBackups, pruneBackups, type CatalogEntry } from './catalog.js';
import { DRILL_FILE, SCRATCH_PREFIX, type BackupTrigger, type DrillResult, type Manifest } from './manifest.js';
import { noBackupMetrics, type BackupMetrics } from './metrics.js';
import { restoreBackup, type AppControl, type RestoreResult } from './restore.js';
import { parseSchedule, runCronLoop, type Schedule } from './scheduler.js';
import { updateLock, type LockUpdates } from './update-lock.js';
import { verifyArtifact } from './verify.js';
import { writeBackup } from './writer.js';
import './events.js';

export type BackupConfig = Pick<
  Config,
  | 'appDir' | 'dataDir' | 'backupDir' | 'sqlitePaths' | 'backupPaths' | 'backupMinFree' | 'backupRetentionMs' | 'backupSchedule'
  | 'drillSchedule' | 'tz' | 'appPort' | 'healthPath' | 'healthTimeoutMs' | 'healthSuccesses' | 'healthIntervalMs' | 'stopTimeoutMs'
>;

export interface BackupServiceDeps {
  config: BackupConfig;
  events: EventBus;
  logger: Logger;
  clock: Clock;
  metrics?: BackupMetrics;
  /** Needed for real restores (the Supervisor). */
  app?: AppControl;
  traffic?: TrafficControl;
  /** The update lock; default proper-lockfile on <data>/update.lock. */
  lock?: LockUpdates;
  /** Records restore rows in the history store (kind 'restore'). */
  history?: (row: Omit<HistoryRow, 'id'>) => void;
}

/** How long a backup, drill or restore request waits for a running one before MOLT_E_BACKUP_BUSY. */
const EXCLUSIVE_WAIT_MS = 120_000;

export interface BackupRun {
  manifest: Manifest;
  drill: DrillResult | null;
  pruned: string[];
}

/**
 * Scheduled backups, drills, retention and restores of one supervisor.
 * INVARIANTS:
 * - at most one backup, drill or restore runs at a time (`busy`); a second caller waits up to EXCLUSIVE_WAIT_MS for
 *   it (scheduled runs do not wait and skip the slot), then gets MOLT_E_BACKUP_BUSY;
 * - a refused or failed backup never prunes: retention runs only after a complete artifact was renamed into place;
 * - every failure of a backup or drill raises exactly one `alert` (critical) with the numbers in `details`.
 */
export class BackupService {
  private busy: { what: string; done: Promise<void> } | undefined;
  private readonly backupSchedule: Schedule;
  private readonly drillSchedule: Schedule;
  private readonly metrics: BackupMetrics;
  private readonly lock: LockUpdates;
  private loops: AbortController | undefined;

  constructor(private readonly d: BackupServiceDeps) {
    const c = d.config;
    this.backupSchedule = parseSchedule(c.backupSchedule, 'MOLT_BACKUP_SCHEDULE', c.tz);
    this.drillSchedule = parseSchedule(c.drillSchedule, 'MOLT_DRILL_SCHEDULE', c.tz, true);
    this.metrics = d.metrics ?? noBackupMetrics;
    this.lock = d.lock ?? updateLock(c.dataDir, d.logger);
  }

  /** Startup: removes leftovers of crashed runs and seeds the gauges from the newest artifact. */
  async init(): Promise<void> {
    const removed = await cleanupLeftovers(this.d.config.backupDir);
    if (removed.length) this.d.logger.warn({ event: 'backup_leftovers_removed', removed }, `removed ${removed.length} incomplete backup/scratch dirs left by an interrupted run`);
    const all = await listBackups(this.d.config.backupDir);
    const newest = all.find((e) => e.manifest && e.manifest.trigger !== 'safety');
    if (newest?.manifest) this.metrics.backupSucceeded(newest.createdAtMs + newest.manifest.durationMs, newest.manifest.durationMs);
    const drilled = all.find((e) => e.drill);
    if (drilled?.drill) this.metrics.drillFinished(drilled.drill.ok);
  }

  /** Starts the cron loops (MOLT_BACKUP_SCHEDULE, and MOLT_DRILL_SCHEDULE when it is a cron expression). */
  start(): void {
    if (this.loops) return;
    const ac = (this.loops = new AbortController());
    const { tz } = this.d.config;
    const log = this.d.logger;
    if (this.backupSchedule.kind === 'cron' && !this.hasSources()) {
      log.info({ event: 'backup_schedule_idle' }, 'scheduled backups are idle: MOLT_SQLITE_PATHS and MOLT_BACKUP_PATHS are empty');
    } else if (this.backupSchedule.kind === 'cron') {
      log.info({ event: 'backup_schedule', pattern: this.backupSchedule.pattern, tz }, `scheduled backups: ${this.backupSchedule.pattern} (${tz})`);
      void runCronLoop({ pattern: this.backupSchedule.pattern, tz, clock: this.d.clock, signal: ac.signal, run: () => this.scheduled('backup', () => this.backupNow({ trigger: 'schedule', actor: 'schedule' }, 0)) });
    }
    if (this.drillSchedule.kind === 'cron') {
      void runCronLoop({ pattern: this.drillSchedule.pattern, tz, clock: this.d.clock, signal: ac.signal, run: () => this.scheduled('drill', () => this.drill(undefined, 0)) });
    }
  }

  private async scheduled(what: string, fn: () => Promise<unknown>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      // Failures were already logged and alerted by the run itself; a busy service only skips this slot.
      if (isMoltError(err, 'MOLT_E_BACKUP_BUSY')) this.d.logger.warn({ event: 'backup_schedule_skipped', what, reason: err.message }, `scheduled ${what} skipped: ${err.message}`);
    }
  }

  private hasSources(): boolean {
    return this.d.config.sqlitePaths.length > 0 || this.d.config.backupPaths.length > 0;
  }

  stop(): void {
    this.loops?.abort();
    this.loops = undefined;
  }

  list(): Promise<CatalogEntry[]> {
    return listBackups(this.d.config.backupDir);
  }

  // Callers wait (bounded) for a running backup or drill instead of failing: scheduled runs are short, and a console
  // click during one should not need a retry. Scheduled runs pass waitMs 0 and are skipped when busy.
  private async exclusive<T>(what: string, fn: () => Promise<T>, waitMs = EXCLUSIVE_WAIT_MS): Promise<T> {
    const deadline = Date.now() + waitMs;
    while (this.busy) {
      const left = deadline - Date.now();
      if (left <= 0) throw new MoltError('MOLT_E_BACKUP_BUSY', `cannot start ${what}: ${this.busy.what} is running; retry when it has finished`, { context: { running: this.busy.what } });
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.busy.done, new Promise((r) => (timer = setTimeout(r, left)))]);
      clearTimeout(timer);
    }
    const run = fn();
    const mine = { what, done: run.then(() => {}, () => {}) };
    this.busy = mine;
    try {
      return await run;
    } finally {
      if (this.busy === mine) this.busy = undefined;
    }
  }

  /** One backup now; then a drill (MOLT_DRILL_SCHEDULE=after-backup) and retention. Failures alert and rethrow. */
  backupNow(o: { trigger: Exclude<BackupTrigger, 'safety'>; actor: string }, waitMs?: number): Promise<BackupRun> {
    if (!this.hasSources()) {
      return Promise.reject(new MoltError('MOLT_E_VALIDATION', 'nothing to back up: set MOLT_SQLITE_PATHS and/or MOLT_BACKUP_PATHS (uploads, config) first'));
    }
    return this.exclusive('a backup', async () => {
      const { config: c, logger, events, clock } = this.d;
      const startedAt = new Date(clock.now()).toISOString();
      let manifest: Manifest;
      try {
        const r = await writeBackup({ ...c, minFree: c.backupMinFree, trigger: o.trigger, actor: o.actor, clock });
        manifest = r.manifest;
        if (r.missingSqlite.length) logger.warn({ event: 'backup_sqlite_missing', paths: r.missingSqlite }, 'some MOLT_SQLITE_PATHS do not exist yet and were not backed up');
      } catch (err) {
        const e = toMoltError(err, 'MOLT_E_BACKUP');
        this.record('backup', o, startedAt, 'failed', null, { code: e.code, message: e.message }, { ...e.context });
        logger.error({ event: 'backup_failed', code: e.code, error: e.message, ...e.context }, e.message);
        events.emit('alert', { kind: 'backup_failed', severity: 'critical', message: e.message, details: { code: e.code, ...e.context } });
        throw e;
      }
      this.metrics.backupSucceeded(clock.now(), manifest.durationMs);
      logger.info({ event: 'backup_created', id: manifest.id, trigger: o.trigger, actor: o.actor, totalBytes: manifest.totalBytes, durationMs: manifest.durationMs, releaseSha: manifest.releaseSha }, `backup ${manifest.id} written`);
      events.emit('backup_created', { id: manifest.id, trigger: o.trigger, actor: o.actor, totalBytes: manifest.totalBytes, durationMs: manifest.durationMs, releaseSha: manifest.releaseSha });
      this.record('backup', o, startedAt, 'succeeded', manifest.releaseSha, null, { backupId: manifest.id, totalBytes: manifest.totalBytes, durationMs: manifest.durationMs });
      const drill = this.drillSchedule.kind === 'after-backup' ? await this.runDrill(manifest.id) : null;
      const plan = await pruneBackups(c.backupDir, clock.now(), c.backupRetentionMs);
      if (plan.prune.length) logger.info({ event: 'backups_pruned', pruned: plan.prune, kept: plan.keep.length }, `pruned ${plan.prune.length} backups older than retention`);
      return { manifest, drill, pruned: plan.prune };
    }, waitMs);
  }

  // Backups and drills are history rows too (`molt history`, /api/history), next to updates and restores.
  private record(kind: 'backup' | 'drill', o: { trigger: BackupTrigger; actor: string }, startedAt: string, outcome: 'succeeded' | 'failed', sha: string | null, error: { code: string; message: string } | null, details: Record<string, unknown>): void {
    const trigger: Trigger = o.trigger === 'schedule' ? 'auto' : o.actor.startsWith('web') ? 'web' : 'cli';
    try {
      this.d.history?.({ kind, trigger, actor: o.actor, fromSha: null, toSha: sha, fromSubject: null, toSubject: null, outcome, startedAt, finishedAt: new Date(this.d.clock.now()).toISOString(), steps: [], error, details });
    } catch (err) {
      this.d.logger.warn({ event: 'history_write_failed', kind, error: (err as Error).message }, 'could not record the backup in history');
    }
  }

  /** Restore drill of `id` (default: the newest backup). */
  drill(id?: string, waitMs?: number): Promise<DrillResult & { id: string }> {
    return this.exclusive('a restore drill', async () => {
      const target = id ?? (await this.list()).find((e) => e.manifest)?.id;
      if (!target) throw new MoltError('MOLT_E_NOT_FOUND', `no backup to drill in ${this.d.config.backupDir}: take one with POST /api/backups`);
      return { id: target, ...(await this.runDrill(target)) };
    }, waitMs);
  }

  private async runDrill(id: string): Promise<DrillResult> {
    const { config: c, clock, logger, events } = this.d;
    const t0 = clock.now();
    const scratch = join(c.backupDir, `${SCRATCH_PREFIX}drill-${randomBytes(3).toString('hex')}`);
    let result: DrillResult;
    let dir: string | undefined;
    try {
      const b = await getBackup(c.backupDir, id);
      dir = b.dir;
      const r = await verifyArtifact(b.dir, b.manifest, scratch);
      result = { ok: r.ok, checkedAt: new Date(t0).toISOString(), durationMs: clock.now() - t0, problems: r.problems };
    } catch (err) {
      result = { ok: false, checkedAt: new Date(t0).toISOString(), durationMs: clock.now() - t0, problems: [(err as Error).message] };
    } finally {
      await rm(scratch, { recursive: true, force: true }).catch(() => {});
    }
    if (dir) await atomicWriteJson(join(dir, DRILL_FILE), result).catch((err: Error) => result.problems.push(`cannot record drill: ${err.message}`));
    this.metrics.drillFinished(result.ok);
    this.record('drill', { trigger: 'schedule', actor: 'molt' }, result.checkedAt, result.ok ? 'succeeded' : 'failed', null,
      result.ok ? null : { code: 'MOLT_E_DRILL_FAILED', message: result.problems.slice(0, 3).join('; ') }, { backupId: id, durationMs: result.durationMs, problems: result.problems });
    events.emit('restore_drill_finished', { id, ok: result.ok, problems: result.problems, durationMs: result.durationMs });
    if (result.ok) logger.info({ event: 'restore_drill_finished', id, ok: true, durationMs: result.durationMs }, `restore drill of ${id} passed`);
    else {
      const message = `restore drill of backup ${id} FAILED: ${result.problems.slice(0, 3).join('; ')}. This backup cannot be trusted; check the backup disk and take a new backup.`;
      logger.error({ event: 'restore_drill_finished', id, ok: false, problems: result.problems, code: 'MOLT_E_DRILL_FAILED' }, message);
      events.emit('alert', { kind: 'restore_drill_failed', severity: 'critical', message, details: { id, code: 'MOLT_E_DRILL_FAILED', problems: result.problems } });
    }
    return result;
  }

  /** `molt restore` / console button: dry run verifies only; a real restore needs the app control (Supervisor). */
  restore(o: { id: string; dryRun: boolean; actor: string; trigger: Trigger }): Promise<RestoreResult> {
    return this.exclusive(o.dryRun ? 'a restore dry run' : 'a restore', async () => {
      if (!o.dryRun && !this.d.app) throw new MoltError('MOLT_E_UNAVAILABLE', 'restore needs the running supervisor: run it through `molt restore` against `molt run`');
      const { config: c } = this.d;
      const r = await restoreBackup(
        { config: { ...c }, app: this.d.app ?? { stopApp: async () => null, startApp: () => undefined }, traffic: this.d.traffic ?? noTraffic, events: this.d.events, logger: this.d.logger, clock: this.d.clock, lock: this.lock },
        o,
      );
      if (r.history) this.d.history?.(r.history);
      return r;
    });
  }
}
