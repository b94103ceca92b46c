import { Writable } from 'node:stream';
import { createLogger } from '../../../src/core/logger.js';
import { EventBus } from '../../../src/core/events.js';
import { systemClock, type Clock } from '../../../src/core/clock.js';
import { createTelegramBot, type TelegramBot } from '../../../src/control/telegram/bot.js';
import type { AppView, TelegramTuning } from '../../../src/control/telegram/types.js';
import type { UpdateEngine } from '../../../src/update/api.js';
import { FakeTelegram, type FakeMessage } from '../../helpers/fake-telegram.js';
import { eventually, type LogRecord } from '../../helpers/molt-process.js';
import { ScriptedEngine, commit } from './scripted-engine.js';

export const TOKEN = '123456789:AAHfakeTokenForTests_abcdefghijklmnopqrstu';
export const ADMIN = { id: 1001, username: 'ada' };
export const ADMIN2 = { id: 1002, username: 'bob' };
export const STRANGER = { id: 6666, username: 'mallory' };
export const GROUP = -100500;

/** Real time for sleeps, shiftable `now()` for expiry tests. */
export class ShiftClock implements Clock {
  offset = 0;
  now(): number {
    return Date.now() + this.offset;
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return systemClock.sleep(ms, signal);
  }
}

export const COMMITS = [commit(1, 'Initial release'), commit(2, 'Add invoices page'), commit(3, 'Fix <b>login</b> & logout'), commit(4, 'Bump deps')];

export interface Harness {
  fake: FakeTelegram;
  events: EventBus;
  engine: ScriptedEngine;
  bot: TelegramBot;
  clock: ShiftClock;
  records: LogRecord[];
  /** Raw stdout text of the logger. */
  stdout: () => string;
  appLogs: { time: number; stream: 'stdout' | 'stderr'; line: string }[];
  /** The newest bot message in a chat matching `pred`, waiting for it. */
  waitMessage(chatId: number, pred: (m: FakeMessage) => boolean, what: string): Promise<FakeMessage>;
  waitRecord(pred: (r: LogRecord) => boolean, what: string): Promise<LogRecord>;
}

export async function startHarness(
  t: { after(fn: () => unknown): void },
  opts: { tuning?: Partial<TelegramTuning>; chats?: number[]; events?: EventBus; engine?: UpdateEngine; app?: AppView; apiRoot?: string } = {},
): Promise<Harness> {
  const fake = await FakeTelegram.start(TOKEN);
  let raw = '';
  const records: LogRecord[] = [];
  let buf = '';
  const dest = new Writable({
    write(chunk: Buffer, _enc, cb) {
      raw += chunk.toString();
      buf += chunk.toString();
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const l of lines) if (l.trim()) records.push(JSON.parse(l) as LogRecord);
      cb();
    },
  });
  const logger = createLogger({ level: 'debug', destination: dest, secrets: [TOKEN] });
  const events = opts.events ?? new EventBus();
  const engine = new ScriptedEngine(events, COMMITS, 1);
  const clock = new ShiftClock();
  const appLogs: Harness['appLogs'] = [];
  const app: AppView = opts.app ?? {
    status: () => ({ state: { kind: 'running' }, pid: 4321, up: true, restarts: 2, since: Date.now() - 65_000 }),
    recentLogs: (n) => appLogs.slice(-n),
  };
  const bot = createTelegramBot({
    config: { telegramToken: TOKEN, telegramChatIds: opts.chats ?? [GROUP], telegramAdminIds: [ADMIN.id, ADMIN2.id], telegramApiRoot: opts.apiRoot ?? fake.apiRoot, branch: 'main' },
    logger,
    events,
    engine: opts.engine ?? engine,
    app,
    clock,
    tuning: { backoffInitialMs: 50, backoffMaxMs: 400, pollTimeoutSec: 2, requestTimeoutMs: 3000, flushOnStopMs: 300, ...opts.tuning },
  });
  bot.start();
  t.after(async () => {
    await bot.stop();
    await fake.close();
  });
  const h: Harness = {
    fake, events, engine, bot, clock, records, appLogs,
    stdout: () => raw,
    waitMessage: (chatId, pred, what) => eventually(() => [...fake.messagesIn(chatId)].reverse().find(pred), 10_000, what),
    waitRecord: (pred, what) => eventually(() => records.find(pred), 10_000, what),
  };
  return h;
}
