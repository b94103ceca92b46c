import type { Config } from '../config/schema.js';
import type { Logger } from '../core/logger.js';
import type { EventBus } from '../core/events.js';
import type { Clock } from '../core/clock.js';
import type { TrafficControl } from '../traffic/api.js';
import type { ChildHandle } from '../supervisor/child-process.js';
import type { HistoryStore } from '../store/history-db.js';
import type { GitPort } from './git-port.js';
import type { ExecPort } from './exec-port.js';
import type { KillSwitch } from './kill-switch.js';
import type { Journal } from './journal.js';

/** What the engine needs from the supervisor: the app's lifecycle. */
export interface AppControl {
  stopApp(reason: string): Promise<unknown>;
  startApp(opts?: { fresh?: boolean }): ChildHandle | undefined;
  currentChild(): ChildHandle | undefined;
}

export interface EngineDeps {
  config: Config;
  logger: Logger;
  events: EventBus;
  clock: Clock;
  app: AppControl;
  traffic?: TrafficControl;
  git?: GitPort;
  exec?: ExecPort;
  store?: HistoryStore;
  /** Port the app listens on (health gate). Default: config.appPort. */
  healthPort?: () => number;
  /** Environment of install/build/migrate commands. Default: process.env. */
  env?: Record<string, string | undefined>;
  killSwitch?: KillSwitch;
  /** Signed-commit check (src/update/signature.ts); loaded dynamically when config.requireSigned and absent. */
  verifySignature?: (opts: { appDir: string; sha: string; allowedSigners: string }) => Promise<void>;
}

/** Resolved ports: every optional dependency filled in. */
export type Ports = Required<Omit<EngineDeps, 'verifySignature'>> & Pick<EngineDeps, 'verifySignature'>;

/** One running operation: its journal (the source of truth) and how to persist it. */
export interface OpContext {
  p: Ports;
  j: Journal;
  signal: AbortSignal;
  /** Absolute SQLite paths (MOLT_SQLITE_PATHS resolved). */
  sqlite: string[];
  save(): Promise<void>;
  /** The in-memory journal has news not yet written; the next save() carries it (see runStep). */
  dirty?: boolean;
  /** True when the app process `pid` already reported ready (SDK ready()) since it started. */
  appReady(pid: number): boolean;
  /** Runs before the final event, so listeners reading engine.current() see the release now running. */
  settle(): Promise<void>;
  /** The journal's first write already recorded this step as started (begin): its start needs no write of its own. */
  journaledStart?: string;
  /** Proved by this process's preflight: nothing for `git clean` in the tree it saw, and no .gitignore changes between
   * the releases. Checkout skips `git clean` only with this and `treeUnchanged` (see docs/update-engine.md). */
  nothingToClean?: () => Promise<boolean>;
  /** The backup found the stopped tree identical to the commit-time fingerprint (its tarball kept). */
  treeUnchanged?: boolean;
}

export interface StepOutcome {
  skipped?: boolean;
  detail?: string;
}

export type StepExecutor = (ctx: OpContext) => Promise<StepOutcome | void>;

/** Read-only look before a step is journaled: a result means "nothing to do" (recorded as skipped). */
export type StepPrecheck = (ctx: OpContext) => Promise<StepOutcome | null>;
