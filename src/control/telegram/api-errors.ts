import { redactText } from '../../core/logger.js';

/** What to do about a failed Bot API call. */
export type Failure =
  | { kind: 'retry'; afterMs?: number; status: number | null; message: string }
  | { kind: 'not_modified'; message: string }
  | { kind: 'reject'; status: number; message: string };

interface TelegramErrorLike {
  response?: { error_code?: number; description?: string; parameters?: { retry_after?: number } };
  name?: string;
  message?: string;
}

/**
 * Classifies a telegraf/node-fetch error. Network errors, timeouts, 5xx and 429 are retried (429 after Telegram's
 * `retry_after`); "message is not modified" counts as delivered; other 4xx are permanent. The message is redacted:
 * node-fetch errors embed the request URL, which contains the bot token.
 */
export function classifyFailure(err: unknown, token: string | undefined): Failure {
  const e = (err ?? {}) as TelegramErrorLike;
  const message = redactText(String(e.message ?? err), [token]);
  const code = e.response?.error_code;
  if (typeof code !== 'number') return { kind: 'retry', status: null, message };
  if (code === 429) {
    const after = e.response?.parameters?.retry_after;
    return { kind: 'retry', status: 429, message, afterMs: typeof after === 'number' && after >= 0 ? after * 1000 : undefined };
  }
  if (code >= 500) return { kind: 'retry', status: code, message };
  if (code === 400 && /message is not modified/i.test(e.response?.description ?? '')) return { kind: 'not_modified', message };
  return { kind: 'reject', status: code, message };
}

/** Exponential backoff with a cap: initial, 2×, 4×, … (attempt starts at 1). */
export function backoffMs(attempt: number, initialMs: number, maxMs: number): number {
  return Math.min(maxMs, initialMs * 2 ** Math.min(30, Math.max(0, attempt - 1)));
}

/** Combines the stop signal with a per-request timeout. */
export function withTimeout(signal: AbortSignal, ms: number): AbortSignal {
  return AbortSignal.any([signal, AbortSignal.timeout(ms)]);
}
