import type { Logger } from '../../core/logger.js';
import type { Clock } from '../../core/clock.js';
import type { CommitInfo, UpdateEngine } from '../../update/api.js';
import { parseRollbackArgs, parseUpdateArgs } from './args.js';
import type { ConfirmationStore, Confirmation, PendingAction } from './confirmations.js';
import type { Notifier } from './notifier.js';
import type { Outbox } from './outbox.js';
import { esc, shortSha } from './render.js';
import { badArgs, pendingCommitLines, renderPrompt } from './views.js';
import type { ChatUser, CommandInput } from './commands.js';

export interface CallbackInput {
  queryId: string;
  user: ChatUser;
  chatId: number;
  messageId: number;
  data: string;
}

const PENDING_TIMEOUT_MS = 30_000;
const promptKey = (id: string) => `confirm:${id}`;

/**
 * /update and /rollback: validate → describe the target → inline-keyboard prompt → the requester confirms within the
 * TTL → the engine runs it with actor `telegram:<user id>` and the prompt becomes the operation's progress card.
 */
export class ConfirmFlow {
  constructor(
    private readonly deps: {
      engine: UpdateEngine;
      logger: Logger;
      clock: Clock;
      outbox: Outbox;
      notifier: Notifier;
      store: ConfirmationStore;
      ttlMs: number;
      answer: (queryId: string, text: string, alert: boolean) => void;
      isAdmin: (userId: number) => boolean;
      refuse: (user: ChatUser, chatId: number, what: string) => void;
    },
  ) {}

  async askUpdate(m: CommandInput, args: string[], reply: (text: string) => void): Promise<void> {
    const parsed = parseUpdateArgs(args);
    if (!parsed.ok) return reply(badArgs(parsed.problem));
    const { engine } = this.deps;
    if (this.busy(reply)) return;
    let target: CommitInfo;
    const extra: string[] = [];
    if (parsed.value.ref) {
      const ref = parsed.value.ref;
      // describe() reads what was fetched; a ref pushed since the last fetch needs one (pending() fetches).
      target = await engine.describe(ref).catch(async () => {
        await engine.pending(AbortSignal.timeout(PENDING_TIMEOUT_MS)).catch(() => undefined);
        return engine.describe(ref);
      });
    } else {
      const p = await engine.pending(AbortSignal.timeout(PENDING_TIMEOUT_MS));
      if (!p.commits.length) return reply(`Already up to date: ${esc(p.branch)} is at <code>${shortSha(p.currentSha)}</code>.`);
      target = p.commits.find((c) => c.sha === p.targetSha) ?? (await engine.describe(p.targetSha));
      extra.push(...pendingCommitLines(p));
    }
    const current = engine.current();
    if (current && current.sha === target.sha) return reply(`Already running <code>${shortSha(target.sha)}</code> ${esc(target.subject)}.`);
    this.prompt(m, { kind: 'update', sha: target.sha, ref: parsed.value.ref, subject: target.subject, author: target.author }, current, extra, `✅ Update to ${shortSha(target.sha)}`);
  }

  async askRollback(m: CommandInput, args: string[], reply: (text: string) => void): Promise<void> {
    const parsed = parseRollbackArgs(args);
    if (!parsed.ok) return reply(badArgs(parsed.problem));
    const { engine } = this.deps;
    if (this.busy(reply)) return;
    const sha = parsed.value.sha;
    const target = await engine.describe(sha).catch(async () => {
      await engine.pending(AbortSignal.timeout(PENDING_TIMEOUT_MS)).catch(() => undefined);
      return engine.describe(sha);
    });
    const current = engine.current();
    if (current && current.sha === target.sha) return reply(`Already running <code>${shortSha(target.sha)}</code> ${esc(target.subject)}: nothing to roll back.`);
    const label = parsed.value.force ? `⚠️ Force rollback to ${shortSha(target.sha)}` : `↩️ Roll back to ${shortSha(target.sha)}`;
    this.prompt(m, { kind: 'rollback', sha: target.sha, force: parsed.value.force, subject: target.subject, author: target.author }, current, [], label);
  }

