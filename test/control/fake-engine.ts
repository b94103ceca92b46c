import type { EventBus } from '../../src/core/events.js';
import { MoltError } from '../../src/core/errors.js';
import type { CommitInfo, HistoryRow, PendingReleases, RollbackCommand, RunningOperation, UpdateCommand, UpdateEngine } from '../../src/update/api.js';

const sha = (n: number) => n.toString(16).padStart(40, 'a');

/**
 * An in-test stand-in for the update engine (the admin API is the thing under test, not the engine): it plays the
 * engine's event sequence for each operation, gated by `release()` so tests can observe a running update.
 */
export class FakeEngine implements UpdateEngine {
  rows: HistoryRow[] = [];
  commands: (UpdateCommand | RollbackCommand)[] = [];
  head: CommitInfo = { sha: sha(1), subject: 'initial release', author: 'Molt Test', date: '2026-01-01T00:00:00Z' };
  readonly tip: CommitInfo = { sha: sha(2), subject: 'second release', author: 'Molt Test', date: '2026-01-02T00:00:00Z' };
  failNext = false;
  private op: RunningOperation | null = null;
  private gate: (() => void) | undefined;
  private nextId = 1;

  constructor(private readonly events: EventBus) {}

  /** Lets the running operation finish. */
  release(): void {
    this.gate?.();
  }

  async requestUpdate(cmd: UpdateCommand): Promise<{ id: number; done: Promise<HistoryRow> }> {
    if (this.op) throw new MoltError('MOLT_E_UPDATE_IN_PROGRESS', `update ${this.op.id} is running; wait for it to finish`);
    if (cmd.ref === 'nope') throw new MoltError('MOLT_E_REF_UNKNOWN', 'ref "nope" does not exist on origin');
    this.commands.push(cmd);
    return this.run('update', cmd.trigger, cmd.actor, this.tip);
  }

  async requestRollback(cmd: RollbackCommand): Promise<{ id: number; done: Promise<HistoryRow> }> {
    if (this.op) throw new MoltError('MOLT_E_UPDATE_IN_PROGRESS', 'an update is running');
    if (cmd.sha.startsWith('dead') && !cmd.force) throw new MoltError('MOLT_E_DOWN_MIGRATION_MISSING', 'down migration 003 is missing: use force to restore the backup (discards newer data)');
    this.commands.push(cmd);
    return this.run('rollback', cmd.trigger, cmd.actor, { ...this.head, sha: cmd.sha });
  }

  private async run(kind: 'update' | 'rollback', trigger: UpdateCommand['trigger'], actor: string, to: CommitInfo) {
    const id = this.nextId++;
    const startedAt = new Date().toISOString();
    const row: HistoryRow = { id, kind, trigger, actor, fromSha: this.head.sha, toSha: to.sha, fromSubject: this.head.subject, toSubject: to.subject, outcome: 'running', startedAt, finishedAt: null, steps: [], error: null };
    this.rows.unshift(row);
    this.op = { id, kind, step: 'backup', fromSha: this.head.sha, toSha: to.sha, startedAt };
    const fail = this.failNext;
    this.failNext = false;
    const done = (async () => {
      this.events.emit('update_started', { id, kind, trigger, actor, fromSha: this.head.sha, toSha: to.sha, toSubject: to.subject, commits: [to] });
      for (const step of ['backup', 'fetch', 'install']) {
        this.op!.step = step;
        this.events.emit('update_step', { id, step, status: 'started' });
        if (step === 'fetch') await new Promise<void>((r) => (this.gate = r));
        this.events.emit('update_step', { id, step, status: step === 'install' && fail ? 'failed' : 'done', durationMs: 5 });
        row.steps.push({ step, status: step === 'install' && fail ? 'failed' : 'done', startedAt, durationMs: 5 });
      }
      row.finishedAt = new Date().toISOString();
      this.op = null;
      if (fail) {
        row.outcome = 'rolled_back';
        row.error = { code: 'MOLT_E_INSTALL', message: 'npm ci failed', step: 'install', outputTail: ['npm ERR! boom'] };
        this.events.emit('update_rolled_back', { id, kind, fromSha: row.fromSha, toSha: row.toSha, failedStep: 'install', error: row.error, durationMs: 15 });
      } else {
        row.outcome = 'succeeded';
        this.head = to;
        this.events.emit('update_succeeded', { id, kind, fromSha: row.fromSha, toSha: to.sha, durationMs: 15 });
      }
      return row;
    })();
    return { id, done };
  }

  current() {
    return this.head;
  }
  running() {
    return this.op;
  }
  async pending(): Promise<PendingReleases> {
    const commits = this.head.sha === this.tip.sha ? [] : [this.tip];
    return { currentSha: this.head.sha, targetSha: this.tip.sha, branch: 'main', commits, lockfileChanged: true, migrationsChanged: false };
  }
  history(limit = 50): HistoryRow[] {
    return this.rows.slice(0, limit);
  }
  async describe(ref: string): Promise<CommitInfo> {
    if (ref === this.tip.sha) return this.tip;
    throw new MoltError('MOLT_E_REF_UNKNOWN', `${ref} is unknown`);
  }
  pinned() {
    return [];
  }
  unpin(): void {}
}
