import Fastify, { type FastifyInstance } from 'fastify';

/** One recorded Bot API call (failed ones too). */
export interface ApiCallRecord {
  method: string;
  payload: Record<string, any>;
  status: number;
  time: number;
}

export interface FakeMessage {
  message_id: number;
  chat_id: number;
  text: string;
  reply_markup?: { inline_keyboard: { text: string; callback_data: string }[][] };
  reply_to?: number;
  /** Every text the message had, first the sent one, then each edit. */
  versions: string[];
}

export interface FakeUser {
  id: number;
  username?: string;
  first_name?: string;
}

type Failure = { status: 500 } | { status: 429; retryAfter: number };

export const BOT_USER = { id: 4242, is_bot: true, first_name: 'Molt', username: 'molt_test_bot', can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false };

/**
 * A fake Telegram Bot API on fastify (127.0.0.1): getMe, getUpdates (long poll), sendMessage, editMessageText,
 * answerCallbackQuery, deleteWebhook, setMyCommands. Records every call, injects user updates, and can fail
 * (500, or 429 with retry_after) for some or all methods to simulate an outage.
 */
export class FakeTelegram {
  readonly calls: ApiCallRecord[] = [];
  readonly messages: FakeMessage[] = [];
  private updates: Record<string, any>[] = [];
  private nextUpdateId = 1;
  private nextMessageId = 100;
  private confirmed = 0;
  private waiters = new Set<() => void>();
  private failure: { f: Failure; methods?: Set<string> } | undefined;
  /** Added latency of sendMessage/editMessageText (a slow API). */
  latencyMs = 0;
  private app!: FastifyInstance;
  apiRoot = '';

  constructor(readonly token: string) {}

  static async start(token: string): Promise<FakeTelegram> {
    const fake = new FakeTelegram(token);
    await fake.listen();
    return fake;
  }

