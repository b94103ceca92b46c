import { Writable } from 'node:stream';
import { AutoUpdater, type AutoUpdaterConfig, type AutoUpdaterDeps } from '../../src/auto/controller.js';
import { gitRemote } from '../../src/auto/remote.js';
import { EventBus, type MoltEvent } from '../../src/core/events.js';
import { createLogger } from '../../src/core/logger.js';
import type { Clock } from '../../src/core/clock.js';
import type { HistoryRow, UpdateCommand, UpdateEngine } from '../../src/update/api.js';
import { MoltError } from '../../src/core/errors.js';

/** Time that only moves when the test says so. */
export class ManualClock implements Clock {
  constructor(public t: number) {}
  now(): number {
    return this.t;
  }
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw signal.reason;
    this.t += ms;
  }
}

/**
 * An UpdateEngine stand-in that records requestUpdate calls and answers current/pinned/history from fields the
 * test sets. The auto-updater is the thing under test; the engine is its collaborator.
 */
export class RecordingEngine implements Pick<UpdateEngine, 'requestUpdate' | 'current' | 'running' | 'pinned' | 'history'> {
  readonly calls: UpdateCommand[] = [];
  pins: { sha: string; reason: string; since: string }[] = [];
  rows: HistoryRow[] = [];
  busy = false;
  reject: MoltError | undefined;
  constructor(public currentSha: string) {}
  async requestUpdate(cmd: UpdateCommand) {
    if (this.reject) throw this.reject;
    this.calls.push(cmd);
    const row: HistoryRow = { id: this.calls.length, kind: 'update', trigger: cmd.trigger, actor: cmd.actor, fromSha: this.currentSha, toSha: cmd.sha ?? null, fromSubject: null, toSubject: null, outcome: 'succeeded', startedAt: new Date().toISOString(), finishedAt: new Date().toISOString(), steps: [], error: null };
    return { id: row.id, done: Promise.resolve(row) };
  }
  current() {
    return { sha: this.currentSha, subject: 'current', author: 'Molt Test', date: new Date(0).toISOString() };
  }
  running() {
    return this.busy ? { id: 99, kind: 'update' as const, step: 'install', fromSha: this.currentSha, toSha: null, startedAt: new Date().toISOString() } : null;
  }
  pinned() {
    return this.pins;
  }
  history(limit = 50) {
    return this.rows.slice(0, limit);
  }
}

export interface Harness {
  updater: AutoUpdater;
  events: MoltEvent[];
  logs: Record<string, unknown>[];
}

export const baseConfig = (dataDir: string, over: Partial<AutoUpdaterConfig> = {}): AutoUpdaterConfig => ({
  autoUpdate: 'apply',
  pollIntervalMs: 300_000,
  updateWindow: null,
  tz: 'UTC',
  canaryProbability: 1,
  canaryBakeMs: 3_600_000,
  requireSigned: false,
  dataDir,
  ...over,
});

export function makeUpdater(opts: { appDir: string; engine: AutoUpdaterDeps['engine']; clock: Clock; config: AutoUpdaterConfig; instanceId?: string } & Partial<AutoUpdaterDeps>): Harness {
  const events: MoltEvent[] = [];
  const logs: Record<string, unknown>[] = [];
  const bus = new EventBus();
  bus.onAny((e) => events.push(e));
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  const updater = new AutoUpdater({
    remote: gitRemote({ appDir: opts.appDir, remote: 'origin', branch: 'main' }),
    events: bus,
    logger: createLogger({ level: 'debug', destination }),
    instanceId: opts.instanceId ?? 'test-instance',
    ...opts,
  });
  return { updater, events, logs };
}
