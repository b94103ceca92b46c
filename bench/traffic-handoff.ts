// Traffic hand-off section: req/s and p99 of the example app alone vs behind `molt run` in splice mode (default)
// vs MOLT_TRAFFIC_MODE=handoff (the SDK's listen() takes each connection over IPC). Rounds are interleaved so
// background load on the shared machine hits every setup alike; medians are reported.
import { createServer } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { launchDetached, launchMolt, waitStatus, type Launched } from './lib/procs.js';
import { median, fmtMs, fmtRatio, rotated } from './lib/stats.js';
import { saveSection, table } from './lib/report.js';
import { pm2Runtime } from './lib/pm2.js';

const RUNS = Math.max(7, Number(process.env.BENCH_RUNS ?? 7));
const LOAD_SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 5);
const CONNECTIONS = 32;

interface Sample { rps: number; p99: number; errors: number }



// Ports from the OS: fixed ranges collided with other processes on the shared machine.
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

export async function benchTrafficHandoff(root: string): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'molt-bench-handoff-'));
  const example = join(root, 'examples', 'app', 'server.mjs');
  const behind = (mode: string) => (port: number, appPort: number) =>
    launchMolt(root, example, { port, appPort, appDir: work, dataDir: join(work, `d${port}`) }, { MOLT_TRAFFIC_MODE: mode });
  const setups: Record<string, (port: number, appPort: number) => Launched> = {
    'example app alone': (port) => launchDetached(process.execPath, [example], { PORT: String(port), MOLT_DATA_DIR: join(work, `d${port}`) }),
    'behind molt, MOLT_TRAFFIC_MODE=splice': behind('splice'),
    'behind molt, hand-off (default)': behind('handoff'),
    // reference: a supervisor that is never in the data path (the app listens on the port itself)
    'under PM2 (fork mode, reference)': (port) => launchDetached(process.execPath, [pm2Runtime(root), 'start', example, '--name', 'example'], { PORT: String(port), MOLT_DATA_DIR: join(work, `d${port}`), PM2_HOME: join(work, `pm2-${port}`) }),
  };
  const samples: Record<string, Sample[]> = Object.fromEntries(Object.keys(setups).map((k) => [k, []]));
  try {
    for (let round = 0; round < RUNS; round++) {
      for (const [name, make] of rotated(Object.entries(setups), round)) {
        const port = await freePort();
        const p = make(port, await freePort());
        try {
          const up = await waitStatus(port, 200, 60_000, '/health').then(() => true, () => false);
          if (!up) {
            process.stdout.write(`  traffic-handoff ${name} round ${round + 1}: did not become healthy in 60 s; round skipped\n`);
            continue;
          }
          await autocannon({ url: `http://127.0.0.1:${port}/`, connections: CONNECTIONS, duration: 1 }); // warm-up (JIT)
          const r = await autocannon({ url: `http://127.0.0.1:${port}/`, connections: CONNECTIONS, duration: LOAD_SECONDS, pipelining: 1 });
          samples[name].push({ rps: r.requests.average, p99: r.latency.p99, errors: r.errors + r.timeouts + r.non2xx });
          process.stdout.write(`  traffic-handoff ${name} round ${round + 1}: ${r.requests.average.toFixed(0)} req/s p99 ${r.latency.p99} ms\n`);
        } finally {
          await p.stop();
        }
      }
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  const med = (k: string) => ({ rps: median(samples[k].map((x) => x.rps)), p99: median(samples[k].map((x) => x.p99)), errors: samples[k].reduce((a, x) => a + x.errors, 0) });
  const base = med('example app alone');
  const rows = Object.keys(setups).map((k) => {
    const m = med(k);
    // paired: each round's ratio to the app alone in the same round (background load hits a round's setups alike)
    const paired = samples[k].map((x, i) => x.rps / (samples['example app alone'][i]?.rps ?? NaN)).filter(Number.isFinite);
    return [k, m.rps.toFixed(0), fmtRatio(m.rps / base.rps), fmtRatio(median(paired)), fmtMs(m.p99), m.errors, samples[k].map((x) => x.rps.toFixed(0)).join(' / ')];
  });
  const body = [
    `Load: autocannon, ${CONNECTIONS} keep-alive connections, ${LOAD_SECONDS} s after a 1 s warm-up, GET / of examples/app/server.mjs, median of ${RUNS} interleaved rounds (order rotated each round).`,
    '',
    table(['setup', 'req/s', 'vs alone', 'median per-round ratio', 'p99', 'errors', 'per round'], rows),
    '',
    'hand-off: molt accepts, passes each connection to the app over IPC (child.send with the socket) and is out of the',
    'data path; it keeps a paused copy of each connection so a crash or stop of the app costs clients nothing; the app',
    'counts answers per (status, latency bin) and sends the counts every 250 ms for probation. See docs/traffic.md.',
    'PM2 in fork mode is the reference for "a supervisor out of the data path": the app listens on the port itself, so',
    'whatever separates it from the app alone is this machine\'s run-to-run noise (2 shared vCPUs), not forwarding.',
  ].join('\n');
  await saveSection(root, { id: '51-traffic-handoff', title: 'Traffic: connection hand-off vs splice', body });
}
