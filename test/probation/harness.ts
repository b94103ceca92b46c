import { spawn, type ChildProcess } from 'node:child_process';
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { createLogger } from '../../src/core/logger.js';
import { EventBus, type MoltEventMap } from '../../src/core/events.js';
import { TrafficFront } from '../../src/traffic/front.js';
import { probe } from '../../src/update/health-gate.js';
import { ProbationController, type ProbationConfig } from '../../src/probation/controller.js';
import type { HistoryRow, RollbackCommand } from '../../src/update/api.js';
import { freePort, eventually, type LogRecord } from '../helpers/molt-process.js';
import { fixture } from '../helpers/paths.js';
import { tempDir } from '../helpers/tmp.js';

export const SHA = { v1: '1'.repeat(40), v2: '2'.repeat(40) };

type After = { after(fn: () => unknown): void };

export interface Harness {
  frontPort: number;
  records: LogRecord[];
  alerts: MoltEventMap['alert'][];
  ended: Promise<MoltEventMap['probation_ended']>;
  rollbacks: RollbackCommand[];
  controller: ProbationController;
  registry: Registry;
  events: EventBus;
  /** Starts the first release (no probation: nothing committed yet). */
  boot(env: Record<string, string>): Promise<void>;
  /** What the engine does for an update, reduced to traffic and events: hold, swap the app, release, commit. */
  deploy(env: Record<string, string>): Promise<void>;
}

export interface HarnessOptions {
  config?: Partial<ProbationConfig>;
  /** How the stand-in engine answers requestRollback (default: accepts and succeeds). */
  rollback?: (cmd: RollbackCommand) => Promise<{ id: number; done: Promise<HistoryRow> }>;
}

/**
 * A real traffic front proxying to a real fixture app process, the real controller observing the front, and a
 * stand-in for the update engine (the engine is not under test here): it records rollback requests.
 */
export async function harness(t: After, opts: HarnessOptions = {}): Promise<Harness> {
  const dir = await tempDir(t, 'molt-probation-');
  const [frontPort, appPort] = [await freePort(), await freePort()];
  const records: LogRecord[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split('\n')) if (line.startsWith('{')) records.push(JSON.parse(line) as LogRecord);
      cb();
    },
  });
  const logger = createLogger({ level: 'debug', destination: sink, pretty: false });
  const events = new EventBus((err) => records.push({ level: 'error', event: 'listener_failed', msg: String(err) }));
  const alerts: MoltEventMap['alert'][] = [];
  events.on('alert', (e) => alerts.push(e));
  const ended = new Promise<MoltEventMap['probation_ended']>((resolve) => events.on('probation_ended', (e) => resolve(e)));
  const front = new TrafficFront({ port: frontPort, appPort, logger, events });
  await front.listen();
  t.after(() => front.close());

  const rollbacks: RollbackCommand[] = [];
  const engine = {
    async requestRollback(cmd: RollbackCommand) {
      rollbacks.push(cmd);
      if (opts.rollback) return opts.rollback(cmd);
      events.emit('update_started', { id: 2, kind: 'rollback', trigger: cmd.trigger, actor: cmd.actor, fromSha: SHA.v2, toSha: cmd.sha, toSubject: null, commits: [] });
      const row = { id: 2, kind: 'rollback', trigger: cmd.trigger, actor: cmd.actor, outcome: 'succeeded' } as HistoryRow;
      return { id: 2, done: Promise.resolve(row) };
    },
  };
  const config: ProbationConfig = {
    probationMs: 6000, analysisWindowMs: 3000, healthIntervalMs: 200, healthPath: '/health', appPort,
    rollbackErrorRate: 0.1, alertErrorRate: 0.05, analysisMinRequests: 20, alertP95Ms: 2000, rollbackP95Factor: 2, healthFails: 2,
    ...opts.config,
  };
  const registry = new Registry();
  const controller = new ProbationController({ config, events, engine, traffic: front, logger, registry, retry: { attempts: 2, delayMs: 100 } });
  controller.start();
  t.after(() => controller.stop());

  let app: ChildProcess | undefined;
  const stopApp = async () => {
    const a = app;
    app = undefined;
    if (!a || a.exitCode !== null || a.signalCode !== null) return;
    const gone = new Promise((r) => a.once('exit', r));
    a.kill('SIGTERM');
    const kill = setTimeout(() => a.kill('SIGKILL'), 3000);
    await gone;
    clearTimeout(kill);
  };
  t.after(stopApp);
  const startApp = async (env: Record<string, string>) => {
    app = spawn(process.execPath, [fixture('probation-app.mjs')], { cwd: dir, env: { PATH: process.env.PATH ?? '', PORT: String(appPort), ...env }, stdio: 'ignore' });
    await eventually(async () => (await probe(appPort, '/health', 500)) !== 0, 10_000, 'fixture app listening');
    front.release();
  };
  return {
    frontPort, records, alerts, ended, rollbacks, controller, registry, events,
    boot: startApp,
    async deploy(env) {
      events.emit('update_started', { id: 1, kind: 'update', trigger: 'cli', actor: 'test', fromSha: SHA.v1, toSha: SHA.v2, toSubject: 'v2', commits: [] });
      front.hold({ reason: 'update', targetSha: SHA.v2 });
      await front.drain(3000);
      await stopApp();
      await startApp(env);
      events.emit('update_succeeded', { id: 1, kind: 'update', fromSha: SHA.v1, toSha: SHA.v2, durationMs: 1 });
    },
  };
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms}ms waiting for ${what}`)), ms)))]).finally(() => clearTimeout(timer));
}
