import type { EventBus, MoltEvent } from '../../core/events.js';
import type { Logger } from '../../core/logger.js';
import { formatDuration } from '../../core/duration.js';
import type { Outbox } from './outbox.js';
import { applyCardEvent, cardFromRow, CARD_EVENTS, isFinal, type CardEvent, type UpdateCard } from './update-card.js';
import type { HistoryRow } from '../../update/api.js';
import { commitLine, esc, oneLine, renderAlert, renderCard, renderFinalNotice } from './render.js';

const CARDS_KEPT = 20;
const AUTOMATIC: readonly string[] = ['crash_loop', 'probation', 'recovery'];
/** An automatic rollback starting this soon after a crash-loop alert is reported as its answer. */
const CRASH_FOLLOW_MS = 60_000;

export const cardKey = (id: number) => `op:${id}`;

/**
 * Turns engine and supervisor events into chat messages: one progress card per operation (edited in place), a short
 * final notice under it, and clearly marked alerts. Listeners only enqueue into the outbox, so they never block the
 * engine that emits them.
 */
export class Notifier {
  private readonly cards = new Map<number, UpdateCard>();
  // rollback_failed is a card event: its card turns CRITICAL and a critical notice is posted under it.
  /** Chats that asked for an operation (a confirmed /rollback in a private chat) besides the notification chats. */
  private readonly extraChats = new Map<number, Set<number>>();
  private offs: (() => void)[] = [];
  private crash: { seq: number; at: number; restarts: number; windowMs: number } | undefined;

  constructor(private readonly deps: { events: EventBus; outbox: Outbox; chats: readonly number[]; logger: Logger; lookup?: (id: number) => HistoryRow | undefined }) {}

  start(): void {
    const { events } = this.deps;
    for (const type of CARD_EVENTS) this.offs.push(events.on(type, (e) => this.onCardEvent(e as CardEvent)));
    this.offs.push(events.on('crash_loop', (e) => this.onCrashLoop(e)));
    this.offs.push(events.on('recovery', (e) => this.onRecovery(e)));
    this.offs.push(events.on('alert', (e) => this.onAlert(e)));
    this.offs.push(events.on('release_available', (e) => this.onReleaseAvailable(e)));
    this.offs.push(events.on('restore_started', (e) => this.broadcast(renderAlert('warning', 'Restore started', `Backup <code>${esc(e.backupId)}</code> is being restored (${esc(e.trigger)} · ${esc(e.actor)}); the holding page covers the downtime.`), false)));
    this.offs.push(events.on('restore_finished', (e) => this.onRestoreFinished(e)));
  }

  stop(): void {
    for (const off of this.offs) off();
    this.offs = [];
  }

  /**
   * Makes `messageId` in `chatId` (a confirmed prompt) the progress card of operation `id` in that chat. Returns false
   * when the card already has its own message there (a notification chat), so the caller can point to it.
   */
  attach(id: number, chatId: number, messageId: number): boolean {
    const { outbox } = this.deps;
    const chats = this.extraChats.get(id) ?? new Set<number>();
    chats.add(chatId);
    this.extraChats.set(id, chats);
    if (outbox.has(chatId, cardKey(id))) return false;
    outbox.adopt(chatId, cardKey(id), messageId);
    const card = this.cards.get(id);
    if (card) outbox.post({ chatId, key: cardKey(id), text: renderCard(card), critical: this.critical(card) });
    return true;
  }

  private targets(id: number): number[] {
    return [...new Set([...this.deps.chats, ...(this.extraChats.get(id) ?? [])])];
  }

  private critical(card: UpdateCard): boolean {
    return card.outcome.kind === 'rollback_failed' || card.outcome.kind === 'rolled_back' || (card.kind === 'rollback' && AUTOMATIC.includes(card.trigger));
  }

