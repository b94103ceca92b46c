import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { MoltError, toMoltError } from '../core/errors.js';
import { noTraffic } from '../traffic/api.js';
import { HistoryStore } from '../store/history-db.js';
import { REQUEST_FILE, type UpdateRequest } from '../supervisor/update-request.js';
import type { CommitInfo, HistoryRow, OperationKind, PendingReleases, RollbackCommand, RunningOperation, Trigger, UpdateCommand, UpdateEngine } from './api.js';
import type { EngineDeps, OpContext, Ports } from './context.js';
import { createGitPort } from './git-port.js';
import { execaExec } from './exec-port.js';
import { noKillSwitch } from './kill-switch.js';
import { execute, operationError } from './executor.js';
import { readJournal, writeJournal, type Journal } from './journal.js';
import { pendingSteps, planSteps, type PlanKind } from './plan.js';
import { acquireUpdateLock } from './update-lock.js';
import { assertRef, assertSha } from './refs.js';
import { assertDiskSpace } from './preflight.js';
import { resolveSqlitePaths } from './release-artifacts.js';
import { nothingToClean } from './clean-proof.js';
import { prepareRollback, prepareUpdate, type OperationInit } from './targets.js';
import { describeOperation, pendingReleases } from './operation-info.js';
import { recover, type RecoveryResult } from './recovery.js';

const TRIGGERS: Trigger[] = ['app', 'web', 'telegram', 'cli', 'auto', 'recovery', 'probation', 'crash_loop'];

/**
 * The update engine. INVARIANTS:
 * - at most one operation runs (`active`, plus the cross-process update lock held for its whole duration);
 * - the journal is written before every side effect; the history row and journal removal happen last;
 * - nothing is changed by a request that is refused (validation, lock, fetch, disk, signature run first).
 */
export class Engine implements UpdateEngine {
  readonly p: Ports;
  readonly sqlite: string[];
  private active: { j: Journal; done: Promise<HistoryRow> } | null = null;
  private abort = new AbortController();
  private cur: CommitInfo | null = null;
  /** The app process that reported ready (SDK ready()) since it started: a fast boot may beat the health gate. */
  private readyPid: number | undefined;

  constructor(deps: EngineDeps) {
    const c = deps.config;
    this.p = {
      ...deps,
      traffic: deps.traffic ?? noTraffic,
      git: deps.git ?? createGitPort(c.appDir),
      exec: deps.exec ?? execaExec,
      store: deps.store ?? HistoryStore.open(c.dataDir),
      healthPort: deps.healthPort ?? (() => c.appPort),
      env: deps.env ?? process.env,
      killSwitch: deps.killSwitch ?? noKillSwitch,
    };
    this.sqlite = resolveSqlitePaths(c.appDir, c.dataDir, c.sqlitePaths);
    deps.events.on('app_started', () => (this.readyPid = undefined));
    deps.events.on('app_ready', (e) => (this.readyPid = e.pid));
  }

  context(j: Journal, extra: Pick<OpContext, 'journaledStart' | 'nothingToClean'> = {}): OpContext {
    const dataDir = this.p.config.dataDir;
    const ctx: OpContext = {
      p: this.p, j, signal: this.abort.signal, sqlite: this.sqlite, settle: () => this.refreshCurrent(), appReady: (pid) => this.readyPid === pid,
      save: () => ((ctx.dirty = false), writeJournal(dataDir, j)),
      ...extra,
    };
    return ctx;
  }

  /** Aborts the running operation (supervisor shutdown): its journal stays, the next start resumes it. */
  close(reason = 'supervisor stopping'): void {
    this.abort.abort(new MoltError('MOLT_E_ABORTED', reason));
  }

  async recover(): Promise<RecoveryResult> {
    const r = await recover(this).catch((err: unknown): RecoveryResult => {
      const e = toMoltError(err);
      this.p.logger.fatal({ event: 'recovery_failed', code: e.code, error: e.message, severity: 'critical' }, `recovery failed: ${e.message}; the app stays stopped`);
      this.p.events.emit('alert', { kind: 'recovery_failed', severity: 'critical', message: e.message });
      this.p.traffic.hold({ reason: 'stopped' });
      return { appStarted: false, held: true, action: 'held' };
    });
    await this.refreshCurrent();
    return r;
  }

  async refreshCurrent(): Promise<void> {
    const sha = this.p.store.lastGood()?.sha ?? (await this.p.git.head().catch(() => null));
    this.cur = sha ? await this.p.git.describe(sha).catch(() => ({ sha, subject: '', author: '', date: '' })) : null;
  }

  current() {
    return this.cur;
  }

