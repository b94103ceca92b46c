import { Writable } from 'node:stream';
import { request, type Agent } from 'node:http';
import { Supervisor } from '../../src/supervisor/supervisor.js';
import { processSpawner, type Spawner } from '../../src/supervisor/child-process.js';
import { createLogger } from '../../src/core/logger.js';
import { EventBus } from '../../src/core/events.js';
import { systemClock } from '../../src/core/clock.js';
import { TrafficFront } from '../../src/traffic/front.js';
import { bindAppLink } from '../../src/traffic/handoff.js';
import { bindRestartGate } from '../../src/traffic/restart-gate.js';
import type { RequestSample } from '../../src/traffic/api.js';
import { fixture } from '../helpers/paths.js';
import { tempDir } from '../helpers/tmp.js';
import { freePort } from '../helpers/molt-process.js';

export type Rec = Record<string, unknown>;

/**
 * The traffic wiring of src/main.ts in-process (real Supervisor with execa, real TrafficFront, the IPC link and the
 * restart gate) around test/fixtures/traffic-handoff-app.mjs, so tests can hold/release and observe() directly.
 */
export async function handoffHarness(t: { after(fn: () => unknown): void }, mode: 'splice' | 'handoff', env: Record<string, string> = {}, app = 'traffic-handoff-app.mjs') {
  const stops: (() => Promise<unknown>)[] = [];
  t.after(async () => {
    for (const f of stops.reverse()) await f();
  });
  const dir = await tempDir(t);
  const records: Rec[] = [];
  const appLines: string[] = [];
  const destination = new Writable({
    write(chunk, _e, cb) {
      records.push(...String(chunk).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Rec));
      cb();
    },
  });
  const logger = createLogger({ destination, level: 'debug' });
  const events = new EventBus();
  const port = await freePort();
  const appPort = await freePort();
  const quiet: Spawner = { spawn: (cmd, opts) => processSpawner.spawn(cmd, { ...opts, passthrough: false }) };
  const sup = new Supervisor({
    config: { restart: 'on-failure', backoffInitialMs: 300, backoffMaxMs: 1000, minUptimeMs: 1000, crashLoopRestarts: 5, stopTimeoutMs: 3000, appDir: dir, dataDir: dir },
    command: { file: process.execPath, args: [fixture(app)] },
    logger,
    events,
    spawner: quiet,
    clock: systemClock,
    childEnv: () => ({ PATH: process.env.PATH, PORT: String(appPort), MOLT_SUPERVISED: '1', MOLT_DATA_DIR: dir, ...env }),
  });
  events.on('log_line', (l) => void appLines.push(l.line));
  // eslint-disable-next-line prefer-const
  let front: TrafficFront;
  const link = bindAppLink({ channel: sup, events, logger, mode }, () => front);
  front = new TrafficFront({ port, appPort, logger, events, handoff: mode === 'handoff' ? link : undefined });
  await front.listen();
  stops.push(() => front.close());
  const unbind = bindRestartGate({ events, traffic: front, logger, currentChild: () => sup.currentChild(), gate: { port: appPort, path: '/health', timeoutMs: 10_000, successes: 1, intervalMs: 50 } });
  stops.push(async () => {
    await sup.shutdown('SIGTERM');
    await sup.done;
    unbind();
    link.close();
  });
  const samples: RequestSample[] = [];
  front.observe((s) => void samples.push(s));
  await sup.start();
  return { sup, front, link, records, appLines, samples, port, appPort, dir, events };
}

export interface Answer {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
  localPort: number;
  /** The request went out on a kept-alive connection that already carried one. */
  reused: boolean;
}

/** GET on the public port (own connection unless an agent is given). */
export function get(port: number, path = '/', agent: Agent | false = false, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers, localPort: Number(res.headers['x-local-port'] ?? 0), reused: req.reusedSocket }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}
