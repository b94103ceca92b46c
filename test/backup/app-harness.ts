import type { TestContext } from 'node:test';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { BackupService, type BackupConfig } from '../../src/backup/service.js';
import { systemClock } from '../../src/core/clock.js';
import { Supervisor } from '../../src/supervisor/supervisor.js';
import { processSpawner, type Spawner } from '../../src/supervisor/child-process.js';
import type { TrafficControl } from '../../src/traffic/api.js';
import type { HistoryRow } from '../../src/update/api.js';
import { eventually, freePort } from '../helpers/molt-process.js';
import { fixture } from '../helpers/paths.js';
import { tempDir } from '../helpers/tmp.js';
import { makeApp, recordingEvents, recordingLogger } from './support.js';

const quiet: Spawner = { spawn: (cmd, opts) => processSpawner.spawn(cmd, { ...opts, passthrough: false }) };

export interface AppState {
  name: string;
  items: number;
  uploads: string[];
  pid: number;
}

export async function state(port: number): Promise<AppState | null> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/state`);
    return r.ok ? ((await r.json()) as AppState) : null;
  } catch {
    return null;
  }
}

/** A real Supervisor running backup-app.mjs, a traffic recorder and the backup service around them. */
export async function harness(t: TestContext, overrides: Partial<BackupConfig> = {}) {
  const root = await tempDir(t);
  const port = await freePort();
  const config = { ...(await makeApp(root, 10)), appPort: port, healthTimeoutMs: 2500, ...overrides };
  const { logger, records } = recordingLogger();
  const { events, seen } = recordingEvents();
  const supervisor = new Supervisor({
    config: { ...config, restart: 'on-failure', backoffInitialMs: 100, backoffMaxMs: 200, minUptimeMs: 60_000, crashLoopRestarts: 100 },
    command: { file: process.execPath, args: [fixture('backup-app.mjs')] },
    logger,
    events,
    spawner: quiet,
    clock: systemClock,
    childEnv: () => ({ PATH: process.env.PATH, PORT: String(port) }),
  });
  const traffic: string[] = [];
  const control: TrafficControl = { hold: (i) => void traffic.push(`hold:${i.reason}`), release: () => void traffic.push('release'), drain: async () => {}, observe: () => () => {} };
  // `history`: the restore rows under test; `allHistory`: every row the service wrote (backups and drills too)
  const history: Omit<HistoryRow, 'id'>[] = [];
  const allHistory: Omit<HistoryRow, 'id'>[] = [];
  const svc = new BackupService({ config, events, logger, clock: systemClock, app: supervisor, traffic: control, history: (r) => void (allHistory.push(r), r.kind === 'restore' && history.push(r)) });
  await svc.init();
  await supervisor.start();
  t.after(async () => {
    await supervisor.shutdown('SIGTERM');
    await supervisor.done;
  });
  await eventually(() => state(port), 10_000, 'app up');
  const db = join(config.appDir, 'data', 'app.db');
  const addRows = (n: number) => {
    const d = new Database(db);
    for (let i = 0; i < n; i++) d.prepare("INSERT INTO items (v) VALUES ('later')").run();
    d.close();
  };
  return { config, port, records, seen, events, supervisor, traffic, history, allHistory, svc, addRows };
}

