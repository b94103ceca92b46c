// Rows 4 and 5: supervisor RSS / idle CPU, requests/s and p99 (app alone, behind molt, behind PM2 fork mode), and
// restart latency after a crash (exit → new process answering), molt vs PM2.
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { footprint, httpGet, waitStatus, launchDetached } from './lib/procs.js';
import { freePort } from '../test/helpers/molt-process.js';
import { pm2Runtime } from './lib/pm2.js';
import { median, repeat, fmtMs, fmtMb, fmtRatio } from './lib/stats.js';
import { saveSection, table } from './lib/report.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const LOAD_SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 5);
const IDLE_MS = 5000;

interface Target { name: string; port: number; proc: ChildProcess; stop(): Promise<void> }

function launch(name: string, cmd: string, args: string[], env: Record<string, string>, port: number): Target {
  return { name, port, ...launchDetached(cmd, args, env) };
}

function targets(root: string, work: string) {
  const app = join(root, 'bench', 'apps', 'hello.mjs');
  const cli = join(root, 'dist', 'src', 'cli.js');
  return {
    alone: async () => { const port = await freePort(); return launch('app alone', process.execPath, [app], { PORT: String(port) }, port); },
    molt: async (extra: Record<string, string> = {}) => {
      const [port, appPort] = [await freePort(), await freePort()];
      return launch('behind molt', process.execPath, [cli, 'run', '--', process.execPath, app], {
        MOLT_PORT: String(port), MOLT_APP_PORT: String(appPort), MOLT_ADMIN_PORT: '0', MOLT_APP_DIR: work, MOLT_DATA_DIR: join(work, `data-${port}`), MOLT_LOG_LEVEL: 'warn', ...extra,
      }, port);
    },
    pm2: async () => {
      const port = await freePort();
      return launch('behind PM2 (fork)', pm2Runtime(root), ['start', app, '--name', 'hello'], { PORT: String(port), PM2_HOME: join(work, `pm2-${port}`) }, port);
    },
  };
}

async function load(port: number): Promise<{ rps: number; p99: number; errors: number }> {
  const r = await autocannon({ url: `http://127.0.0.1:${port}/`, connections: 32, duration: LOAD_SECONDS, pipelining: 1 });
  return { rps: r.requests.average, p99: r.latency.p99, errors: r.errors + r.timeouts + r.non2xx };
}

async function restartLatency(t: Target): Promise<number> {
  await waitStatus(t.port);
  await httpGet(t.port, '/crash');
  await new Promise((r) => setTimeout(r, 1)); // let the exit happen before polling
  return waitStatus(t.port, 200, 30_000);
}

export async function benchOverhead(root: string): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'molt-bench-overhead-'));
  const mk = targets(root, work);
  const appRe = /^\S*node\S*\s+\S*hello\.mjs$|^hello\b|ProcessContainerFork/;
  try {
    // Footprint and throughput
    const rows: (string | number)[][] = [];
    const results: Record<string, { rps: number; p99: number; rss: number; cpu: number; errors: number }> = {};
    for (const make of [mk.alone, () => mk.molt(), mk.pm2]) {
      const t = await make();
      await waitStatus(t.port, 200, 60_000);
      await new Promise((r) => setTimeout(r, 1500));
      const f0 = footprint(t.proc.pid!, appRe);
      await new Promise((r) => setTimeout(r, IDLE_MS));
      const f1 = footprint(t.proc.pid!, appRe);
      if (process.env.BENCH_DEBUG) console.log(t.name, f1.procs);
      const runs = await repeat(RUNS, () => load(t.port));
      results[t.name] = {
        rps: median(runs.map((r) => r.rps)), p99: median(runs.map((r) => r.p99)), errors: runs.reduce((a, r) => a + r.errors, 0),
        rss: t.name === 'app alone' ? 0 : f1.rssBytes, cpu: t.name === 'app alone' ? 0 : ((f1.ticks - f0.ticks) / 100 / (IDLE_MS / 1000)) * 100,
      };
      await t.stop();
    }
    const base = results['app alone'];
    for (const [name, r] of Object.entries(results)) {
      rows.push([name, name === 'app alone' ? '—' : fmtMb(r.rss), name === 'app alone' ? '—' : `${r.cpu.toFixed(2)} %`, Math.round(r.rps), fmtRatio(r.rps / base.rps), `${r.p99} ms`, r.errors]);
    }
    // Restart latency
    const restart: Record<string, number> = {};
    for (const [name, make] of [['molt', () => mk.molt({ MOLT_BACKOFF_INITIAL: '10ms', MOLT_MIN_UPTIME: '100ms', MOLT_CRASH_LOOP_RESTARTS: '1000', MOLT_HEALTH_SUCCESSES: '1', MOLT_HEALTH_INTERVAL: '20ms' })], ['PM2', mk.pm2]] as const) {
      const t = await make();
      const times = await repeat(RUNS, async () => { const ms = await restartLatency(t); await new Promise((r) => setTimeout(r, 1200)); return ms; });
      restart[name] = median(times);
      await t.stop();
    }
    const body = [
      `Same app (bench/apps/hello.mjs, node:http "ok") in each setup; load: autocannon, 32 connections, ${LOAD_SECONDS} s, ${RUNS} runs (median).`,
      'Supervisor RSS and idle CPU count every process of the supervisor tree except the app itself, after 1.5 s warm-up, idle CPU over 5 s.',
      '',
      table(['setup', 'supervisor RSS', 'idle CPU', 'req/s', 'vs alone', 'p99', 'errors'], rows),
      '',
      `Restart latency after a crash (GET /crash → process exits → first 200 from the new process), median of ${RUNS}:`,
      '',
      table(['supervisor', 'restart latency', 'settings'], [
        ['molt', fmtMs(restart.molt), 'MOLT_BACKOFF_INITIAL=10ms, MOLT_HEALTH_SUCCESSES=1, MOLT_HEALTH_INTERVAL=20ms (defaults 1 s, 3, 500 ms: traffic returns only after 3 health probes 500 ms apart, ≈ 2.5 s)'],
        ['PM2 (pm2-runtime, fork)', fmtMs(restart.PM2), 'defaults (restart_delay 0)'],
      ]),
    ].join('\n');
    await saveSection(root, { id: '40-overhead', title: '4–5. Supervisor overhead and restart latency vs PM2', body });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
