import type { Logger } from '../../core/logger.js';
import type { Clock } from '../../core/clock.js';
import { backoffMs, classifyFailure, withTimeout } from './api-errors.js';
import type { ApiCall, InlineKeyboard, TelegramTuning } from './types.js';

export interface OutMessage {
  chatId: number;
  /** Logical message identity: a later post with the same key edits that message (and replaces a still-queued text). */
  key?: string;
  /** HTML (parse_mode HTML); callers escape user data. */
  text: string;
  /** Critical messages survive queue overflow (the oldest non-critical goes first). */
  critical?: boolean;
  /** Inline keyboard; omitted on an edit removes it. */
  keyboard?: InlineKeyboard;
  /** Reply to the message sent under this key (same chat), e.g. a final notice under its progress card. */
  replyToKey?: string;
  /** Reply to a known message id (a user's command in a group). */
  replyToMessageId?: number;
}

interface Sent {
  messageId: number;
  text: string;
  keyboard: string;
}

const KEYS_KEPT = 500;

/**
 * Bounded, ordered delivery of bot messages. post() is synchronous and never throws, so event listeners (and thus
 * update transactions) are never blocked or failed by Telegram.
 * INVARIANTS:
 * - one worker (`pump`) sends at a time, in FIFO order; the item in flight is not in `queue`;
 * - `queue.length <= capacity` after every post() (a failed in-flight item coming back can make it capacity + 1);
 * - for a key, at most one queued item exists: a newer post replaces its text (edits are coalesced);
 * - a retried item goes back to the head of the queue, merged with any newer post of the same key.
 */
export class Outbox {
  private readonly queue: OutMessage[] = [];
  private readonly sent = new Map<string, Sent>();
  private readonly stopper = new AbortController();
  private pumping = false;
  private outage: { since: number; attempts: number } | undefined;
  private idleWaiters: (() => void)[] = [];
  dropped = 0;
  delivered = 0;

  constructor(
    private readonly deps: { call: ApiCall; logger: Logger; clock: Clock; tuning: TelegramTuning; token: string | undefined },
  ) {}

  post(msg: OutMessage): void {
    if (this.stopper.signal.aborted) return;
    if (msg.key !== undefined) {
      const queued = this.queue.find((q) => q.chatId === msg.chatId && q.key === msg.key);
      if (queued) {
        queued.text = msg.text;
        queued.keyboard = msg.keyboard;
        queued.critical = queued.critical || msg.critical;
        return;
      }
    }
    if (this.queue.length >= this.deps.tuning.queueCapacity) this.dropOne();
    this.queue.push({ ...msg });
    void this.pump();
  }

  /** Registers an existing message (e.g. a confirmation prompt) under a key, so later posts edit it. */
  adopt(chatId: number, key: string, messageId: number, text = ''): void {
    this.remember(chatId, key, { messageId, text, keyboard: '' });
  }

  /** True when something was sent or is queued under this key. */
  has(chatId: number, key: string): boolean {
    return this.sent.has(`${chatId}|${key}`) || this.queue.some((q) => q.chatId === chatId && q.key === key);
  }

  get size(): number {
    return this.queue.length;
  }