  running(): RunningOperation | null {
    if (!this.active) return null;
    const { j } = this.active;
    const steps = j.phase === 'forward' ? j.steps : j.undo;
    const step = steps.find((s) => s.status === 'started' || s.status === 'pending')?.name ?? 'finishing';
    return { id: j.id, kind: j.kind, step: j.phase === 'rollback' ? `rollback:${step}` : step, fromSha: j.fromSha, toSha: j.toSha, startedAt: j.startedAt };
  }

  private async currentSha(): Promise<string> {
    return this.p.store.lastGood()?.sha ?? (await this.p.git.head());
  }

  private validate(cmd: { trigger: Trigger; actor: string }): void {
    if (!TRIGGERS.includes(cmd.trigger)) throw new MoltError('MOLT_E_VALIDATION', `trigger ${JSON.stringify(cmd.trigger)}: expected one of ${TRIGGERS.join(', ')}`);
    if (typeof cmd.actor !== 'string' || !cmd.actor.trim() || cmd.actor.length > 200) throw new MoltError('MOLT_E_VALIDATION', 'actor: expected a non-empty name of at most 200 characters');
  }

  async requestUpdate(cmd: UpdateCommand): Promise<{ id: number; done: Promise<HistoryRow> }> {
    return this.guarded(cmd, 'update', async () => prepareUpdate(this.p, this.sqlite, cmd, await this.currentSha(), this.abort.signal));
  }

  async requestRollback(cmd: RollbackCommand): Promise<{ id: number; done: Promise<HistoryRow> }> {
    return this.guarded(cmd, 'rollback', async () => prepareRollback(this.p, this.sqlite, cmd, await this.currentSha(), this.abort.signal));
  }

  /** Preflight under the lock; refusals are recorded (outcome `refused`) and leave nothing changed. */
  private async guarded(cmd: { trigger: Trigger; actor: string; reason?: string; details?: Record<string, unknown> }, kind: OperationKind, prepare: () => Promise<OperationInit>): Promise<{ id: number; done: Promise<HistoryRow> }> {
    if (this.abort.signal.aborted) throw new MoltError('MOLT_E_ABORTED', 'the supervisor is stopping: no new update or rollback starts now');
    if (this.active) throw new MoltError('MOLT_E_UPDATE_IN_PROGRESS', `update in progress: operation #${this.active.j.id} is running (${this.running()?.step})`);
    let release: (() => Promise<void>) | undefined;
    try {
      this.validate(cmd);
      release = await acquireUpdateLock(this.p.config.dataDir, this.p.logger);
      if (this.active) throw new MoltError('MOLT_E_UPDATE_IN_PROGRESS', 'update in progress');
      if (await readJournal(this.p.config.dataDir)) throw new MoltError('MOLT_E_UPDATE_IN_PROGRESS', 'update in progress: an interrupted update awaits recovery (restart molt)');
      // the disk check only reads the tree: it runs while prepare() fetches (its refusal still comes after prepare's)
      const disk = assertDiskSpace(this.p, this.sqlite);
      disk.catch(() => {});
      const init = { ...(await prepare()), reason: cmd.reason, details: cmd.details };
      await disk;
      if (this.p.config.requireSigned) await this.verifySigned(init.toSha);
      return await this.begin(init, release);
    } catch (err) {
      await release?.();
      const e = toMoltError(err);
      // "nothing to do", "busy" and "stopping" are not events worth a history row (pollers would flood it)
      if (!['MOLT_E_UPDATE_IN_PROGRESS', 'MOLT_E_SAME_RELEASE', 'MOLT_E_ABORTED'].includes(e.code)) {
        const now = new Date(this.p.clock.now()).toISOString();
        const id = this.p.store.insertOperation({ kind, trigger: TRIGGERS.includes(cmd.trigger) ? cmd.trigger : 'cli', actor: String(cmd.actor ?? '?').slice(0, 200), fromSha: null, toSha: null, fromSubject: null, toSubject: null, startedAt: now });
        this.p.store.updateOperation(id, { outcome: 'refused', finishedAt: now, error: operationError(e, 'preflight') });
      }
      this.p.logger.warn({ event: 'update_refused', code: e.code, error: e.message, trigger: cmd.trigger, actor: cmd.actor }, e.message);
      throw e;
    }
  }

  private async verifySigned(sha: string): Promise<void> {
    const verify = this.p.verifySignature ?? ((await import('./signature.js' as string)) as { verifyCommitSignature: NonNullable<EngineDeps['verifySignature']> }).verifyCommitSignature;
    await verify({ appDir: this.p.config.appDir, sha, allowedSigners: this.p.config.allowedSigners ?? '' });
  }