  private onCardEvent(event: CardEvent): void {
    const prev = this.cards.get(event.id);
    const row = !prev && event.type !== 'update_started' ? this.deps.lookup?.(event.id) : undefined;
    const card = applyCardEvent(prev ?? (row ? cardFromRow(row, event.time) : undefined), event);
    this.cards.delete(event.id);
    this.cards.set(event.id, card);
    if (this.cards.size > CARDS_KEPT) {
      const oldest = this.cards.keys().next().value as number;
      this.cards.delete(oldest);
      this.extraChats.delete(oldest);
    }
    if (event.type === 'update_started' && this.crash && AUTOMATIC.includes(card.trigger) && card.kind === 'rollback' && event.time - this.crash.at < CRASH_FOLLOW_MS) {
      this.postCrash(card);
      this.crash = { ...this.crash, at: -Infinity }; // answered: later rollbacks are not attributed to this crash loop
    }
    const text = renderCard(card);
    const critical = this.critical(card);
    for (const chatId of this.targets(card.id)) {
      this.deps.outbox.post({ chatId, key: cardKey(card.id), text, critical });
      if (isFinal(card) && !(prev && isFinal(prev))) {
        this.deps.outbox.post({ chatId, text: renderFinalNotice(card), critical, replyToKey: cardKey(card.id) });
      }
    }
  }

  private broadcast(text: string, critical: boolean): void {
    for (const chatId of this.deps.chats) this.deps.outbox.post({ chatId, text, critical });
  }

  private onCrashLoop(e: Extract<MoltEvent, { type: 'crash_loop' }>): void {
    this.crash = { seq: (this.crash?.seq ?? 0) + 1, at: e.time, restarts: e.restarts, windowMs: e.windowMs };
    this.postCrash(null);
  }

  /** The crash-loop alert, edited in place when the engine answers it with an automatic rollback. */
  private postCrash(rollback: UpdateCard | null): void {
    const c = this.crash!;
    const body =
      `The app exited ${c.restarts} times in a row, each within ${formatDuration(c.windowMs)} of starting (repeated start failures).\n` +
      (rollback
        ? `🔁 <b>Automatic rollback</b> #${rollback.id} to ${commitLine(rollback.toSha, rollback.toSubject)} started (the release was on probation) — progress below.`
        : 'No automatic rollback has started: molt rolls back only a release still on probation; otherwise it keeps restarting with backoff. ' +
          'Use /logs to see why, /history to pick a good release and /rollback &lt;sha&gt; to go back.');
    for (const chatId of this.deps.chats) this.deps.outbox.post({ chatId, key: `crash:${c.seq}`, text: renderAlert('critical', 'App is crash-looping', body), critical: true });
  }

  private onRecovery(e: Extract<MoltEvent, { type: 'recovery' }>): void {
    const action = { resumed: 'resumed it', rolled_back: 'rolled it back', reapplied: 're-applied it' }[e.action] ?? esc(e.action);
    const body = `Operation #${e.id} was interrupted (molt restarted${e.step ? ` during <b>${esc(e.step)}</b>` : ''}). molt ${action} (attempt ${e.attempts}).`;
    this.broadcast(renderAlert('critical', 'Recovery after restart', body), true);
  }

  private onReleaseAvailable(e: Extract<MoltEvent, { type: 'release_available' }>): void {
    const when = e.applyAfter ? `molt applies it automatically after ${esc(e.applyAfter.replace('T', ' ').slice(0, 16))} UTC${e.canary ? ' (this instance is a canary)' : ''}.` : 'Send /update to apply it.';
    this.broadcast(`🆕 New release available: ${commitLine(e.sha, e.subject)}\n${when}`, false);
  }

  private onRestoreFinished(e: Extract<MoltEvent, { type: 'restore_finished' }>): void {
    if (e.outcome !== 'succeeded') return; // failures arrive as a critical `restore_failed` alert
    this.broadcast(`✅ Backup <code>${esc(e.backupId)}</code> restored in ${formatDuration(e.durationMs)}${e.safetyBackupId ? ` (safety backup <code>${esc(e.safetyBackupId)}</code>)` : ''}.`, false);
  }

  private onAlert(e: Extract<MoltEvent, { type: 'alert' }>): void {
    // The engine raises this alongside `rollback_failed`, whose card already says it in CRITICAL.
    if (e.kind === 'rollback_failed' && typeof e.details?.id === 'number' && this.cards.has(e.details.id)) return;
    const details = Object.entries(e.details ?? {})
      .slice(0, 8)
      .map(([k, v]) => `${esc(k)}: <code>${esc(oneLine(typeof v === 'string' ? v : JSON.stringify(v) ?? String(v), 120))}</code>`);
    const title = e.kind.replace(/[_-]+/g, ' ');
    this.broadcast(renderAlert(e.severity, title, [esc(oneLine(e.message, 600)), ...details].join('\n')), e.severity === 'critical');
  }
}
