import type { Config } from '../../config/schema.js';
import type { Logger } from '../../core/logger.js';
import type { EventBus } from '../../core/events.js';
import type { Clock } from '../../core/clock.js';
import type { UpdateEngine } from '../../update/api.js';

/** What the bot needs to know about the app process (a view of the Supervisor, so /status works while the app is down). */
export interface AppView {
  status(): { state: { kind: string; reason?: string; delayMs?: number }; pid: number | null; up: boolean; restarts: number; since: number | null };
  /** Newest app log lines, oldest first. */
  recentLogs(n: number): { time: number; stream: 'stdout' | 'stderr'; line: string }[];
}

/** Tunables with production defaults; tests shorten them. */
export interface TelegramTuning {
  /** How long an /update or /rollback confirmation stays valid. */
  confirmTtlMs: number;
  /** Outbox capacity; the oldest non-critical message is dropped beyond it. */
  queueCapacity: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
  /** Per-request timeout of sends/edits (a hanging API must not stall the queue forever). */
  requestTimeoutMs: number;
  /** getUpdates long-poll timeout (seconds, as Telegram counts it). */
  pollTimeoutSec: number;
  /** How long stop() waits for queued notifications to go out. */
  flushOnStopMs: number;
}

export const DEFAULT_TUNING: TelegramTuning = {
  confirmTtlMs: 120_000,
  queueCapacity: 100,
  backoffInitialMs: 1_000,
  backoffMaxMs: 60_000,
  requestTimeoutMs: 15_000,
  pollTimeoutSec: 50,
  flushOnStopMs: 3_000,
};

export interface TelegramBotDeps {
  config: Pick<Config, 'telegramToken' | 'telegramChatIds' | 'telegramAdminIds' | 'telegramApiRoot' | 'branch'>;
  logger: Logger;
  events: EventBus;
  engine: UpdateEngine;
  app: AppView;
  clock: Clock;
  tuning?: Partial<TelegramTuning>;
}

/** Raw Bot API call with an abort signal (telegraf's ApiClient.callApi). */
export type ApiCall = (method: string, payload: Record<string, unknown>, signal: AbortSignal) => Promise<unknown>;

export interface InlineButton {
  text: string;
  callback_data: string;
}
export type InlineKeyboard = InlineButton[][];
