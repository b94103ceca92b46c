import type { Logger } from '../core/logger.js';
import type { EventBus } from '../core/events.js';
import type { Clock } from '../core/clock.js';
import type { RestartPolicyConfig } from './restart-policy.js';
import type { AppCommand, Spawner } from './child-process.js';
import type { UpdateRequest } from './update-request.js';

/** The supervisor's lifecycle as data (reported by status(), shown by the console). */
export type SupervisorState =
  | { kind: 'idle' }
  | { kind: 'running'; pid: number; since: number }
  | { kind: 'backoff'; delayMs: number; until: number }
  | { kind: 'held'; reason: string; since: number }
  | { kind: 'stopping'; pid: number }
  | { kind: 'exited'; status: number };

export interface LogLine {
  time: number;
  source: 'app' | 'supervisor';
  stream: 'stdout' | 'stderr';
  line: string;
}

/** Called on exit code 10. It owns the app until it returns; it must leave the app started (startApp) or held. */
export type UpdateRequestHandler = (request: UpdateRequest | null, signal: AbortSignal) => Promise<void>;

export interface SupervisorDeps {
  config: RestartPolicyConfig & { stopTimeoutMs: number; appDir: string; dataDir: string };
  command: AppCommand;
  logger: Logger;
  events: EventBus;
  spawner: Spawner;
  clock: Clock;
  /** Environment of the app child (PORT etc.). */
  childEnv: () => Record<string, string | undefined>;
  /** Masks secrets in app output copied to our stdout. */
  redact?: (line: string) => string;
  random?: () => number;
}
