import type { HistoryRow, OperationError, OperationKind, Outcome, StepTiming, Trigger } from '../update/api.js';

/** The part of the engine's HistoryStore (src/store/history-db.ts) a restore row needs. */
export interface OperationStore {
  insertOperation(op: { kind: OperationKind; trigger: Trigger; actor: string; fromSha: string | null; toSha: string | null; fromSubject: string | null; toSubject: string | null; startedAt: string }): number;
  updateOperation(id: number, patch: { outcome?: Outcome; finishedAt?: string | null; steps?: StepTiming[]; error?: OperationError | null; details?: Record<string, unknown> }): void;
}

/** Writes a finished restore into the shared history (same rows as updates: `molt history`, /api/history, Telegram). */
export function historyRecorder(store: OperationStore): (row: Omit<HistoryRow, 'id'>) => number {
  return (row) => {
    const id = store.insertOperation({ kind: row.kind, trigger: row.trigger, actor: row.actor, fromSha: row.fromSha, toSha: row.toSha, fromSubject: row.fromSubject, toSubject: row.toSubject, startedAt: row.startedAt });
    store.updateOperation(id, { outcome: row.outcome, finishedAt: row.finishedAt, steps: row.steps, error: row.error, details: row.details });
    return id;
  };
}
