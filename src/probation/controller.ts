import type { Registry } from 'prom-client';
import type { Config } from '../config/schema.js';
import type { EventBus } from '../core/events.js';
import type { Logger } from '../core/logger.js';
import { systemClock, type Clock } from '../core/clock.js';
import { isMoltError, toMoltError } from '../core/errors.js';
import type { TrafficControl } from '../traffic/api.js';
import type { RollbackCommand, UpdateEngine } from '../update/api.js';
import { probe } from '../update/health-gate.js';
import { BaselineRecorder } from './baseline-recorder.js';
import { begin, cancel, rollbackFinished, tick, type ProbationAction, type ProbationDetails, type ProbationState } from './lifecycle.js';
import { registerProbationMetrics } from './metrics.js';
import { policyFromConfig, type ProbationPolicy } from './policy.js';
import type { WindowStats } from './sliding-window.js';
import { statusOf, type ProbationStatus } from './status.js';
import './events.js';

export type ProbationConfig = Pick<
  Config,
  'probationMs' | 'analysisWindowMs' | 'healthIntervalMs' | 'healthPath' | 'appPort' | 'rollbackErrorRate' | 'alertErrorRate' | 'analysisMinRequests' | 'alertP95Ms' | 'rollbackP95Factor' | 'healthFails'
>;

export interface ProbationDeps {
  config: ProbationConfig;
  events: EventBus;
  engine: Pick<UpdateEngine, 'requestRollback'>;
  traffic: Pick<TrafficControl, 'observe'>;
  logger: Logger;
  clock?: Clock;
  /** Gauges molt_probation_* are registered here when given. */
  registry?: Registry;
  /** Health probe of the running release (status, 0 = no connection). Default: GET MOLT_HEALTH_PATH on the app port. */
  probe?: () => Promise<number>;
  /** Overrides of the policy built from config (tests, minP95DeltaMs). */
  policy?: Partial<ProbationPolicy>;
  /** A rollback refused with MOLT_E_UPDATE_IN_PROGRESS (the committing update still finishing) is retried this often. */
  retry?: { attempts: number; delayMs: number };
}

const short = (sha: string | null) => (sha ? sha.slice(0, 7) : 'none');

/**
 * Watches each release for MOLT_PROBATION after its update commits and rolls it back through the engine when
 * its error rate, latency or health breaches the policy; warnings below the rollback thresholds only alert.
 * INVARIANTS:
 * - at most one probation loop runs (`loop`); a new update_started cancels the active probation first;
 * - requestRollback is called at most once per probation (tick() leaves `active` when it returns a rollback action);
 * - the traffic observer only counts (O(1), no allocation, no I/O), so it adds nothing measurable per request;
 * - nothing happens before start(); stop() removes every listener and ends the loop.
 */
export class ProbationController {
  private state: ProbationState = { kind: 'idle' };
  private readonly recorder: BaselineRecorder;
  private readonly policy: ProbationPolicy;
  private readonly clock: Clock;
  private readonly probeFn: () => Promise<number>;
  private offs: (() => void)[] = [];
  private loop: AbortController | undefined;

  constructor(private readonly deps: ProbationDeps) {
    const c = deps.config;
    this.policy = { ...policyFromConfig(c), ...deps.policy };
    this.clock = deps.clock ?? systemClock;
    this.recorder = new BaselineRecorder(c.analysisWindowMs, this.policy.minRequests);
    this.probeFn = deps.probe ?? (() => probe(c.appPort, c.healthPath, Math.max(500, Math.min(2000, c.healthIntervalMs * 2))));
    if (deps.registry) registerProbationMetrics(deps.registry, { live: () => this.live(), status: () => this.status() });
  }

  start(): void {
    if (this.offs.length) return;
    const { events, traffic, config, logger } = this.deps;
    if (config.probationMs <= 0) {
      logger.info({ event: 'probation_disabled' }, 'probation analysis disabled (MOLT_PROBATION=0): no request observer, no automatic rollback on metrics');
      return;
    }
    this.offs.push(
      traffic.observe((s) => this.recorder.add(s)),
      events.on('update_started', (e) => this.onUpdateStarted(e.kind, e.fromSha)),
      events.on('update_succeeded', (e) => this.onUpdateSucceeded(e.id, e.kind, e.fromSha, e.toSha)),
      events.on('update_rolled_back', () => this.recorder.discard()),
      events.on('supervisor_stopping', () => this.end('supervisor is stopping')),
    );
  }

