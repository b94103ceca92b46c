import { initialHealthStreak, recordProbe, type HealthStreak } from './health-streak.js';
import { evaluate, usableBaselineP95, type Baseline, type ProbationPolicy, type Reason, type Verdict } from './policy.js';
import type { WindowStats } from './sliding-window.js';

export interface ProbationAlertRecord {
  kind: Reason['kind'];
  severity: Reason['severity'];
  message: string;
  time: number;
}

/** One probation: the release that committed (`toSha`) and the one it would roll back to (`fromSha`). */
export interface ProbationRun {
  id: number;
  fromSha: string | null;
  toSha: string;
  startedAt: number;
  endsAt: number;
  baseline: Baseline | null;
  health: HealthStreak;
  /** Alert kinds already announced in this run (one announcement per kind, no flapping spam). */
  alerted: Reason['kind'][];
  alerts: ProbationAlertRecord[];
  last: { at: number; stats: WindowStats; verdict: Verdict } | null;
}

export type ProbationOutcome = 'passed' | 'rolled_back' | 'rollback_failed' | 'cancelled';

export type ProbationState =
  | { kind: 'idle' }
  | { kind: 'active'; run: ProbationRun }
  | { kind: 'rolling_back'; run: ProbationRun; reasons: Reason[] }
  | { kind: 'ended'; run: ProbationRun; outcome: ProbationOutcome; endedAt: number; note?: string };

/** Numbers attached to alerts, the rollback reason and history rows. */
export interface ProbationDetails {
  errorRate: number;
  p95Ms: number | null;
  baselineP95Ms: number | null;
  baselineErrorRate: number | null;
  requests: number;
  errors: number;
  windowMs: number;
  healthFailStreak: number;
  fromSha: string | null;
  toSha: string;
}

export type ProbationAction =
  | { type: 'alert'; reason: Reason; details: ProbationDetails }
  | { type: 'rollback'; reasons: Reason[]; details: ProbationDetails }
  | { type: 'passed'; details: ProbationDetails };

export interface TickInput {
  now: number;
  stats: WindowStats;
  /** Status of the health probe made this tick (0 = no connection); undefined when none was made. */
  probeStatus?: number;
}

export function begin(e: { id: number; fromSha: string | null; toSha: string }, baseline: Baseline | null, now: number, durationMs: number): ProbationState {
  return {
    kind: 'active',
    run: { id: e.id, fromSha: e.fromSha, toSha: e.toSha, startedAt: now, endsAt: now + durationMs, baseline, health: initialHealthStreak, alerted: [], alerts: [], last: null },
  };
}

const round = (x: number, digits: number) => Number(x.toFixed(digits));

/** Rounded for people (Telegram, history): 4 digits of a rate, 0.1 ms of latency. */
export function detailsOf(run: ProbationRun, stats: WindowStats, policy: ProbationPolicy): ProbationDetails {
  const base = usableBaselineP95(run.baseline, policy);
  return {
    errorRate: round(stats.errorRate, 4),
    p95Ms: stats.p95Ms === null ? null : round(stats.p95Ms, 1),
    baselineP95Ms: base === null ? null : round(base, 1),
    baselineErrorRate: run.baseline && run.baseline.requests >= policy.minRequests ? round(run.baseline.errorRate, 4) : null,
    requests: stats.requests,
    errors: stats.errors,
    windowMs: stats.windowMs,
    healthFailStreak: run.health.consecutiveFailures,
    fromSha: run.fromSha,
    toSha: run.toSha,
  };
}

/**
 * One evaluation step of an active probation: records the probe, evaluates the window, announces new warnings,
 * and moves to rolling_back on a breach, or to ended/passed once the probation time is over.
 */
export function tick(state: ProbationState, input: TickInput, policy: ProbationPolicy): { state: ProbationState; actions: ProbationAction[] } {
  if (state.kind !== 'active') return { state, actions: [] };
  const health = input.probeStatus === undefined ? state.run.health : recordProbe(state.run.health, input.probeStatus);
  const verdict = evaluate(input.stats, state.run.baseline, policy, health.consecutiveFailures);
  let run: ProbationRun = { ...state.run, health, last: { at: input.now, stats: input.stats, verdict } };
  const details = detailsOf(run, input.stats, policy);
  const actions: ProbationAction[] = [];
  for (const reason of verdict.reasons) {
    if (reason.severity !== 'warning' || run.alerted.includes(reason.kind)) continue;
    run = { ...run, alerted: [...run.alerted, reason.kind], alerts: [...run.alerts, { kind: reason.kind, severity: reason.severity, message: reason.message, time: input.now }] };
    actions.push({ type: 'alert', reason, details });
  }
  if (verdict.verdict === 'rollback') {
    const reasons = verdict.reasons.filter((r) => r.severity === 'critical');
    run = { ...run, alerts: [...run.alerts, ...reasons.map((r) => ({ kind: r.kind, severity: r.severity, message: r.message, time: input.now }))] };
    return { state: { kind: 'rolling_back', run, reasons }, actions: [...actions, { type: 'rollback', reasons, details }] };
  }
  if (input.now >= run.endsAt) {
    return { state: { kind: 'ended', run, outcome: 'passed', endedAt: input.now }, actions: [...actions, { type: 'passed', details }] };
  }
  return { state: { kind: 'active', run }, actions };
}

/** The engine finished (or refused) the rollback requested by this probation. */
export function rollbackFinished(state: ProbationState, ok: boolean, now: number, note?: string): ProbationState {
  if (state.kind !== 'rolling_back') return state;
  return { kind: 'ended', run: state.run, outcome: ok ? 'rolled_back' : 'rollback_failed', endedAt: now, note };
}

/** Another update started while on probation: the new release gets its own probation once it commits. */
export function cancel(state: ProbationState, now: number, note: string): ProbationState {
  if (state.kind !== 'active') return state;
  return { kind: 'ended', run: state.run, outcome: 'cancelled', endedAt: now, note };
}
