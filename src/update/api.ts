/**
 * The update engine's public contract. Control surfaces (admin HTTP, CLI, Telegram, auto-updater, probation) and
 * the supervisor talk to the engine only through this interface and the events declared below.
 */
export type Trigger = 'app' | 'web' | 'telegram' | 'cli' | 'auto' | 'recovery' | 'probation' | 'crash_loop';
export type Outcome = 'running' | 'succeeded' | 'rolled_back' | 'failed' | 'refused';
export type OperationKind = 'update' | 'rollback' | 'recovery' | 'restore' | 'backup' | 'drill';

export interface StepTiming {
  step: string;
  status: 'done' | 'skipped' | 'failed';
  startedAt: string;
  durationMs: number;
  detail?: string;
}

export interface OperationError {
  code: string;
  message: string;
  step?: string;
  outputTail?: string[];
}

/** One row of history (same field names in `molt history --json`, `GET /api/history`, Telegram /history). */
export interface HistoryRow {
  id: number;
  kind: OperationKind;
  trigger: Trigger;
  actor: string;
  fromSha: string | null;
  toSha: string | null;
  fromSubject: string | null;
  toSubject: string | null;
  outcome: Outcome;
  startedAt: string;
  finishedAt: string | null;
  steps: StepTiming[];
  error: OperationError | null;
  /** Free-form measurements (probation numbers, data window discarded by a forced rollback, ...). */
  details?: Record<string, unknown>;
}

export interface CommitInfo {
  sha: string;
  subject: string;
  author: string;
  date: string;
}

export interface PendingReleases {
  currentSha: string;
  targetSha: string;
  branch: string;
  commits: CommitInfo[];
  lockfileChanged: boolean;
  migrationsChanged: boolean;
}

export interface RunningOperation {
  id: number;
  kind: OperationKind;
  step: string;
  fromSha: string | null;
  toSha: string | null;
  startedAt: string;
}

export interface UpdateCommand {
  ref?: string;
  sha?: string;
  trigger: Trigger;
  actor: string;
  reason?: string;
  /** Re-apply even when the target equals the current release. */
  force?: boolean;
  /** Measurements or context recorded in the history row's `details`. */
  details?: Record<string, unknown>;
}

export interface RollbackCommand {
  sha: string;
  trigger: Trigger;
  actor: string;
  /** Restore the target's backup even when a down migration is missing (discards newer data). */
  force?: boolean;
  reason?: string;
  /** Measurements recorded in the history row's `details` (probation: error rate, p95, baseline, requests). */
  details?: Record<string, unknown>;
}

export interface UpdateEngine {
  /** Validates, takes the update lock and starts the transaction in the background. Rejects with MoltError
   * (MOLT_E_UPDATE_IN_PROGRESS, MOLT_E_REF_INVALID, MOLT_E_REF_UNKNOWN, MOLT_E_SAME_RELEASE, ...) before anything changed. */
  requestUpdate(cmd: UpdateCommand): Promise<{ id: number; done: Promise<HistoryRow> }>;
  requestRollback(cmd: RollbackCommand): Promise<{ id: number; done: Promise<HistoryRow> }>;
  /** The release the app runs (last committed). */
  current(): { sha: string; subject: string; author: string; date: string } | null;
  running(): RunningOperation | null;
  pending(signal?: AbortSignal): Promise<PendingReleases>;
  history(limit?: number): HistoryRow[];
  /** Describes a commit (for confirmations); MOLT_E_REF_UNKNOWN if absent. */
  describe(shaOrRef: string): Promise<CommitInfo>;
  /** Pins: shas automatic updates must not apply (manual rollback, automatic rollback). */
  pinned(): { sha: string; reason: string; since: string }[];
  unpin(sha: string, actor: string): void;
}

declare module '../core/events.js' {
  interface MoltEventMap {
    update_started: { id: number; kind: OperationKind; trigger: Trigger; actor: string; fromSha: string | null; toSha: string; toSubject: string | null; commits: CommitInfo[] };
    update_step: { id: number; step: string; status: 'started' | 'done' | 'skipped' | 'failed'; durationMs?: number; detail?: string };
    update_succeeded: { id: number; kind: OperationKind; fromSha: string | null; toSha: string; durationMs: number };
    update_rolled_back: { id: number; kind: OperationKind; fromSha: string | null; toSha: string | null; failedStep: string; error: OperationError; durationMs: number };
    rollback_failed: { id: number; error: OperationError; severity: 'critical' };
    recovery: { id: number; action: 'resumed' | 'rolled_back' | 'reapplied'; step?: string; attempts: number };
    /** A condition an admin should see (Telegram, console); `severity: 'critical'` is marked clearly. */
    alert: { kind: string; severity: 'info' | 'warning' | 'critical'; message: string; details?: Record<string, unknown> };
  }
}
