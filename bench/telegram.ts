// Telegram row: what the bot costs the engine (time inside an event listener, healthy vs Telegram down), how many
// Bot API calls one update makes (edits coalesce while a call is in flight), and that an update takes as long with
// Telegram down as with it up. Loopback fake Bot API; bounded runs. One row: `node dist/bench/run.js telegram`.
import { Writable } from 'node:stream';
import { EventBus } from '../src/core/events.js';
import { createLogger } from '../src/core/logger.js';
import { systemClock } from '../src/core/clock.js';
import { createTelegramBot } from '../src/control/telegram/bot.js';
import { FakeTelegram } from '../test/helpers/fake-telegram.js';
import { ScriptedEngine, commit } from '../test/control/telegram/scripted-engine.js';
import { median, fmtMs } from './lib/stats.js';
import { saveSection, table } from './lib/report.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const TOKEN = '123456789:AAHbenchTokenbenchTokenbenchToken12345';
const STEPS = ['stop', 'backup', 'checkout', 'install', 'build', 'migrate', 'start', 'health', 'commit'];

async function withBot<T>(fn: (ctx: { fake: FakeTelegram; events: EventBus; engine: ScriptedEngine; idle: () => Promise<void> }) => Promise<T>): Promise<T> {
  const fake = await FakeTelegram.start(TOKEN);
  const events = new EventBus();
  const commits = [commit(1, 'one'), commit(2, 'two'), commit(3, 'three')];
  const engine = new ScriptedEngine(events, commits, 0);
  engine.script = { steps: STEPS };
  const logger = createLogger({ level: 'warn', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
  const bot = createTelegramBot({
    config: { telegramToken: TOKEN, telegramChatIds: [-1], telegramAdminIds: [1], telegramApiRoot: fake.apiRoot, branch: 'main' },
    logger, events, engine, clock: systemClock,
    app: { status: () => ({ state: { kind: 'running' }, pid: 1, up: true, restarts: 0, since: 0 }), recentLogs: () => [] },
    tuning: { pollTimeoutSec: 1, backoffInitialMs: 50, backoffMaxMs: 200, flushOnStopMs: 100 },
  });
  bot.start();
  await bot.whenReady();
  try {
    return await fn({ fake, events, engine, idle: () => bot.whenIdle() });
  } finally {
    await bot.stop();
    await fake.close();
  }
}

/** Microseconds per emitted update_step event (listener work: reduce the card, render, enqueue/coalesce). */
async function emitCost(down: boolean): Promise<number> {
  return withBot(async ({ fake, events }) => {
    if (down) fake.fail({ status: 500 });
    const samples: number[] = [];
    let id = 0;
    for (let r = 0; r < RUNS; r++) {
      const ops = 100;
      const t = performance.now();
      // Realistic streams: each operation is started, then every step starts and finishes once.
      for (let o = 0; o < ops; o++) {
        id++;
        events.emit('update_started', { id, kind: 'update', trigger: 'cli', actor: 'bench', fromSha: 'a'.repeat(40), toSha: 'b'.repeat(40), toSubject: 'x', commits: [] });
        for (const step of STEPS) {
          events.emit('update_step', { id, step, status: 'started' });
          events.emit('update_step', { id, step, status: 'done', durationMs: 5 });
        }
      }
      samples.push(((performance.now() - t) * 1000) / (ops * (1 + 2 * STEPS.length)));
    }
    return median(samples);
  });
}

/** Bot API calls for one 9-step update, and the engine's wall time, with the API at `latencyMs` or down. */
async function oneUpdate(mode: { latencyMs?: number; down?: boolean }): Promise<{ calls: number; engineMs: number }> {
  return withBot(async ({ fake, engine, idle }) => {
    fake.latencyMs = mode.latencyMs ?? 0;
    if (mode.down) fake.fail({ status: 500 });
    const before = fake.calls.filter((c) => c.method === 'sendMessage' || c.method === 'editMessageText').length;
    const t = performance.now();
    await (await engine.requestUpdate({ trigger: 'cli', actor: 'bench', ref: 'main' })).done;
    const engineMs = performance.now() - t;
    if (mode.down) fake.recover();
    await idle();
    const calls = fake.calls.filter((c) => (c.method === 'sendMessage' || c.method === 'editMessageText') && c.status === 200).length - before;
    return { calls, engineMs };
  });
}

export async function benchTelegram(root: string): Promise<void> {
  const healthyUs = await emitCost(false);
  const downUs = await emitCost(true);
  const rows: (string | number)[][] = [];
  for (const [label, mode] of [['API at 0 ms', {}], ['API at 150 ms per call', { latencyMs: 150 }], ['API down (500) during the update', { down: true }]] as const) {
    const runs: { calls: number; engineMs: number }[] = [];
    for (let i = 0; i < RUNS; i++) runs.push(await oneUpdate(mode));
    rows.push([label, median(runs.map((r) => r.calls)), fmtMs(median(runs.map((r) => r.engineMs)))]);
  }
  const body = [
    table(['listener cost per engine event', 'µs (median)'], [['Telegram healthy', healthyUs.toFixed(1)], ['Telegram down (500)', downUs.toFixed(1)]]),
    '',
    table(['one 9-step update (18 step events)', 'delivered API calls (card + edits + final notice)', 'engine wall time'], rows),
    '',
    'Listeners only reduce, render and enqueue; the queue coalesces edits of the same message, so a slow or failing API',
    'means fewer calls, not a slower update. The engine here is the scripted test engine (steps take no real work), so',
    'its wall time isolates what the bot adds.',
  ].join('\n');
  await saveSection(root, { id: '60-telegram', title: 'Telegram bot: cost to the engine and API calls per update', body });
  process.stdout.write(body + '\n');
}

