// Traffic during crash-restarts: bounded loopback load on MOLT_PORT while the app crashes (GET /crash → exit 1),
// splice vs hand-off (default), and the app alone under a naive "restart on exit" loop for comparison.
// Counts connection errors (refused, reset, timeout) and holding-page answers per crash.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLoad } from '../test/traffic/load.js';
import { freePort } from '../test/helpers/molt-process.js';
import { launchDetached, launchMolt, waitStatus, type Launched } from './lib/procs.js';
import { median } from './lib/stats.js';
import { saveSection, table } from './lib/report.js';

const CRASHES = Math.max(5, Number(process.env.BENCH_RUNS ?? 5));
const WORKERS = 8;

interface Round { responses: number; errors: number; holding: number }



/** `CRASHES` crashes under load: each round = 300 ms of load, GET /crash, load until the app answered 200 again + 300 ms. */
async function crashRounds(port: number, up: () => Promise<void>): Promise<Round[]> {
  const rounds: Round[] = [];
  for (let i = 0; i < CRASHES; i++) {
    await up();
    const load = startLoad(port, { concurrency: WORKERS, maxRequests: 1_000_000, maxMs: 30_000 });
    await new Promise((r) => setTimeout(r, 300));
    await fetch(`http://127.0.0.1:${port}/crash`).catch(() => undefined);
    const crashedAt = Date.now();
    const deadline = crashedAt + 20_000;
    while (Date.now() < deadline && !load.result.responses.some((x) => x.status === 200 && x.time > crashedAt + 100)) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 300));
    const r = await load.stop();
    rounds.push({ responses: r.responses.length, errors: r.errors.length, holding: r.responses.filter((x) => x.holding).length });
  }
  return rounds;
}

export async function benchTrafficCrash(root: string): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'molt-bench-crash-'));
  const app = join(root, 'test', 'fixtures', 'traffic-handoff-app.mjs');
  const results: Record<string, Round[]> = {};
  try {
    for (const mode of ['handoff', 'splice']) {
      const port = await freePort();
      const p = launchMolt(root, app, { port, appPort: await freePort(), appDir: work, dataDir: join(work, `d${port}`) }, {
        MOLT_TRAFFIC_MODE: mode, MOLT_BACKOFF_INITIAL: '100ms', MOLT_HEALTH_INTERVAL: '50ms', MOLT_HEALTH_SUCCESSES: '1', MOLT_MIN_UPTIME: '1s', MOLT_CRASH_LOOP_RESTARTS: '1000',
      });
      try {
        results[mode] = await crashRounds(port, async () => void (await waitStatus(port, 200, 30_000, '/health')));
      } finally {
        await p.stop();
      }
    }
    // Baseline: the app alone, restarted by a shell-style loop the moment it exits (what `restart: always` does).
    const port = await freePort();
    let alone: Launched | undefined;
    let running = true;
    const loop = async () => {
      while (running) {
        alone = launchDetached(process.execPath, [app], { PORT: String(port) });
        await new Promise((r) => alone!.proc.once('exit', r));
      }
    };
    void loop();
    try {
      results.alone = await crashRounds(port, async () => void (await waitStatus(port, 200, 30_000, '/health')));
    } finally {
      running = false;
      if (alone) await alone.stop();
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  const row = (label: string, k: string) => {
    const r = results[k];
    return [label, median(r.map((x) => x.responses)), median(r.map((x) => x.errors)), Math.max(...r.map((x) => x.errors)), median(r.map((x) => x.holding))];
  };
  const body = [
    `${CRASHES} crashes per setup (GET /crash: the app answers, then \`process.exit(1)\` 20 ms later) under ${WORKERS} keep-alive loopback`,
    'workers on GET /; each round runs from 300 ms before the crash until 300 ms after the first 200 from the new process.',
    'App: test/fixtures/traffic-handoff-app.mjs (fastify + molt SDK); molt with MOLT_BACKOFF_INITIAL=100ms, one 50 ms health probe.',
    '',
    table(['setup', 'responses (median)', 'connection errors (median)', 'connection errors (max)', '503 holding answers (median)'], [
      row('behind molt, hand-off (default)', 'handoff'),
      row('behind molt, MOLT_TRAFFIC_MODE=splice', 'splice'),
      row('app alone, restarted by a loop on exit', 'alone'),
    ]),
    '',
    'Connection errors = refused, reset or timed-out requests as the client sees them. With hand-off molt keeps a copy of',
    'every connection it passed to the app: requests the app had not answered get the holding page, idle connections are',
    'served on. An app killed with SIGKILL cannot say which connections were idle; those are reset (see docs/traffic.md).',
  ].join('\n');
  await saveSection(root, { id: '53-traffic-crash', title: 'Traffic during crash-restarts: connection errors', body });
}
