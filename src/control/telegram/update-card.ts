import type { MoltEvent } from '../../core/events.js';
import type { CommitInfo, HistoryRow, OperationError, OperationKind, Trigger } from '../../update/api.js';

export interface CardStep {
  step: string;
  status: 'started' | 'done' | 'skipped' | 'failed';
  startedAt: number;
  durationMs?: number;
  detail?: string;
}

export type CardOutcome =
  | { kind: 'running' }
  | { kind: 'succeeded'; durationMs: number }
  | { kind: 'rolled_back'; failedStep: string; error: OperationError; durationMs: number }
  | { kind: 'rollback_failed'; error: OperationError };

/** Everything one progress message shows about one operation; built only from engine events. */
export interface UpdateCard {
  id: number;
  kind: OperationKind;
  trigger: Trigger;
  actor: string;
  fromSha: string | null;
  toSha: string;
  toSubject: string | null;
  commits: CommitInfo[];
  startedAt: number;
  steps: CardStep[];
  outcome: CardOutcome;
}

export type CardEvent = Extract<MoltEvent, { type: 'update_started' | 'update_step' | 'update_succeeded' | 'update_rolled_back' | 'rollback_failed' }>;

export const CARD_EVENTS = ['update_started', 'update_step', 'update_succeeded', 'update_rolled_back', 'rollback_failed'] as const;

/** Pure transition: the card after `event`. Events for an unknown operation (started before the bot) open a minimal card. */
export function applyCardEvent(card: UpdateCard | undefined, event: CardEvent): UpdateCard {
  const base: UpdateCard = card ?? {
    id: event.id,
    kind: 'kind' in event ? event.kind : 'update',
    trigger: 'trigger' in event ? event.trigger : 'recovery',
    actor: 'actor' in event ? event.actor : 'unknown',
    fromSha: 'fromSha' in event ? event.fromSha : null,
    toSha: 'toSha' in event && event.toSha ? event.toSha : '',
    toSubject: null,
    commits: [],
    startedAt: event.time,
    steps: [],
    outcome: { kind: 'running' },
  };
  switch (event.type) {
    case 'update_started':
      return { ...base, kind: event.kind, trigger: event.trigger, actor: event.actor, fromSha: event.fromSha, toSha: event.toSha, toSubject: event.toSubject, commits: event.commits, startedAt: event.time };
    case 'update_step':
      return { ...base, steps: upsertStep(base.steps, event) };
    case 'update_succeeded':
      return { ...base, outcome: { kind: 'succeeded', durationMs: event.durationMs } };
    case 'update_rolled_back':
      return { ...base, steps: markFailed(base.steps, event.failedStep), outcome: { kind: 'rolled_back', failedStep: event.failedStep, error: event.error, durationMs: event.durationMs } };
    case 'rollback_failed':
      return { ...base, outcome: { kind: 'rollback_failed', error: event.error } };
  }
}

function upsertStep(steps: CardStep[], e: Extract<CardEvent, { type: 'update_step' }>): CardStep[] {
  const i = steps.findLastIndex((s) => s.step === e.step);
  const prev = i === -1 ? undefined : steps[i];
  // A step that starts again (retry after recovery) gets a new row; a finishing step updates its row.
  if (!prev || (e.status === 'started' && prev.status !== 'started')) {
    return [...steps, { step: e.step, status: e.status, startedAt: e.time, durationMs: e.durationMs, detail: e.detail }];
  }
  const next = [...steps];
  next[i] = { ...prev, status: e.status, durationMs: e.durationMs ?? (e.status === 'started' ? undefined : e.time - prev.startedAt), detail: e.detail ?? prev.detail };
  return next;
}

function markFailed(steps: CardStep[], failedStep: string): CardStep[] {
  const i = steps.findLastIndex((s) => s.step === failedStep);
  if (i === -1 || steps[i].status === 'failed') return steps;
  const next = [...steps];
  next[i] = { ...steps[i], status: 'failed' };
  return next;
}

export function isFinal(card: UpdateCard): boolean {
  return card.outcome.kind !== 'running';
}

/** Seeds a card from the history row when an operation's first event here is not `update_started` (resumed after a restart). */
export function cardFromRow(row: HistoryRow, time: number): UpdateCard {
  return {
    id: row.id, kind: row.kind, trigger: row.trigger, actor: row.actor, fromSha: row.fromSha, toSha: row.toSha ?? '', toSubject: row.toSubject,
    commits: [], startedAt: Date.parse(row.startedAt) || time, steps: [], outcome: { kind: 'running' },
  };
}
