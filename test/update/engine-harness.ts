import { Writable } from 'node:stream';
import type { TestContext } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/core/logger.js';
import { EventBus, type MoltEvent } from '../../src/core/events.js';
import { systemClock } from '../../src/core/clock.js';
import { Supervisor } from '../../src/supervisor/supervisor.js';
import { processSpawner, type Spawner } from '../../src/supervisor/child-process.js';
import { createUpdateEngine, type Engine } from '../../src/update/engine.js';
import type { LogRecord } from '../helpers/molt-process.js';
import type { UpdateFixture } from './fixture.js';

const quiet: Spawner = { spawn: (cmd, opts) => processSpawner.spawn(cmd, { ...opts, passthrough: false }) };

export interface EngineRun {
  engine: Engine;
  supervisor: Supervisor;
  records: LogRecord[];
  events: MoltEvent[];
  eventsOf(type: string): LogRecord[];
  stop(): Promise<void>;
}

/** The real engine and supervisor in this process (real app child, git, npm, SQLite), logging pino JSON to memory. */
export async function startEngine(t: TestContext, f: UpdateFixture, env: Record<string, string> = {}, opts: { recover?: boolean } = {}): Promise<EngineRun> {
  const fullEnv = { ...process.env, ...f.env, ...env };
  const loaded = loadConfig(fullEnv);
  if (!loaded.ok) throw new Error(loaded.problems.join('; '));
  const config = loaded.config;
  const records: LogRecord[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split('\n')) if (line.startsWith('{')) records.push(JSON.parse(line) as LogRecord);
      cb();
    },
  });
  const logger = createLogger({ level: 'debug', destination: sink, pretty: false });
  const bus = new EventBus();
  const events: MoltEvent[] = [];
  bus.onAny((e) => events.push(e));
  const supervisor = new Supervisor({
    config, command: { file: process.execPath, args: ['server.mjs'] }, logger, events: bus, spawner: quiet, clock: systemClock,
    childEnv: () => ({ ...fullEnv, PORT: String(config.appPort), MOLT_DATA_DIR: config.dataDir }),
  });
  const engine = createUpdateEngine({ config, logger, events: bus, clock: systemClock, app: supervisor, env: fullEnv, healthPort: () => config.appPort });
  supervisor.setUpdateHandler((req) => engine.handleAppRequest(req));
  bus.on('crash_loop', () => void engine.onCrashLoop());
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    engine.close();
    await supervisor.shutdown('SIGTERM');
    await supervisor.done;
    engine.p.store.close();
  };
  t.after(stop);
  if (opts.recover !== false) {
    const r = await engine.recover();
    if (!r.appStarted && !r.held) await supervisor.start();
  }
  return { engine, supervisor, records, events, eventsOf: (type) => records.filter((r) => r.event === type), stop };
}

/** GET on the app port; null when nothing answers. */
export async function appVersion(port: number): Promise<{ version: string; dep: string; pid: number } | null> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/version`);
    return r.ok ? ((await r.json()) as { version: string; dep: string; pid: number }) : null;
  } catch {
    return null;
  }
}