  stop(): void {
    for (const off of this.offs.splice(0)) off();
    this.end('probation controller stopped');
  }

  /** The console Status page's `probation` field. */
  status(): ProbationStatus | null {
    const now = this.clock.now();
    return statusOf(this.state, this.recorder.stats(now), now, this.policy);
  }

  /** Window of the release serving traffic now. */
  live(): WindowStats {
    return this.recorder.stats(this.clock.now());
  }

  private onUpdateStarted(kind: string, fromSha: string | null): void {
    if (this.state.kind === 'active') this.end(`superseded by a new ${kind}`);
    const now = this.clock.now();
    const b = this.recorder.freeze(fromSha, now);
    this.deps.logger.debug({ event: 'probation_baseline_recorded', sha: fromSha, errorRate: b.errorRate, p95Ms: b.p95Ms, requests: b.requests }, `baseline of ${short(fromSha)} recorded`);
  }

  private onUpdateSucceeded(id: number, kind: string, fromSha: string | null, toSha: string): void {
    const { config, logger, events } = this.deps;
    if (kind !== 'update' || this.state.kind === 'rolling_back') return;
    const baseline = this.recorder.baselineOf(fromSha);
    this.state = begin({ id, fromSha, toSha }, baseline, this.clock.now(), config.probationMs);
    const st = this.status()!;
    logger.info(
      { event: 'probation_started', id, fromSha, toSha, endsAt: st.endsAt, probationMs: config.probationMs, windowMs: config.analysisWindowMs, baselineP95Ms: st.baselineP95Ms, baselineErrorRate: st.baselineErrorRate, baselineRequests: baseline?.requests ?? 0 },
      `release ${short(toSha)} is on probation until ${st.endsAt}`,
    );
    events.emit('probation_started', { id, fromSha, toSha, endsAt: st.endsAt, baselineP95Ms: st.baselineP95Ms, baselineErrorRate: st.baselineErrorRate, baselineRequests: baseline?.requests ?? 0 });
    const ac = new AbortController();
    this.loop = ac;
    void this.run(ac.signal).catch((err: unknown) => {
      logger.error({ event: 'probation_loop_failed', error: toMoltError(err).toJSON() }, 'probation loop failed');
    });
  }

  /** Probe, evaluate, act; every healthIntervalMs until the probation is over or left `active`. */
  private async run(signal: AbortSignal): Promise<void> {
    const interval = this.deps.config.healthIntervalMs;
    while (this.state.kind === 'active' && !signal.aborted) {
      const status = await this.probeFn().catch(() => 0);
      if (signal.aborted || this.state.kind !== 'active') return;
      const now = this.clock.now();
      const next = tick(this.state, { now, stats: this.recorder.stats(now), probeStatus: status }, this.policy);
      this.state = next.state;
      for (const action of next.actions) await this.apply(action);
      if (this.state.kind !== 'active') return;
      await this.clock.sleep(Math.max(1, Math.min(interval, this.state.run.endsAt - now)), signal).catch(() => undefined);
    }
  }

