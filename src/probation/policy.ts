import type { Config } from '../config/schema.js';
import type { WindowStats } from './sliding-window.js';

export type ProbationAlertKind = 'probation_error_rate' | 'probation_latency' | 'probation_health';

export interface ProbationPolicy {
  /** Error share (5xx + connection failures) above which the release is rolled back. */
  rollbackErrorRate: number;
  /** Error share above which an alert is raised. */
  alertErrorRate: number;
  /** Requests the window needs before any rate or latency verdict. */
  minRequests: number;
  /** p95 (ms) above which an alert is raised. */
  alertP95Ms: number;
  /** p95 above this multiple of the baseline p95 rolls back. */
  rollbackP95Factor: number;
  /** Consecutive failed probes that alert; twice as many roll back. */
  healthFails: number;
  /** A p95 regression must also be at least this many ms, so 1 ms → 3 ms on loopback is not "3× slower". */
  minP95DeltaMs: number;
}

/** The previous release's numbers over its last window before the update. */
export interface Baseline {
  sha: string | null;
  errorRate: number;
  /** null when that window had no answered requests. */
  p95Ms: number | null;
  requests: number;
  recordedAt: number;
}

export interface Reason {
  kind: ProbationAlertKind;
  severity: 'warning' | 'critical';
  message: string;
  value: number;
  threshold: number;
}

export type VerdictKind = 'ok' | 'alert' | 'rollback';
export interface Verdict {
  verdict: VerdictKind;
  reasons: Reason[];
}

export const DEFAULT_MIN_P95_DELTA_MS = 50;

export function policyFromConfig(c: Pick<Config, 'rollbackErrorRate' | 'alertErrorRate' | 'analysisMinRequests' | 'alertP95Ms' | 'rollbackP95Factor' | 'healthFails'>): ProbationPolicy {
  return {
    rollbackErrorRate: c.rollbackErrorRate,
    alertErrorRate: c.alertErrorRate,
    minRequests: c.analysisMinRequests,
    alertP95Ms: c.alertP95Ms,
    rollbackP95Factor: c.rollbackP95Factor,
    healthFails: c.healthFails,
    minP95DeltaMs: DEFAULT_MIN_P95_DELTA_MS,
  };
}

/** A baseline is comparable only when its own window had enough requests. */
export function usableBaselineP95(baseline: Baseline | null, policy: ProbationPolicy): number | null {
  return baseline && baseline.requests >= policy.minRequests && baseline.p95Ms !== null ? baseline.p95Ms : null;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const ms = (x: number) => `${Math.round(x)}ms`;

/**
 * Pure verdict over one window: rollback when any rollback rule fires, else alert when any alert rule fires.
 * Rate and latency rules need `minRequests` requests in the window (1 failure out of 2 is not a verdict);
 * the health rule counts consecutive failed probes and needs no traffic.
 */
export function evaluate(window: WindowStats, baseline: Baseline | null, policy: ProbationPolicy, healthFailStreak = 0): Verdict {
  const reasons: Reason[] = [];
  const secs = `${Math.round(window.windowMs / 1000)}s`;
  if (window.requests >= policy.minRequests) {
    const rate = window.errorRate;
    const counted = `(${window.errors} of ${window.requests} requests over the last ${secs})`;
    if (rate > policy.rollbackErrorRate) {
      reasons.push({ kind: 'probation_error_rate', severity: 'critical', value: rate, threshold: policy.rollbackErrorRate, message: `error rate ${pct(rate)} ${counted} exceeds MOLT_ROLLBACK_ERROR_RATE ${pct(policy.rollbackErrorRate)}` });
    } else if (rate > policy.alertErrorRate) {
      reasons.push({ kind: 'probation_error_rate', severity: 'warning', value: rate, threshold: policy.alertErrorRate, message: `error rate ${pct(rate)} ${counted} exceeds MOLT_ALERT_ERROR_RATE ${pct(policy.alertErrorRate)}` });
    }
    const p95 = window.p95Ms;
    const base = usableBaselineP95(baseline, policy);
    if (p95 !== null) {
      const limit = base === null ? null : base * policy.rollbackP95Factor;
      if (limit !== null && base !== null && p95 > limit && p95 - base >= policy.minP95DeltaMs) {
        reasons.push({ kind: 'probation_latency', severity: 'critical', value: p95, threshold: limit, message: `p95 latency ${ms(p95)} is ${(p95 / Math.max(base, 1e-9)).toFixed(1)}× the previous release's ${ms(base)} (MOLT_ROLLBACK_P95_FACTOR ${policy.rollbackP95Factor})` });
      } else if (p95 > policy.alertP95Ms) {
        reasons.push({ kind: 'probation_latency', severity: 'warning', value: p95, threshold: policy.alertP95Ms, message: `p95 latency ${ms(p95)} over the last ${secs} exceeds MOLT_ALERT_P95_MS ${policy.alertP95Ms}ms` });
      }
    }
  }
  if (healthFailStreak >= 2 * policy.healthFails) {
    reasons.push({ kind: 'probation_health', severity: 'critical', value: healthFailStreak, threshold: 2 * policy.healthFails, message: `${healthFailStreak} health probes failed in a row (rollback at 2 × MOLT_HEALTH_FAILS = ${2 * policy.healthFails})` });
  } else if (healthFailStreak >= policy.healthFails) {
    reasons.push({ kind: 'probation_health', severity: 'warning', value: healthFailStreak, threshold: policy.healthFails, message: `${healthFailStreak} health probes failed in a row (MOLT_HEALTH_FAILS ${policy.healthFails})` });
  }
  const verdict: VerdictKind = reasons.some((r) => r.severity === 'critical') ? 'rollback' : reasons.length ? 'alert' : 'ok';
  return { verdict, reasons };
}
