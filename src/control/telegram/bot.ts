import { Telegraf } from 'telegraf';
import type { Update, UserFromGetMe } from 'telegraf/types';
import { MoltError } from '../../core/errors.js';
import { backoffMs, classifyFailure, withTimeout } from './api-errors.js';
import { CommandHandler, type ChatUser } from './commands.js';
import { ConfirmFlow } from './confirm-flow.js';
import { ConfirmationStore } from './confirmations.js';
import { Notifier } from './notifier.js';
import { Outbox } from './outbox.js';
import { pollUpdates } from './polling.js';
import { DEFAULT_TUNING, type ApiCall, type TelegramBotDeps } from './types.js';

export interface TelegramBot {
  /** Subscribes to events and starts polling in the background; never throws on a Telegram outage. */
  start(): void;
  /** Stops polling, gives queued notifications a short flush, then aborts what is left. */
  stop(): Promise<void>;
  /** Resolves with the bot's username once getMe succeeded. */
  whenReady(): Promise<string>;
  /** Resolves when no message is queued or in flight (tests, shutdown). */
  whenIdle(): Promise<void>;
}

const SWEEP_EVERY_MS = 15_000;
const MENU = [
  { command: 'status', description: 'Release, app state, operation in progress, pending commits' },
  { command: 'history', description: 'Last operations: /history [n]' },
  { command: 'update', description: 'Update to the branch tip or a ref (asks to confirm)' },
  { command: 'rollback', description: 'Roll back to a sha: /rollback <sha> [force]' },
  { command: 'logs', description: 'Last app log lines: /logs [n]' },
  { command: 'help', description: 'What the bot can do' },
];

function userOf(u: { id: number; username?: string; first_name?: string }): ChatUser {
  return { id: u.id, label: u.username ? `@${u.username}` : (u.first_name ?? `user ${u.id}`) };
}

