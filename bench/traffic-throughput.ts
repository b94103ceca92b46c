// Traffic section: req/s and p99 of the example app alone vs behind a raw TCP splice (what any user-space forwarder
// costs on this machine), and of a minimal fastify app with and without the SDK maintenance plugin. The example app
// behind molt (hand-off, splice) and under PM2 is the next section (bench/traffic-handoff.ts, 7 rounds). Rounds are
// interleaved so background load on the shared machine hits every setup alike; medians are reported.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { launchDetached, waitStatus, type Launched } from './lib/procs.js';
import { median, fmtMs, fmtRatio, rotated } from './lib/stats.js';
import { saveSection, table } from './lib/report.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const LOAD_SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 5);
const CONNECTIONS = 32;
// below the ephemeral range (32768–60999), so client sockets of other processes never hold these ports
let nextPort = 23400;

interface Setup { name: string; port: number; procs: Launched[] }
interface Sample { rps: number; p99: number; errors: number }



async function measure(port: number, path: string): Promise<Sample> {
  const r = await autocannon({ url: `http://127.0.0.1:${port}${path}`, connections: CONNECTIONS, duration: LOAD_SECONDS, pipelining: 1 });
  return { rps: r.requests.average, p99: r.latency.p99, errors: r.errors + r.timeouts + r.non2xx };
}

export async function benchTraffic(root: string): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'molt-bench-traffic-'));
  const example = join(root, 'examples', 'app', 'server.mjs');
  const fastifyApp = join(root, 'bench', 'apps', 'traffic-fastify.mjs');
  const splice = join(root, 'dist', 'bench', 'traffic-splice.js');
  const makers: Record<string, () => Setup> = {
    'example app alone': () => {
      const port = nextPort++;
      return { name: 'example app alone', port, procs: [launchDetached(process.execPath, [example], { PORT: String(port), MOLT_DATA_DIR: join(work, `d${port}`) })] };
    },
    'example app behind a raw TCP splice (reference)': () => {
      const port = nextPort; nextPort += 2;
      return { name: 'splice', port, procs: [
        launchDetached(process.execPath, [example], { PORT: String(port + 1), MOLT_DATA_DIR: join(work, `d${port}`) }),
        launchDetached(process.execPath, [splice, String(port), String(port + 1)], {}),
      ] };
    },
    'fastify, no plugin': () => {
      const port = nextPort++;
      return { name: 'fastify', port, procs: [launchDetached(process.execPath, [fastifyApp], { PORT: String(port) })] };
    },
    'fastify + maintenance plugin (inactive)': () => {
      const port = nextPort++;
      return { name: 'fastify+plugin', port, procs: [launchDetached(process.execPath, [fastifyApp], { PORT: String(port), MAINTENANCE: '1', MOLT_DATA_DIR: join(work, `d${port}`) })] };
    },
  };
  const samples: Record<string, Sample[]> = Object.fromEntries(Object.keys(makers).map((k) => [k, []]));
  try {
    for (let round = 0; round < RUNS; round++) {
      for (const [name, make] of rotated(Object.entries(makers), round)) {
        const s = make();
        try {
          await waitStatus(s.port, 200, 60_000, '/health').catch(() => waitStatus(s.port, 200, 30_000, '/'));
          await autocannon({ url: `http://127.0.0.1:${s.port}/`, connections: CONNECTIONS, duration: 1 }); // warm-up (JIT)
          samples[name].push(await measure(s.port, '/'));
          process.stdout.write(`  traffic ${name} round ${round + 1}: ${samples[name].at(-1)!.rps.toFixed(0)} req/s\n`);
        } finally {
          await Promise.all(s.procs.map((p) => p.stop()));
        }
      }
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  const med = (k: string) => ({ rps: median(samples[k].map((x) => x.rps)), p99: median(samples[k].map((x) => x.p99)), errors: samples[k].reduce((a, x) => a + x.errors, 0) });
  const row = (k: string, base: string) => {
    const m = med(k);
    return [k, m.rps.toFixed(0), fmtRatio(m.rps / med(base).rps), fmtMs(m.p99), m.errors];
  };
  const body = [
    `Load: autocannon, ${CONNECTIONS} keep-alive connections, ${LOAD_SECONDS} s after a 1 s warm-up, GET /, median of ${RUNS} interleaved rounds (order rotated each round).`,
    '',
    table(['setup', 'req/s', 'vs baseline', 'p99', 'errors'], [
      row('example app alone', 'example app alone'),
      row('example app behind a raw TCP splice (reference)', 'example app alone'),
      row('fastify, no plugin', 'fastify, no plugin'),
      row('fastify + maintenance plugin (inactive)', 'fastify, no plugin'),
    ]),
    '',
    'The example app is examples/app/server.mjs (fastify + better-sqlite3 + the maintenance plugin). The machine has 2 cores',
    'shared by autocannon, the app and the forwarder, so any forwarder costs throughput here. The same app behind molt',
    '(hand-off, the default for SDK apps: molt out of the data path; splice for other apps) and under PM2 is the next',
    'section. See docs/traffic.md.',
  ].join('\n');
  await saveSection(root, { id: '50-traffic', title: 'Traffic: what a user-space forwarder costs, maintenance plugin overhead', body });
}