  async onCallback(q: CallbackInput): Promise<void> {
    const { store, clock, logger, answer } = this.deps;
    const m = /^(ok|no):([0-9a-f]{12})$/.exec(q.data);
    if (!m) return answer(q.queryId, 'Unknown button.', false);
    if (!this.deps.isAdmin(q.user.id)) {
      this.deps.refuse(q.user, q.chatId, 'confirmation button');
      return answer(q.queryId, 'Not allowed: you are not a molt admin. This attempt was logged.', true);
    }
    const res = store.take(m[2], q.user.id, clock.now(), q.chatId);
    this.sweep();
    if (res.kind === 'missing') return answer(q.queryId, 'This confirmation is no longer valid (expired or already used). Send the command again.', true);
    if (res.kind === 'expired') {
      logger.info({ event: 'telegram_confirm_expired', userId: q.user.id, action: res.confirmation.action.kind, sha: res.confirmation.action.sha }, 'Telegram confirmation expired');
      this.closePrompt(res.confirmation, '⌛ <b>Expired</b> — nothing was done. Send the command again.');
      return answer(q.queryId, 'This confirmation expired. Send the command again.', true);
    }
    if (res.kind === 'wrong_user') {
      const c = res.confirmation;
      logger.warn({ event: 'telegram_confirm_refused', code: 'MOLT_E_AUTH', userId: q.user.id, requesterId: c.userId, action: c.action.kind, sha: c.action.sha }, `user ${q.user.id} pressed a confirmation of user ${c.userId}`);
      return answer(q.queryId, `Only ${c.userLabel} (who asked) can confirm this.`, true);
    }
    const c = res.confirmation;
    if (m[1] === 'no') {
      this.closePrompt(c, `✖ Cancelled by ${esc(q.user.label)}.`);
      return answer(q.queryId, 'Cancelled.', false);
    }
    answer(q.queryId, 'Starting…', false);
    this.closePrompt(c, `✅ Confirmed by ${esc(q.user.label)} — starting…`);
    await this.run(c, q);
  }

  /** Edits prompts whose time ran out to "expired" (called on every interaction and by the bot's timer). */
  sweep(): void {
    for (const c of this.deps.store.sweep(this.deps.clock.now())) {
      this.deps.logger.info({ event: 'telegram_confirm_expired', userId: c.userId, action: c.action.kind, sha: c.action.sha }, 'Telegram confirmation expired');
      this.closePrompt(c, '⌛ <b>Expired</b> — nothing was done. Send the command again.');
    }
  }

  private async run(c: Confirmation, q: CallbackInput): Promise<void> {
    const { engine, logger, notifier } = this.deps;
    const actor = `telegram:${q.user.id}`;
    const a = c.action;
    try {
      const { id, done } =
        a.kind === 'update'
          ? await engine.requestUpdate({ sha: a.sha, trigger: 'telegram', actor, reason: a.ref ? `/update ${a.ref}` : undefined }) // exactly the confirmed commit
          : await engine.requestRollback({ sha: a.sha, force: a.force, trigger: 'telegram', actor });
      done.catch(() => {}); // the outcome arrives as events; a rejected `done` must not become an unhandled rejection
      logger.info({ event: 'telegram_operation_started', id, kind: a.kind, sha: a.sha, force: a.kind === 'rollback' ? a.force : undefined, actor, chatId: q.chatId }, `Telegram ${a.kind} #${id} confirmed by ${q.user.id}`);
      if (!notifier.attach(id, q.chatId, q.messageId)) this.closePrompt(c, `✅ Confirmed by ${esc(q.user.label)} — ${a.kind} #${id} started; progress in the message below.`);
    } catch (err) {
      const e = err as { code?: string; message?: string };
      const code = e.code ?? 'MOLT_E_INTERNAL';
      logger.warn({ event: 'telegram_operation_refused', kind: a.kind, sha: a.sha, actor, code, error: String(e.message ?? err) }, `engine refused Telegram ${a.kind}`);
      const hint =
        code === 'MOLT_E_DOWN_MIGRATION_MISSING' && a.kind === 'rollback' && !a.force
          ? `\nTo restore the backup of that release and discard data written since, send /rollback ${shortSha(a.sha)} force`
          : '';
      this.closePrompt(c, `❌ Refused: <code>${esc(code)}</code> ${esc(String(e.message ?? err))}${hint}`);
    }
  }

  private busy(reply: (text: string) => void): boolean {
    const r = this.deps.engine.running();
    if (!r) return false;
    reply(`⏳ Busy: ${esc(r.kind)} #${r.id} is at <b>${esc(r.step)}</b>. Try again when it has finished (/status).`);
    return true;
  }

  private prompt(m: CommandInput, action: PendingAction, current: CommitInfo | null, extra: string[], okLabel: string): void {
    const { store, clock, ttlMs, outbox, logger } = this.deps;
    const text = renderPrompt(action, current, m.user.label, ttlMs, extra);
    const c = store.create({ userId: m.user.id, userLabel: m.user.label, chatId: m.chatId, action, prompt: text }, clock.now());
    logger.info({ event: 'telegram_confirm_asked', action: action.kind, sha: action.sha, userId: m.user.id, chatId: m.chatId, expiresAt: new Date(c.expiresAt).toISOString() }, `asked ${m.user.id} to confirm ${action.kind}`);
    outbox.post({ chatId: m.chatId, key: promptKey(c.id), text, keyboard: [[{ text: okLabel, callback_data: `ok:${c.id}` }, { text: '✖ Cancel', callback_data: `no:${c.id}` }]] });
  }

  private closePrompt(c: Confirmation, status: string): void {
    this.deps.outbox.post({ chatId: c.chatId, key: promptKey(c.id), text: `${c.prompt}\n\n${status}` });
  }
}