  /** Resolves when nothing is queued or in flight. */
  whenIdle(): Promise<void> {
    if (!this.pumping && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Gives queued messages up to flushMs, then aborts whatever is in flight. */
  async stop(flushMs: number): Promise<void> {
    if (this.stopper.signal.aborted) return;
    const flush = new AbortController();
    await Promise.race([this.whenIdle(), this.deps.clock.sleep(flushMs, flush.signal).catch(() => {})]);
    flush.abort();
    const left = this.queue.length;
    this.stopper.abort(new Error('telegram bot stopping'));
    this.queue.length = 0;
    if (left) this.deps.logger.warn({ event: 'telegram_queue_discarded', count: left }, `discarded ${left} unsent Telegram message(s) at shutdown`);
  }

  private dropOne(): void {
    let i = this.queue.findIndex((q) => !q.critical);
    const critical = i === -1;
    if (critical) i = 0;
    const [gone] = this.queue.splice(i, 1);
    this.dropped++;
    const rec = { event: 'telegram_queue_dropped', chatId: gone.chatId, key: gone.key ?? null, critical, capacity: this.deps.tuning.queueCapacity };
    if (critical) this.deps.logger.error(rec, 'Telegram queue full of critical messages: dropped the oldest');
    else this.deps.logger.warn(rec, 'Telegram queue full: dropped the oldest non-critical message');
  }

  private remember(chatId: number, key: string, s: Sent): void {
    const k = `${chatId}|${key}`;
    this.sent.delete(k);
    this.sent.set(k, s);
    if (this.sent.size > KEYS_KEPT) this.sent.delete(this.sent.keys().next().value as string);
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    const { logger, clock, tuning, token } = this.deps;
    const signal = this.stopper.signal;
    try {
      while (this.queue.length && !signal.aborted) {
        const item = this.queue.shift()!;
        try {
          await this.deliver(item, signal);
          this.delivered++;
          if (this.outage) {
            logger.info({ event: 'telegram_available', outageMs: clock.now() - this.outage.since, failedAttempts: this.outage.attempts, queued: this.queue.length }, 'Telegram reachable again; sending queued messages');
            this.outage = undefined;
          }
        } catch (err) {
          if (signal.aborted) break;
          const f = classifyFailure(err, token);
          if (f.kind === 'not_modified') continue;
          if (f.kind === 'reject') {
            if (item.key !== undefined) this.sent.delete(`${item.chatId}|${item.key}`); // the next post sends a new message
            logger.error({ event: 'telegram_send_rejected', code: 'MOLT_E_TELEGRAM', chatId: item.chatId, key: item.key ?? null, status: f.status, error: f.message }, `Telegram rejected a message (${f.status}): check TELEGRAM_CHAT_IDS and that the bot is a member of the chat`);
            continue;
          }
          this.requeue(item);
          const attempts = (this.outage?.attempts ?? 0) + 1;
          const delay = f.afterMs ?? backoffMs(attempts, tuning.backoffInitialMs, tuning.backoffMaxMs);
          const rec = { event: 'telegram_unavailable', code: 'MOLT_E_TELEGRAM', status: f.status, error: f.message, attempt: attempts, retryInMs: delay, queued: this.queue.length };
          if (!this.outage) logger.warn(rec, 'Telegram API unavailable; notifications are queued and retried (updates are not affected)');
          else logger.debug(rec, 'Telegram API still unavailable');
          this.outage = { since: this.outage?.since ?? clock.now(), attempts };
          await clock.sleep(delay, signal).catch(() => {});
        }
      }
    } finally {
      this.pumping = false;
      if (this.queue.length === 0 || signal.aborted) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const w of waiters) w();
      }
    }
  }

  /** Puts a failed item back at the head, merged with a newer post of the same key (the newest text wins). */
  private requeue(item: OutMessage): void {
    if (item.key !== undefined) {
      const i = this.queue.findIndex((q) => q.chatId === item.chatId && q.key === item.key);
      if (i !== -1) {
        const [newer] = this.queue.splice(i, 1);
        item = { ...item, text: newer.text, keyboard: newer.keyboard, critical: item.critical || newer.critical };
      }
    }
    this.queue.unshift(item);
  }

  private async deliver(item: OutMessage, stop: AbortSignal): Promise<void> {
    const { call, tuning } = this.deps;
    const keyboard = item.keyboard ? JSON.stringify(item.keyboard) : '';
    const markup = item.keyboard ? { inline_keyboard: item.keyboard } : undefined;
    const prev = item.key !== undefined ? this.sent.get(`${item.chatId}|${item.key}`) : undefined;
    const signal = withTimeout(stop, tuning.requestTimeoutMs);
    if (prev) {
      if (prev.text === item.text && prev.keyboard === keyboard) return;
      await call('editMessageText', { chat_id: item.chatId, message_id: prev.messageId, text: item.text, parse_mode: 'HTML', reply_markup: markup, link_preview_options: { is_disabled: true } }, signal);
      this.remember(item.chatId, item.key!, { messageId: prev.messageId, text: item.text, keyboard });
      return;
    }
    const replyTo = item.replyToKey !== undefined ? this.sent.get(`${item.chatId}|${item.replyToKey}`)?.messageId : item.replyToMessageId;
    const res = (await call(
      'sendMessage',
      {
        chat_id: item.chatId,
        text: item.text,
        parse_mode: 'HTML',
        reply_markup: markup,
        link_preview_options: { is_disabled: true },
        reply_parameters: replyTo !== undefined ? { message_id: replyTo, allow_sending_without_reply: true } : undefined,
      },
      signal,
    )) as { message_id?: number };
    if (item.key !== undefined && typeof res?.message_id === 'number') this.remember(item.chatId, item.key, { messageId: res.message_id, text: item.text, keyboard });
  }
}
