/** Restart decisions as a pure function of (state, exit, config): unit-testable without processes or time. */
export interface RestartPolicyConfig {
  restart: 'on-failure' | 'always' | 'never';
  backoffInitialMs: number;
  backoffMaxMs: number;
  minUptimeMs: number;
  crashLoopRestarts: number;
}

export interface RestartState {
  /** Restarts since the supervisor started (metrics, status). */
  restarts: number;
  /** Exits in a row whose uptime was below min uptime. */
  shortRuns: number;
}

export const initialRestartState: RestartState = { restarts: 0, shortRuns: 0 };

export interface AppExit {
  status: number;
  uptimeMs: number;
  /** The app asked to be restarted (exit 10 handled without an update): restart whatever the policy says. */
  requested?: boolean;
}

export type RestartDecision =
  | { action: 'restart'; delayMs: number; state: RestartState; crashLoop: boolean }
  | { action: 'exit'; status: number; state: RestartState };

/** Delay before the n-th consecutive restart: initial·2^(n-1), capped, ±20 % jitter, never above the cap. */
export function backoffDelay(shortRuns: number, cfg: RestartPolicyConfig, random: () => number = Math.random): number {
  const exp = Math.min(shortRuns - 1, 40);
  const base = Math.min(cfg.backoffInitialMs * 2 ** Math.max(0, exp), cfg.backoffMaxMs);
  const jittered = base * (0.8 + 0.4 * random());
  return Math.round(Math.min(jittered, cfg.backoffMaxMs));
}

/**
 * Why a pure function: every branch (policy, backoff growth, reset after min uptime, crash loop) is tested without
 * processes or clocks. Short runs in a row grow the delay; a run of at least min uptime resets it. A requested
 * restart after a long enough run is immediate; requested restarts in a tight loop back off like crashes.
 */
export function decideRestart(state: RestartState, exit: AppExit, cfg: RestartPolicyConfig, random: () => number = Math.random): RestartDecision {
  const clean = exit.status === 0;
  if (!exit.requested && (cfg.restart === 'never' || (clean && cfg.restart === 'on-failure'))) return { action: 'exit', status: exit.status, state };
  const shortRuns = exit.uptimeMs >= cfg.minUptimeMs ? 0 : state.shortRuns + 1;
  const next: RestartState = { restarts: state.restarts + 1, shortRuns };
  const looping = shortRuns >= cfg.crashLoopRestarts;
  const crashLoop = looping && shortRuns % cfg.crashLoopRestarts === 0;
  const delayMs = exit.requested && shortRuns === 0 ? 0 : backoffDelay(looping ? Number.MAX_SAFE_INTEGER : Math.max(1, shortRuns), cfg, random);
  return { action: 'restart', delayMs, state: next, crashLoop };
}