  private async listen(): Promise<void> {
    const app = Fastify({ logger: false, forceCloseConnections: true });
    app.post('/bot:token/:method', async (req, reply) => {
      const { token, method } = req.params as { token: string; method: string };
      const payload = (req.body ?? {}) as Record<string, any>;
      const record: ApiCallRecord = { method, payload, status: 200, time: Date.now() };
      this.calls.push(record);
      if (token !== this.token) return this.error(reply, record, 401, 'Unauthorized');
      const fail = this.failure && (!this.failure.methods || this.failure.methods.has(method)) ? this.failure.f : undefined;
      if (fail?.status === 500) return this.error(reply, record, 500, 'Internal Server Error');
      if (fail?.status === 429) return this.error(reply, record, 429, `Too Many Requests: retry after ${fail.retryAfter}`, { retry_after: fail.retryAfter });
      if (this.latencyMs && (method === 'sendMessage' || method === 'editMessageText')) await new Promise((r) => setTimeout(r, this.latencyMs));
      const handler = this.handlers[method];
      if (!handler) return this.error(reply, record, 404, 'Not Found: method not found');
      const result = await handler(payload);
      if (result && typeof result === 'object' && 'error' in result) return this.error(reply, record, 400, (result as { error: string }).error);
      return { ok: true, result };
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const addr = app.server.address() as { port: number };
    this.apiRoot = `http://127.0.0.1:${addr.port}`;
    this.app = app;
  }

  private error(reply: any, record: ApiCallRecord, code: number, description: string, parameters?: Record<string, unknown>) {
    record.status = code;
    return reply.code(code).send({ ok: false, error_code: code, description: code === 400 ? `Bad Request: ${description}` : description, parameters });
  }

  private readonly handlers: Record<string, (p: Record<string, any>) => unknown> = {
    getMe: () => BOT_USER,
    deleteWebhook: () => true,
    setMyCommands: () => true,
    answerCallbackQuery: () => true,
    getUpdates: (p) => this.getUpdates(p),
    sendMessage: (p) => {
      const m: FakeMessage = { message_id: this.nextMessageId++, chat_id: Number(p.chat_id), text: String(p.text), reply_markup: p.reply_markup, reply_to: p.reply_parameters?.message_id, versions: [String(p.text)] };
      this.messages.push(m);
      return this.toMessage(m);
    },
    editMessageText: (p) => {
      const m = this.messages.find((x) => x.chat_id === Number(p.chat_id) && x.message_id === Number(p.message_id));
      if (!m) return { error: 'message to edit not found' };
      if (m.text === p.text && JSON.stringify(m.reply_markup ?? null) === JSON.stringify(p.reply_markup ?? null)) return { error: 'message is not modified: specified new message content and reply markup are exactly the same' };
      m.text = String(p.text);
      m.reply_markup = p.reply_markup;
      m.versions.push(m.text);
      return this.toMessage(m);
    },
  };

  private toMessage(m: FakeMessage) {
    return { message_id: m.message_id, date: Math.floor(Date.now() / 1000), chat: { id: m.chat_id, type: m.chat_id < 0 ? 'group' : 'private' }, from: BOT_USER, text: m.text, reply_markup: m.reply_markup };
  }

  private async getUpdates(p: Record<string, any>): Promise<unknown> {
    const offset = Number(p.offset ?? 0);
    if (offset > this.confirmed) this.confirmed = offset;
    const pending = () => this.updates.filter((u) => u.update_id >= this.confirmed);
    const timeoutSec = Math.min(Number(p.timeout ?? 0), 60);
    if (!pending().length && timeoutSec > 0) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(t);
          this.waiters.delete(done);
          resolve();
        };
        const t = setTimeout(done, timeoutSec * 1000);
        this.waiters.add(done);
      });
    }
    const limit = Number(p.limit ?? 100);
    return pending().slice(0, limit);
  }

  private push(update: Record<string, any>): number {
    const id = this.nextUpdateId++;
    this.updates.push({ update_id: id, ...update });
    for (const w of [...this.waiters]) w();
    return id;
  }

  /** A user sends `text` in a chat (private when chatId === user id, else a group); commands get a bot_command entity. */
  sendText(from: FakeUser, text: string, chatId = from.id): number {
    const cmd = /^\/\S+/.exec(text);
    const message = {
      message_id: this.nextMessageId++,
      date: Math.floor(Date.now() / 1000),
      chat: chatId === from.id ? { id: chatId, type: 'private', first_name: from.first_name ?? 'Admin' } : { id: chatId, type: 'group', title: 'ops' },
      from: { is_bot: false, first_name: 'Admin', ...from },
      text,
      entities: cmd ? [{ type: 'bot_command', offset: 0, length: cmd[0].length }] : undefined,
    };
    this.push({ message });
    return message.message_id;
  }

  /** A user presses an inline button of a bot message; returns the callback query id. */
  press(from: FakeUser, message: FakeMessage, callbackData: string): string {
    const id = `cq${this.nextUpdateId}`;
    this.push({
      callback_query: {
        id,
        from: { is_bot: false, first_name: 'Admin', ...from },
        chat_instance: `ci${message.chat_id}`,
        data: callbackData,
        message: { ...this.toMessage(message) },
      },
    });
    return id;
  }

  /** Presses the button whose label contains `label`. */
  pressButton(from: FakeUser, message: FakeMessage, label: string): string {
    const button = message.reply_markup?.inline_keyboard.flat().find((b) => b.text.includes(label));
    if (!button) throw new Error(`no button "${label}" on message ${message.message_id}: ${JSON.stringify(message.reply_markup)}`);
    return this.press(from, message, button.callback_data);
  }

  /** Every call fails (or only `methods`) until recover(). */
  fail(f: Failure, methods?: string[]): void {
    this.failure = { f, methods: methods ? new Set(methods) : undefined };
  }

  recover(): void {
    this.failure = undefined;
  }

  callsOf(method: string): ApiCallRecord[] {
    return this.calls.filter((c) => c.method === method);
  }

  messagesIn(chatId: number): FakeMessage[] {
    return this.messages.filter((m) => m.chat_id === chatId);
  }

  /** Answers of callback queries, by query id. */
  answerOf(queryId: string): ApiCallRecord | undefined {
    return this.calls.find((c) => c.method === 'answerCallbackQuery' && c.payload.callback_query_id === queryId && c.status === 200);
  }

  /** True once every injected update has been confirmed by a later getUpdates offset (the bot has fetched it). */
  allFetched(): boolean {
    return this.updates.every((u) => u.update_id < this.confirmed);
  }

  async close(): Promise<void> {
    for (const w of [...this.waiters]) w();
    await this.app.close();
  }
}
