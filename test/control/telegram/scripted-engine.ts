import { MoltError } from '../../../src/core/errors.js';
import type { EventBus } from '../../../src/core/events.js';
import type {
  CommitInfo,
  HistoryRow,
  OperationError,
  PendingReleases,
  RollbackCommand,
  RunningOperation,
  StepTiming,
  UpdateCommand,
  UpdateEngine,
} from '../../../src/update/api.js';

export interface Script {
  steps: string[];
  /** Step that fails; the operation then rolls back with `error`. */
  failAt?: string;
  error?: OperationError;
  /** Called before each step starts; the test releases the engine when it has seen what it wanted. */
  gate?: (step: string) => Promise<void>;
  /** Refuse the request up front (as the real engine does for a missing down migration, a lock, ...). */
  refuse?: MoltError;
}

export const commit = (n: number, subject: string): CommitInfo => ({
  sha: (n.toString(16).padStart(2, '0') + 'a1b2c3d4e5f60718293a4b5c6d7e8f9011223344').slice(0, 40),
  subject,
  author: 'Ada Admin <ada@example.org>',
  date: '2026-11-26T10:00:00Z',
});

/**
 * An UpdateEngine for bot conversation tests: it emits the engine's events on the real EventBus in the engine's
 * order (started → steps → succeeded | rolled_back) and records every request. The bot is the thing under test.
 */
export class ScriptedEngine implements UpdateEngine {
  readonly requests: (UpdateCommand | RollbackCommand)[] = [];
  readonly rows: HistoryRow[] = [];
  /** Call order of interesting moments, for ordering assertions. */
  readonly log: string[] = [];
  script: Script = { steps: ['backup', 'fetch', 'install', 'build', 'migrate', 'start', 'health'] };
  private cur: CommitInfo;
  private op: RunningOperation | null = null;
  private nextId = 1;

  constructor(
    private readonly events: EventBus,
    readonly commits: CommitInfo[],
    currentIndex = 0,
  ) {
    this.cur = commits[currentIndex];
  }

  current(): CommitInfo | null {
    return this.cur;
  }
  running(): RunningOperation | null {
    return this.op;
  }
  async pending(): Promise<PendingReleases> {
    const i = this.commits.indexOf(this.cur);
    const newer = this.commits.slice(i + 1).reverse();
    return { currentSha: this.cur.sha, targetSha: this.commits[this.commits.length - 1].sha, branch: 'main', commits: newer, lockfileChanged: false, migrationsChanged: true };
  }
  history(limit = 20): HistoryRow[] {
    return [...this.rows].reverse().slice(0, limit);
  }
  async describe(shaOrRef: string): Promise<CommitInfo> {
    this.log.push(`describe:${shaOrRef}`);
    const c = shaOrRef === 'main' ? this.commits[this.commits.length - 1] : this.commits.find((x) => x.sha.startsWith(shaOrRef.toLowerCase()));
    if (!c) throw new MoltError('MOLT_E_REF_UNKNOWN', `${shaOrRef} does not exist on the remote: run /history or check the sha`);
    return c;
  }
  pinned() {
    return [];
  }
  unpin(): void {}

  async requestUpdate(cmd: UpdateCommand) {
    return this.begin('update', cmd, cmd.sha ?? (await this.describe(cmd.ref ?? 'main')).sha);
  }
  async requestRollback(cmd: RollbackCommand) {
    return this.begin('rollback', cmd, cmd.sha);
  }

  private async begin(kind: 'update' | 'rollback', cmd: UpdateCommand | RollbackCommand, sha: string) {
    this.requests.push(cmd);
    if (this.script.refuse) throw this.script.refuse;
    if (this.op) throw new MoltError('MOLT_E_UPDATE_IN_PROGRESS', `operation #${this.op.id} is running`);
    const target = await this.describe(sha);
    const id = this.nextId++;
    const from = this.cur;
    this.op = { id, kind, step: 'queued', fromSha: from.sha, toSha: target.sha, startedAt: new Date().toISOString() };
    const done = this.execute(id, kind, cmd, from, target);
    return { id, done };
  }

  private async execute(id: number, kind: 'update' | 'rollback', cmd: UpdateCommand | RollbackCommand, from: CommitInfo, target: CommitInfo): Promise<HistoryRow> {
    const t0 = Date.now();
    const commits = kind === 'update' ? this.commits.slice(this.commits.indexOf(from) + 1, this.commits.indexOf(target) + 1).reverse() : [];
    this.events.emit('update_started', { id, kind, trigger: cmd.trigger, actor: cmd.actor, fromSha: from.sha, toSha: target.sha, toSubject: target.subject, commits });
    this.log.push(`started:${id}`);
    const steps: StepTiming[] = [];
    const s = this.script;
    let failed: string | undefined;
    for (const step of s.steps) {
      await s.gate?.(step);
      this.op = { ...this.op!, step };
      this.events.emit('update_step', { id, step, status: 'started' });
      await new Promise((r) => setImmediate(r));
      const status = step === s.failAt ? 'failed' : 'done';
      this.events.emit('update_step', { id, step, status, durationMs: 120 + steps.length });
      steps.push({ step, status, startedAt: new Date().toISOString(), durationMs: 120 + steps.length });
      if (status === 'failed') {
        failed = step;
        break;
      }
    }
    const durationMs = Date.now() - t0;
    const error = failed ? (s.error ?? { code: 'MOLT_E_INTERNAL', message: 'failed', step: failed }) : null;
    if (failed) this.events.emit('update_rolled_back', { id, kind, fromSha: from.sha, toSha: target.sha, failedStep: failed, error: error!, durationMs });
    else {
      this.cur = target;
      this.events.emit('update_succeeded', { id, kind, fromSha: from.sha, toSha: target.sha, durationMs });
    }
    this.log.push(`finished:${id}`);
    this.op = null;
    const row: HistoryRow = {
      id, kind, trigger: cmd.trigger, actor: cmd.actor, fromSha: from.sha, toSha: target.sha, fromSubject: from.subject, toSubject: target.subject,
      outcome: failed ? 'rolled_back' : 'succeeded', startedAt: new Date(t0).toISOString(), finishedAt: new Date().toISOString(), steps, error,
    };
    this.rows.push(row);
    return row;
  }
}
