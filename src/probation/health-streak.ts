/** Consecutive failed health probes during probation (a 2xx ends a streak). */
export interface HealthStreak {
  probes: number;
  failures: number;
  consecutiveFailures: number;
  lastStatus: number | null;
}

export const initialHealthStreak: HealthStreak = { probes: 0, failures: 0, consecutiveFailures: 0, lastStatus: null };

/** status 0 = no connection or timeout; anything but 2xx is a failure. */
export function recordProbe(s: HealthStreak, status: number): HealthStreak {
  const ok = status >= 200 && status < 300;
  return {
    probes: s.probes + 1,
    failures: s.failures + (ok ? 0 : 1),
    consecutiveFailures: ok ? 0 : s.consecutiveFailures + 1,
    lastStatus: status,
  };
}