  private async apply(action: ProbationAction): Promise<void> {
    const { logger, events } = this.deps;
    const run = this.state.kind === 'idle' ? undefined : this.state.run;
    if (!run) return;
    const d = action.details;
    if (action.type === 'alert') {
      logger.warn({ event: 'probation_alert', kind: action.reason.kind, toSha: run.toSha, ...numbers(d) }, action.reason.message);
      events.emit('alert', { kind: action.reason.kind, severity: 'warning', message: `release ${short(run.toSha)} on probation: ${action.reason.message}`, details: { ...d } });
      return;
    }
    if (action.type === 'passed') {
      logger.info({ event: 'probation_passed', id: run.id, toSha: run.toSha, alerts: run.alerts.length, ...numbers(d) }, `release ${short(run.toSha)} passed probation`);
      events.emit('probation_ended', { id: run.id, toSha: run.toSha, outcome: 'passed', details: d });
      return;
    }
    const reason = `probation: ${action.reasons.map((r) => r.message).join('; ')}`;
    logger.error({ event: 'probation_rollback', id: run.id, fromSha: run.fromSha, toSha: run.toSha, kinds: action.reasons.map((r) => r.kind), reason, ...numbers(d) }, `rolling back ${short(run.toSha)}: ${reason}`);
    events.emit('alert', { kind: action.reasons[0].kind, severity: 'critical', message: `release ${short(run.toSha)} is rolled back to ${short(run.fromSha)}: ${reason}`, details: { ...d } });
    if (!run.fromSha) return this.rollbackDone(false, d, 'no previous release to roll back to');
    // The engine stores `reason` and `details` (the measured numbers) in the rollback's history row.
    const cmd: RollbackCommand = { sha: run.fromSha, trigger: 'probation', actor: 'probation', reason, details: { ...d } };
    try {
      const { id, done } = await this.requestRollback(cmd);
      logger.info({ event: 'probation_rollback_requested', id: run.id, operationId: id, toSha: run.fromSha }, `rollback #${id} to ${short(run.fromSha)} started`);
      void done.then(
        (row) => this.rollbackDone(row.outcome === 'succeeded', d, row.outcome === 'succeeded' ? undefined : `rollback #${id} ended ${row.outcome}${row.error ? `: ${row.error.message}` : ''}`),
        (err: unknown) => this.rollbackDone(false, d, toMoltError(err).message),
      );
    } catch (err) {
      const e = toMoltError(err);
      logger.error({ event: 'probation_rollback_failed', code: e.code, error: e.message, toSha: run.fromSha }, `automatic rollback to ${short(run.fromSha)} was refused: ${e.message}`);
      events.emit('alert', { kind: action.reasons[0].kind, severity: 'critical', message: `automatic rollback of ${short(run.toSha)} was refused (${e.code}): ${e.message}; roll back manually with \`molt rollback ${short(run.fromSha)}\``, details: { ...d, code: e.code } });
      this.rollbackDone(false, d, `${e.code}: ${e.message}`);
    }
  }

  private async requestRollback(cmd: RollbackCommand): ReturnType<UpdateEngine['requestRollback']> {
    const { attempts, delayMs } = this.deps.retry ?? { attempts: 5, delayMs: 1000 };
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.deps.engine.requestRollback(cmd);
      } catch (err) {
        if (attempt >= attempts || !isMoltError(err, 'MOLT_E_UPDATE_IN_PROGRESS')) throw err;
        this.deps.logger.warn({ event: 'probation_rollback_retry', attempt, error: err.message }, `rollback refused (${err.message}); retrying in ${delayMs}ms`);
        await this.clock.sleep(delayMs);
      }
    }
  }

  private rollbackDone(ok: boolean, d: ProbationDetails, note?: string): void {
    if (this.state.kind !== 'rolling_back') return;
    const run = this.state.run;
    this.state = rollbackFinished(this.state, ok, this.clock.now(), note);
    this.deps.logger[ok ? 'info' : 'error']({ event: 'probation_ended', id: run.id, toSha: run.toSha, outcome: ok ? 'rolled_back' : 'rollback_failed', note }, ok ? `release ${short(run.toSha)} rolled back` : `automatic rollback of ${short(run.toSha)} failed: ${note}`);
    this.deps.events.emit('probation_ended', { id: run.id, toSha: run.toSha, outcome: ok ? 'rolled_back' : 'rollback_failed', note, details: d });
  }

  /** Ends an active probation without a verdict (shutdown, superseding update). */
  private end(note: string): void {
    this.loop?.abort();
    this.loop = undefined;
    if (this.state.kind !== 'active') return;
    const now = this.clock.now();
    const run = this.state.run;
    this.state = cancel(this.state, now, note);
    this.deps.logger.info({ event: 'probation_cancelled', id: run.id, toSha: run.toSha, note }, `probation of ${short(run.toSha)} cancelled: ${note}`);
    this.deps.events.emit('probation_ended', { id: run.id, toSha: run.toSha, outcome: 'cancelled', note });
  }
}

function numbers(d: ProbationDetails): Record<string, unknown> {
  return { errorRate: d.errorRate, p95Ms: d.p95Ms, baselineP95Ms: d.baselineP95Ms, requests: d.requests, errors: d.errors, healthFailStreak: d.healthFailStreak };
}
