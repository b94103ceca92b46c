import type { Logger } from '../../core/logger.js';
import type { Clock } from '../../core/clock.js';
import type { UpdateEngine, PendingReleases } from '../../update/api.js';
import { HISTORY_MAX, LOGS_MAX, parseCommand, parseCountArgs, type MessageEntityLike } from './args.js';
import type { Outbox } from './outbox.js';
import type { AppView } from './types.js';
import type { ConfirmFlow } from './confirm-flow.js';
import { esc } from './render.js';
import { badArgs, HELP, renderHistory, renderLogs, renderStatus } from './views.js';

export interface ChatUser {
  id: number;
  /** `@username` or first name, for prompts and audit lines. */
  label: string;
}

export interface CommandInput {
  user: ChatUser;
  chatId: number;
  chatType: string;
  messageId: number;
  text: string;
  entities?: readonly MessageEntityLike[];
}

const REFUSAL_EVERY_MS = 60_000;
const STATUS_PENDING_TIMEOUT_MS = 8_000;

/**
 * Dispatches chat commands. Only TELEGRAM_ADMIN_IDS get answers; everyone else gets one refusal a minute and an
 * audit log line per attempt. Replies go through the outbox, so a Telegram hiccup never blocks the polling loop.
 */
export class CommandHandler {
  private readonly lastRefusal = new Map<number, number>();

  constructor(
    private readonly deps: {
      engine: UpdateEngine;
      app: AppView;
      logger: Logger;
      clock: Clock;
      outbox: Outbox;
      flow: ConfirmFlow;
      admins: readonly number[];
      botUsername: () => string;
    },
  ) {}

  isAdmin(userId: number): boolean {
    return this.deps.admins.includes(userId);
  }

  /** Audit line plus a rate-limited refusal naming the user id (so a real admin knows what to add). */
  refuse(user: ChatUser, chatId: number, what: string, replyTo?: number): void {
    const { logger, clock, outbox } = this.deps;
    logger.warn({ event: 'telegram_unauthorized', code: 'MOLT_E_AUTH', userId: user.id, user: user.label, chatId, command: what }, `refused Telegram ${what} from user ${user.id}: not in TELEGRAM_ADMIN_IDS`);
    const now = clock.now();
    if (now - (this.lastRefusal.get(user.id) ?? -Infinity) < REFUSAL_EVERY_MS) return;
    if (this.lastRefusal.size > 1000) this.lastRefusal.clear(); // bounded: a flood of strangers cannot grow it forever
    this.lastRefusal.set(user.id, now);
    outbox.post({ chatId, replyToMessageId: replyTo, text: `⛔ Not allowed: your Telegram user id <code>${user.id}</code> is not in TELEGRAM_ADMIN_IDS. This attempt was logged.` });
  }

  async onMessage(m: CommandInput): Promise<void> {
    const cmd = parseCommand(m.text, m.entities, this.deps.botUsername());
    if (!cmd) return;
    const { logger, outbox } = this.deps;
    if (!this.isAdmin(m.user.id)) return this.refuse(m.user, m.chatId, `/${cmd.name}`, m.messageId);
    logger.info({ event: 'telegram_command', command: cmd.name, args: cmd.args.slice(0, 3), userId: m.user.id, chatId: m.chatId, actor: `telegram:${m.user.id}` }, `Telegram /${cmd.name} from ${m.user.id}`);
    const reply = (text: string) => outbox.post({ chatId: m.chatId, text, replyToMessageId: m.chatType === 'private' ? undefined : m.messageId });
    try {
      switch (cmd.name) {
        case 'start':
        case 'help':
          return reply(HELP);
        case 'status':
          return reply(await this.status());
        case 'history': {
          const n = parseCountArgs(cmd.args, 'history', 5, HISTORY_MAX);
          return reply(n.ok ? renderHistory(this.deps.engine.history(n.value)) : badArgs(n.problem));
        }
        case 'logs': {
          const n = parseCountArgs(cmd.args, 'logs', 20, LOGS_MAX);
          return reply(n.ok ? renderLogs(this.deps.app.recentLogs(n.value), n.value) : badArgs(n.problem));
        }
        case 'update':
          return await this.deps.flow.askUpdate(m, cmd.args, reply);
        case 'rollback':
          return await this.deps.flow.askRollback(m, cmd.args, reply);
        case 'restore':
          return reply('Restoring backups is not available in chat (too destructive): use the web console or `molt restore`.');
        default:
          return reply(`Unknown command /${esc(cmd.name)}. /help lists the commands.`);
      }
    } catch (err) {
      const e = err as { code?: string; message?: string };
      logger.error({ event: 'telegram_command_failed', command: cmd.name, code: e.code ?? 'MOLT_E_INTERNAL', error: String(e.message ?? err) }, `Telegram /${cmd.name} failed`);
      reply(`❌ /${esc(cmd.name)} failed: <code>${esc(e.code ?? 'MOLT_E_INTERNAL')}</code> ${esc(String(e.message ?? err))}`);
    }
  }

  private async status(): Promise<string> {
    const { engine, app, clock } = this.deps;
    const running = engine.running();
    let pending: PendingReleases | { error: string } | null = null;
    if (!running) {
      // pending() fetches from the remote; a slow or unreachable remote must not hold up /status for long.
      pending = await engine.pending(AbortSignal.timeout(STATUS_PENDING_TIMEOUT_MS)).catch((err: Error) => ({ error: `${(err as { code?: string }).code ?? 'error'}: ${err.message}` }));
    }
    return renderStatus({ current: engine.current(), running, app: app.status(), pending, pinned: engine.pinned(), now: clock.now() });
  }
}
