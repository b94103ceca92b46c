import type { Update } from 'telegraf/types';
import type { Logger } from '../../core/logger.js';
import type { Clock } from '../../core/clock.js';
import { backoffMs, classifyFailure, withTimeout } from './api-errors.js';
import type { ApiCall, TelegramTuning } from './types.js';

export interface PollDeps {
  call: ApiCall;
  handle: (update: Update) => Promise<void>;
  logger: Logger;
  clock: Clock;
  tuning: TelegramTuning;
  token: string | undefined;
  signal: AbortSignal;
}

/**
 * Long-polls getUpdates until `signal` aborts. Our own loop instead of telegraf's launch(): telegraf's polling sleeps
 * 5 s (or retry_after) in an unabortable wait after errors and reports them only through `debug`, so shutdown would
 * stall and outages would be invisible in the logs. Updates are handled one at a time, in order.
 */
export async function pollUpdates(d: PollDeps): Promise<void> {
  const { call, logger, clock, tuning, token, signal } = d;
  let offset = 0;
  let failures = 0;
  let since = 0;
  while (!signal.aborted) {
    let updates: Update[];
    try {
      const payload = { offset, timeout: tuning.pollTimeoutSec, allowed_updates: ['message', 'callback_query'] };
      updates = (await call('getUpdates', payload, withTimeout(signal, (tuning.pollTimeoutSec + 15) * 1000))) as Update[];
    } catch (err) {
      if (signal.aborted) break;
      const f = classifyFailure(err, token);
      failures++;
      if (failures === 1) since = clock.now();
      const delay = f.kind === 'retry' && f.afterMs !== undefined ? f.afterMs : backoffMs(failures, tuning.backoffInitialMs, tuning.backoffMaxMs);
      const status = f.kind === 'not_modified' ? 400 : f.status;
      const hint =
        status === 401 || status === 404 ? 'TELEGRAM_BOT_TOKEN was rejected: check the token with @BotFather'
        : status === 409 ? 'another process polls this bot (or a webhook is set): run one molt per bot token'
        : 'cannot receive Telegram commands; retrying';
      const rec = { event: 'telegram_poll_failed', code: 'MOLT_E_TELEGRAM', status, error: f.message, attempt: failures, retryInMs: delay };
      if (failures === 1) (status === 401 || status === 404 || status === 409 ? logger.error(rec, hint) : logger.warn(rec, hint));
      else logger.debug(rec, hint);
      await clock.sleep(delay, signal).catch(() => {});
      continue;
    }
    if (failures) {
      logger.info({ event: 'telegram_poll_resumed', failedAttempts: failures, outageMs: clock.now() - since }, 'receiving Telegram commands again');
      failures = 0;
    }
    for (const u of updates) {
      offset = Math.max(offset, u.update_id + 1);
      await d.handle(u).catch((err: unknown) => {
        logger.error({ event: 'telegram_handler_failed', updateId: u.update_id, error: classifyFailure(err, token).message }, 'handling a Telegram update failed');
      });
    }
  }
  // Confirm what we handled, so the next start does not replay those commands.
  if (offset) await call('getUpdates', { offset, timeout: 0, limit: 1 }, AbortSignal.timeout(1000)).catch(() => {});
}