/** The Telegram control surface: notifications from the event bus plus admin commands, via telegraf. */
export function createTelegramBot(deps: TelegramBotDeps): TelegramBot {
  const { config, engine, events, clock } = deps;
  const token = config.telegramToken;
  if (!token) throw new MoltError('MOLT_E_CONFIG', 'TELEGRAM_BOT_TOKEN: missing: expected a bot token from @BotFather to start the Telegram bot');
  const tuning = { ...DEFAULT_TUNING, ...deps.tuning };
  const logger = deps.logger.child({ component: 'telegram' });
  const admins = config.telegramAdminIds;
  const chats = config.telegramChatIds.length ? config.telegramChatIds : admins;

  const bot = new Telegraf(token, { telegram: { apiRoot: config.telegramApiRoot }, handlerTimeout: 60_000 });
  const call: ApiCall = (method, payload, signal) => bot.telegram.callApi(method as never, payload as never, { signal: signal as never });
  const stopper = new AbortController();
  const outbox = new Outbox({ call, logger, clock, tuning, token });
  const lookup = (id: number) => {
    try {
      return engine.history(50).find((r) => r.id === id);
    } catch {
      return undefined;
    }
  };
  const notifier = new Notifier({ events, outbox, chats, logger, lookup });
  const answer = (queryId: string, text: string, alert: boolean): void => {
    // Answered directly (not queued): Telegram shows a spinner on the button until then.
    call('answerCallbackQuery', { callback_query_id: queryId, text, show_alert: alert }, withTimeout(stopper.signal, 10_000)).catch((err: unknown) =>
      logger.debug({ event: 'telegram_answer_failed', error: classifyFailure(err, token).message }, 'answerCallbackQuery failed'),
    );
  };
  let username = '';
  let commands: CommandHandler | undefined;
  const flow = new ConfirmFlow({
    engine,
    logger,
    clock,
    outbox,
    notifier,
    store: new ConfirmationStore(tuning.confirmTtlMs),
    ttlMs: tuning.confirmTtlMs,
    answer,
    isAdmin: (id) => admins.includes(id),
    refuse: (user, chatId, what) => commands?.refuse(user, chatId, what),
  });
  commands = new CommandHandler({ engine, app: deps.app, logger, clock, outbox, flow, admins, botUsername: () => username });

  bot.on('message', async (ctx) => {
    const msg = ctx.message;
    if (!('text' in msg) || !msg.from) return;
    await commands!.onMessage({ user: userOf(msg.from), chatId: msg.chat.id, chatType: msg.chat.type, messageId: msg.message_id, text: msg.text, entities: msg.entities });
  });
  bot.on('callback_query', async (ctx) => {
    const q = ctx.callbackQuery;
    if (!('data' in q) || !q.message) return answer(q.id, '', false);
    await flow.onCallback({ queryId: q.id, user: userOf(q.from), chatId: q.message.chat.id, messageId: q.message.message_id, data: q.data });
  });
  bot.catch((err) => {
    logger.error({ event: 'telegram_handler_failed', error: classifyFailure(err, token).message }, 'a Telegram handler failed');
  });

  let readyResolve!: (name: string) => void;
  const ready = new Promise<string>((r) => (readyResolve = r));
  let loop: Promise<void> | undefined;
  let sweeper: NodeJS.Timeout | undefined;

  async function connect(): Promise<boolean> {
    for (let attempt = 1; !stopper.signal.aborted; attempt++) {
      try {
        const me = (await call('getMe', {}, withTimeout(stopper.signal, tuning.requestTimeoutMs))) as UserFromGetMe;
        await call('deleteWebhook', { drop_pending_updates: false }, withTimeout(stopper.signal, tuning.requestTimeoutMs));
        // The command menu in Telegram's UI; cosmetic, so a failure is only a debug line.
        await call('setMyCommands', { commands: MENU }, withTimeout(stopper.signal, tuning.requestTimeoutMs)).catch((err: unknown) =>
          logger.debug({ event: 'telegram_set_commands_failed', error: classifyFailure(err, token).message }, 'setMyCommands failed'),
        );
        bot.botInfo = me;
        username = me.username;
        logger.info({ event: 'telegram_bot_started', username, chats, admins: admins.length }, `Telegram bot @${username} started`);
        readyResolve(username);
        return true;
      } catch (err) {
        if (stopper.signal.aborted) return false;
        const f = classifyFailure(err, token);
        const delay = f.kind === 'retry' && f.afterMs !== undefined ? f.afterMs : backoffMs(attempt, tuning.backoffInitialMs, tuning.backoffMaxMs);
        const rec = { event: 'telegram_connect_failed', code: 'MOLT_E_TELEGRAM', status: f.kind === 'not_modified' ? 400 : f.status, error: f.message, attempt, retryInMs: delay };
        if (attempt === 1) logger.warn(rec, 'cannot reach the Telegram Bot API (check TELEGRAM_API_ROOT / network / token); retrying, the supervisor is not affected');
        else logger.debug(rec, 'still cannot reach the Telegram Bot API');
        await clock.sleep(delay, stopper.signal).catch(() => {});
      }
    }
    return false;
  }

  return {
    start() {
      if (loop) return;
      notifier.start();
      sweeper = setInterval(() => flow.sweep(), SWEEP_EVERY_MS);
      sweeper.unref();
      loop = (async () => {
        if (!(await connect())) return;
        await pollUpdates({ call, handle: (u: Update) => bot.handleUpdate(u), logger, clock, tuning, token, signal: stopper.signal });
      })().catch((err: unknown) => logger.error({ event: 'telegram_bot_failed', error: classifyFailure(err, token).message }, 'Telegram bot loop failed'));
    },
    async stop() {
      if (stopper.signal.aborted) return;
      notifier.stop();
      if (sweeper) clearInterval(sweeper);
      stopper.abort(new Error('telegram bot stopping'));
      if (loop) await loop;
      await outbox.stop(tuning.flushOnStopMs);
      logger.info({ event: 'telegram_bot_stopped', delivered: outbox.delivered, dropped: outbox.dropped }, 'Telegram bot stopped');
    },
    whenReady: () => ready,
    whenIdle: () => outbox.whenIdle(),
  };
}
