import { join } from 'node:path';
import type { Clock } from '../core/clock.js';
import type { EventBus } from '../core/events.js';
import type { Logger } from '../core/logger.js';
import { toMoltError } from '../core/errors.js';
import type { UpdateEngine } from '../update/api.js';
import './events.js';
import { isCanary } from './canary.js';
import { applyAfter, blockReason, decide, jittered, type AutoMode, type Decision, type TipInfo } from './decide.js';
import { formatMinute, isWindowOpen, type UpdateWindow } from './window.js';
import type { RemotePort } from './remote.js';
import { loadAutoState, saveAutoState, trackPins, trackTip, type AutoState } from './auto-state.js';

export interface AutoUpdaterConfig {
  autoUpdate: AutoMode;
  pollIntervalMs: number;
  updateWindow: UpdateWindow | null;
  tz: string;
  canaryProbability: number;
  canaryBakeMs: number;
  requireSigned: boolean;
  dataDir: string;
}

export interface AutoUpdaterDeps {
  config: AutoUpdaterConfig;
  engine: Pick<UpdateEngine, 'requestUpdate' | 'current' | 'running' | 'pinned' | 'history'>;
  remote: RemotePort;
  events: EventBus;
  logger: Logger;
  clock: Clock;
  instanceId: string;
  /** Signature check of a fetched commit (MOLT_REQUIRE_SIGNED); throws MOLT_E_UNSIGNED. */
  verifySignature?: (sha: string, signal?: AbortSignal) => Promise<{ signer: string }>;
  random?: () => number;
  /** Delay before the first check (default: a jittered 15 s, so the app starts first). */
  firstCheckMs?: number;
}

export type CheckResult = Decision['kind'] | 'busy' | 'error' | 'refused' | 'no_branch';

export interface AutoUpdateStatus {
  mode: AutoMode;
  instanceId: string;
  nextCheckAt: string | null;
  lastCheck: { at: string; result: CheckResult; tip: string | null; detail?: string } | null;
  pending: { sha: string; subject: string; canary: boolean; applyAfter: string | null; blocked?: string } | null;
  /** null = automatic updates may apply at any time. */
  window: { start: string; end: string; tz: string; open: boolean } | null;
}

/**
 * Polls the remote branch and notifies about or applies new commits (canary, bake time, update window, pins).
 * INVARIANTS:
 * - at most one check runs at a time (`checking`); `run()` is a single loop per instance;
 * - requestUpdate is called only when the engine reports no running operation, once per check, with trigger 'auto';
 * - a sha the engine or signature check refused is not requested again until the tip changes (`refused`);
 * - release_available is emitted once per tip sha (state.announced survives restarts).
 */
export class AutoUpdater {
  private state: AutoState | undefined;
  private readonly statePath: string;
  private readonly refused = new Map<string, string>();
  private checking = false;
  private nextCheckAt: number | null = null;
  private lastCheck: AutoUpdateStatus['lastCheck'] = null;
  private pending: AutoUpdateStatus['pending'] = null;
  private wakeAt: number | null = null;

  constructor(private readonly deps: AutoUpdaterDeps) {
    this.statePath = join(deps.config.dataDir, 'auto-update.json');
  }

  /** The loop: check, then sleep a jittered poll interval (or less when an apply time comes sooner). */
  async run(signal: AbortSignal): Promise<void> {
    const { clock, config } = this.deps;
    const random = this.deps.random ?? Math.random;
    let delay = this.deps.firstCheckMs ?? jittered(Math.min(15_000, config.pollIntervalMs), random());
    while (!signal.aborted) {
      this.nextCheckAt = clock.now() + delay;
      try {
        await clock.sleep(delay, signal);
      } catch {
        break;
      }
      await this.checkNow(signal);
      delay = jittered(config.pollIntervalMs, random());
      if (this.wakeAt !== null) delay = Math.max(1000, Math.min(delay, this.wakeAt - clock.now() + 1000));
    }
    this.nextCheckAt = null;
  }

  /** One poll: look at the remote tip and act on the decision. Never throws; the outcome is in lastCheck. */
  async checkNow(signal?: AbortSignal): Promise<CheckResult> {
    if (this.checking) return 'busy';
    this.checking = true;
    let tip: string | null = null;
    try {
      const r = await this.check(signal, (sha) => (tip = sha));
      this.record(r.result, tip, r.detail);
      return r.result;
    } catch (err) {
      const e = toMoltError(err);
      this.deps.logger.warn({ event: 'auto_update_check_failed', code: e.code, error: e.message }, `automatic update check failed: ${e.message}`);
      this.record('error', tip, `${e.code}: ${e.message}`);
      return 'error';
    } finally {
      this.checking = false;
    }
  }

  autoUpdateStatus(): AutoUpdateStatus {
    const { config, clock } = this.deps;
    const w = config.updateWindow;
    return {
      mode: config.autoUpdate,
      instanceId: this.deps.instanceId,
      nextCheckAt: this.nextCheckAt === null ? null : new Date(this.nextCheckAt).toISOString(),
      lastCheck: this.lastCheck,
      pending: this.pending,
      window: w === null ? null : { start: formatMinute(w.startMin), end: formatMinute(w.endMin), tz: config.tz, open: isWindowOpen(clock.now(), w, config.tz) },
    };
  }

  private record(result: CheckResult, tip: string | null, detail?: string): void {
    this.lastCheck = { at: new Date(this.deps.clock.now()).toISOString(), result, tip, ...(detail ? { detail } : {}) };
  }

