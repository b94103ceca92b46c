import type { ProbationOutcome, ProbationState } from './lifecycle.js';
import { usableBaselineP95, type ProbationPolicy, type VerdictKind } from './policy.js';
import type { WindowStats } from './sliding-window.js';

/** What the console's Status page shows (GET /api/status `probation`). Times are ISO strings. */
export interface ProbationStatus {
  active: boolean;
  /** 'active' | 'rolling_back' while on probation, else the outcome of the last probation. */
  state: 'active' | 'rolling_back' | ProbationOutcome;
  fromSha: string | null;
  toSha: string;
  startedAt: string;
  endsAt: string;
  timeLeftMs: number;
  windowMs: number;
  errorRate: number;
  p95Ms: number | null;
  baselineP95Ms: number | null;
  baselineErrorRate: number | null;
  requests: number;
  healthFailStreak: number;
  verdict: VerdictKind;
  alerts: { kind: string; severity: 'warning' | 'critical'; message: string; time: string }[];
}

/** Live view: window numbers are computed now (not at the last tick); null before the first probation. */
export function statusOf(state: ProbationState, live: WindowStats, now: number, policy: ProbationPolicy): ProbationStatus | null {
  if (state.kind === 'idle') return null;
  const run = state.run;
  const active = state.kind === 'active' || state.kind === 'rolling_back';
  // After the end, show the numbers the decision was made on, not whatever the next release serves.
  const stats = active ? live : run.last?.stats ?? live;
  return {
    active,
    state: state.kind === 'ended' ? state.outcome : state.kind,
    fromSha: run.fromSha,
    toSha: run.toSha,
    startedAt: new Date(run.startedAt).toISOString(),
    endsAt: new Date(run.endsAt).toISOString(),
    timeLeftMs: state.kind === 'active' ? Math.max(0, run.endsAt - now) : 0,
    windowMs: stats.windowMs,
    errorRate: stats.errorRate,
    p95Ms: stats.p95Ms,
    baselineP95Ms: usableBaselineP95(run.baseline, policy),
    baselineErrorRate: run.baseline && run.baseline.requests >= policy.minRequests ? run.baseline.errorRate : null,
    requests: stats.requests,
    healthFailStreak: run.health.consecutiveFailures,
    verdict: state.kind === 'rolling_back' ? 'rollback' : run.last?.verdict.verdict ?? 'ok',
    alerts: run.alerts.map((a) => ({ ...a, time: new Date(a.time).toISOString() })),
  };
}