  /** Creates the history row and journal, then runs the plan in the background. The lock is released when done. */
  async begin(init: OperationInit, release: () => Promise<void>): Promise<{ id: number; done: Promise<HistoryRow> }> {
    const { store, clock } = this.p;
    const { fromSubject, to, commits } = await describeOperation(this.p, init.fromSha, init.toSha, init.commits);
    const startedAt = new Date(clock.now()).toISOString();
    const id = store.insertOperation({ kind: init.kind, trigger: init.trigger, actor: init.actor, fromSha: init.fromSha, toSha: init.toSha, fromSubject, toSubject: to.subject, startedAt });
    if (init.reason || init.details) store.updateOperation(id, { details: { ...(init.reason ? { reason: init.reason } : {}), ...(init.details ?? {}) } });
    const j: Journal = {
      version: 1, id, kind: init.kind, trigger: init.trigger, actor: init.actor, phase: 'forward', fromSha: init.fromSha, toSha: init.toSha,
      fromSubject, toSubject: to.subject, startedAt, attempts: 1, pid: process.pid, steps: pendingSteps(planSteps(init.plan)), undo: [],
      force: init.force, targetSchema: init.targetSchema,
    };
    // the journal's first write records the first step as started too (one fsynced write less before the stop)
    Object.assign(j.steps[0], { status: 'started', startedAt });
    await writeJournal(this.p.config.dataDir, j);
    this.p.logger.info({ event: 'update_started', opId: id, kind: init.kind, trigger: init.trigger, actor: init.actor, fromSha: init.fromSha, toSha: init.toSha, plan: j.steps.map((s) => s.name) }, `${init.kind} ${init.fromSha?.slice(0, 12)} → ${init.toSha.slice(0, 12)}`);
    this.p.events.emit('update_started', { id, kind: init.kind, trigger: init.trigger, actor: init.actor, fromSha: init.fromSha, toSha: init.toSha, toSubject: to.subject, commits });
    const done = this.track(j, execute(this.context(j, { journaledStart: j.steps[0].name, nothingToClean: nothingToClean(this.p, init.untracked, init.fromSha, init.toSha) })), release);
    return { id, done };
  }

  /** Marks `j` active until `run` settles; the lock is released only after the journal is gone or left for recovery. */
  track(j: Journal, run: Promise<HistoryRow>, release: () => Promise<void>): Promise<HistoryRow> {
    const done = run
      .catch((err) => {
        this.p.logger.error({ event: 'update_interrupted', opId: j.id, error: toMoltError(err).message }, 'operation interrupted; the journal is kept for recovery');
        return this.p.store.getOperation(j.id)!;
      })
      .finally(async () => {
        this.active = null;
        await release();
        await this.refreshCurrent();
      });
    this.active = { j, done };
    return done;
  }

  /** Exit code 10: run the requested update; if it is refused, start the current release again. */
  async handleAppRequest(req: UpdateRequest | null): Promise<void> {
    await rm(join(this.p.config.dataDir, REQUEST_FILE), { force: true });
    try {
      const { done } = await this.requestUpdate({ ref: req?.ref, sha: req?.sha, trigger: 'app', actor: req?.actor ?? 'app', reason: req?.reason, force: req?.force });
      await done;
    } catch {
      if (!this.p.app.currentChild()) this.p.app.startApp();
    }
  }

  /** Supervisor reported a crash loop: within probation after a commit, roll back to the previous release. */
  async onCrashLoop(): Promise<void> {
    const lg = this.p.store.lastGood();
    if (!lg || this.active || this.p.clock.now() - Date.parse(lg.committedAt) > this.p.config.probationMs) return;
    const prev = this.p.store.history(50).find((r) => r.outcome === 'succeeded' && r.toSha === lg.sha && r.fromSha)?.fromSha;
    if (!prev) return;
    this.p.logger.error({ event: 'probation_crash_loop', sha: lg.sha, rollbackTo: prev }, 'new release crash-loops during probation: rolling back');
    await this.requestRollback({ sha: prev, trigger: 'crash_loop', actor: 'molt', force: true, reason: 'crash loop during probation' }).catch(() => {});
  }

  async pending(signal?: AbortSignal): Promise<PendingReleases> {
    // no fetch while an operation runs: its commit tarball must not catch .git half-way through a fetch
    return pendingReleases(this.p, await this.currentSha(), !this.active, signal);
  }

  history(limit = 50): HistoryRow[] {
    return this.p.store.history(limit);
  }

  async describe(shaOrRef: string): Promise<CommitInfo> {
    const wanted = /^[0-9a-f]{4,40}$/i.test(shaOrRef) ? assertSha(shaOrRef) : assertRef(shaOrRef);
    return this.p.git.describe(await this.p.git.resolve(this.p.config.remote, wanted));
  }

  pinned() {
    return this.p.store.pins();
  }

  unpin(sha: string, actor: string): void {
    const s = assertSha(sha);
    const removed = this.p.store.unpin(s);
    this.p.logger.info({ event: 'unpinned', sha: s, actor, removed }, removed ? `unpinned ${s}` : `${s} was not pinned`);
  }
}

export function createUpdateEngine(deps: EngineDeps): Engine {
  return new Engine(deps);
}