  private async check(signal: AbortSignal | undefined, seen: (sha: string) => void): Promise<{ result: CheckResult; detail?: string }> {
    const { engine, remote, config, clock, logger } = this.deps;
    this.wakeAt = null;
    const running = engine.running();
    if (running) return { result: 'busy', detail: `operation #${running.id} (${running.kind}) is running` };
    const sha = await remote.tip(signal);
    if (sha === null) return { result: 'no_branch', detail: 'the branch does not exist on the remote' };
    seen(sha);
    for (const k of this.refused.keys()) if (k !== sha) this.refused.delete(k);
    const current = engine.current()?.sha ?? (await remote.localHead(signal));
    let state = trackPins(this.state ?? (await loadAutoState(this.statePath)), engine.pinned().map((p) => p.sha));
    if (sha === current) {
      this.pending = null;
      await this.save({ ...state, tip: null });
      return { result: 'up_to_date' };
    }
    const info: TipInfo = await remote.describe(sha, signal);
    state = trackTip(state, sha, clock.now());
    if (!this.refused.has(sha) && config.requireSigned && this.deps.verifySignature) {
      try {
        const { signer } = await this.deps.verifySignature(sha, signal);
        logger.info({ event: 'auto_update_signature_ok', sha, signer }, `commit ${sha.slice(0, 7)} is signed by ${signer}`);
      } catch (err) {
        const e = toMoltError(err, 'MOLT_E_UNSIGNED');
        this.refused.set(sha, `${e.code}: ${e.message}`);
        this.deps.events.emit('alert', { kind: 'unsigned_release', severity: 'warning', message: e.message, details: { sha, code: e.code } });
      }
    }
    const canary = isCanary(this.deps.instanceId, sha, config.canaryProbability);
    // The running release may be ahead of the branch (an admin updated to a newer sha): never move it backwards.
    const behind = current !== null && (await remote.isAncestor(sha, current, signal)) ? `the running release ${current.slice(0, 7)} already contains ${sha.slice(0, 7)}` : null;
    const blocked = this.refused.get(sha) ?? behind ?? blockReason(sha, engine.pinned(), engine.history(50), new Set(state.unpinned));
    const now = clock.now();
    const input = { mode: config.autoUpdate === 'off' ? 'notify' : config.autoUpdate, now, tip: info, currentSha: current, firstSeenAt: state.tip!.firstSeenAt, blocked, canary, bakeMs: config.canaryBakeMs, window: config.updateWindow, tz: config.tz } as const;
    const decision = decide(input);
    const after = config.autoUpdate === 'apply' && !blocked ? new Date(applyAfter(input).at).toISOString() : null;
    this.pending = { sha, subject: info.subject, canary, applyAfter: after, ...(blocked ? { blocked } : {}) };
    if (!blocked && state.announced !== sha) {
      state = { ...state, announced: sha };
      this.deps.events.emit('release_available', { sha, subject: info.subject, canary, applyAfter: after });
      logger.info({ event: 'release_available', sha, subject: info.subject, canary, applyAfter: after, mode: config.autoUpdate }, `new release ${sha.slice(0, 7)} "${info.subject}" is available`);
    }
    await this.save(state);
    switch (decision.kind) {
      case 'blocked':
        logger.debug({ event: 'auto_update_blocked', sha, reason: decision.reason }, `not applying ${sha.slice(0, 7)} automatically: ${decision.reason}`);
        return { result: 'blocked', detail: decision.reason };
      case 'wait':
        this.wakeAt = decision.until;
        logger.debug({ event: 'auto_update_waiting', sha, until: new Date(decision.until).toISOString(), reason: decision.reason, canary }, 'waiting to apply');
        return { result: 'wait', detail: `${decision.reason} until ${new Date(decision.until).toISOString()}` };
      case 'apply':
        return this.apply(sha, canary);
      default:
        return { result: decision.kind };
    }
  }

  private async apply(sha: string, canary: boolean): Promise<{ result: CheckResult; detail?: string }> {
    const { engine, logger } = this.deps;
    try {
      const { id, done } = await engine.requestUpdate({ sha, trigger: 'auto', actor: 'auto', reason: canary ? 'automatic update (canary)' : 'automatic update (baked)' });
      logger.info({ event: 'auto_update_requested', sha, id, canary }, `automatic update to ${sha.slice(0, 7)} started (operation #${id})`);
      done.then(
        (row) => logger.info({ event: 'auto_update_finished', sha, id, outcome: row.outcome }, `automatic update #${id} ${row.outcome}`),
        (err: unknown) => logger.warn({ event: 'auto_update_finished', sha, id, outcome: 'failed', error: String(err) }, `automatic update #${id} failed`),
      );
      this.pending = null;
      return { result: 'apply', detail: `operation #${id}` };
    } catch (err) {
      const e = toMoltError(err);
      if (e.code === 'MOLT_E_UPDATE_IN_PROGRESS') return { result: 'busy', detail: e.message };
      if (e.code === 'MOLT_E_SAME_RELEASE') return { result: 'up_to_date', detail: e.message };
      this.refused.set(sha, `${e.code}: ${e.message}`);
      logger.warn({ event: 'auto_update_refused', sha, code: e.code, error: e.message }, `automatic update to ${sha.slice(0, 7)} refused: ${e.message}`);
      return { result: 'refused', detail: `${e.code}: ${e.message}` };
    }
  }

  private async save(state: AutoState): Promise<void> {
    this.state = state;
    await saveAutoState(this.statePath, state);
  }
}
