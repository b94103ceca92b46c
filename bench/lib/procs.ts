import { readFileSync, readdirSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { spawn } from 'node:child_process';

interface Proc { pid: number; ppid: number; cmd: string; rssKb: number; cpuTicks: number }

function readProc(pid: number): Proc | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
    return { pid, ppid: Number(rest[1]), cmd, rssKb: rss, cpuTicks: Number(rest[11]) + Number(rest[12]) };
  } catch {
    return undefined;
  }
}

/** The process tree under `root` (inclusive). */
export function tree(root: number): Proc[] {
  const all = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map((d) => readProc(Number(d))).filter((p): p is Proc => !!p);
  const out: Proc[] = [];
  const walk = (pid: number) => {
    const p = all.find((x) => x.pid === pid);
    if (p) out.push(p);
    for (const c of all.filter((x) => x.ppid === pid)) walk(c.pid);
  };
  walk(root);
  return out;
}

/** RSS (bytes) and CPU ticks of the tree under `root`, excluding processes whose command line matches `exclude`. */
export function footprint(root: number, exclude: RegExp): { rssBytes: number; ticks: number; procs: string[] } {
  const ps = tree(root).filter((p) => !exclude.test(p.cmd));
  return { rssBytes: ps.reduce((a, p) => a + p.rssKb * 1024, 0), ticks: ps.reduce((a, p) => a + p.cpuTicks, 0), procs: ps.map((p) => p.cmd.slice(0, 60)) };
}

export function httpGet(port: number, path = '/', timeoutMs = 1000): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}

/** Polls until GET answers `status` (default 200); returns elapsed ms. Bounded by timeoutMs. */
export async function waitStatus(port: number, status = 200, timeoutMs = 30_000, path = '/'): Promise<number> {
  const t = performance.now();
  while (performance.now() - t < timeoutMs) {
    if ((await httpGet(port, path, 500)) === status) return performance.now() - t;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`port ${port} did not answer ${status} within ${timeoutMs}ms`);
}

export interface Launched {
  proc: import('node:child_process').ChildProcess;
  /** SIGTERM to the whole process group, SIGKILL after 8 s; resolves once the leader exited. */
  stop(): Promise<void>;
}

/** Starts `cmd` as the leader of its own process group with a minimal environment plus `env`. */
export function launchDetached(cmd: string, args: string[], env: Record<string, string>): Launched {
  const proc = spawn(cmd, args, { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', ...env }, stdio: process.env.BENCH_DEBUG ? 'inherit' : 'ignore', detached: true });
  const killGroup = (sig: NodeJS.Signals) => {
    try {
      process.kill(-proc.pid!, sig);
    } catch {
      /* gone */
    }
  };
  return {
    proc,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const done = new Promise((r) => proc.once('exit', r));
      killGroup('SIGTERM');
      const t = setTimeout(() => killGroup('SIGKILL'), 8000);
      await done;
      clearTimeout(t);
    },
  };
}

/** Where a benchmarked `molt run` listens and keeps its files. */
export interface MoltPorts {
  port: number;
  appPort: number;
  /** MOLT_APP_DIR */
  appDir: string;
  /** MOLT_DATA_DIR */
  dataDir: string;
}

/** `molt run -- node <app>` for a bench row: no admin console, no tini, no auto updates, warnings only; plus `env`. */
export function launchMolt(root: string, app: string, where: MoltPorts, env: Record<string, string> = {}): Launched {
  return launchDetached(process.execPath, [join(root, 'dist', 'src', 'cli.js'), 'run', '--', process.execPath, app], {
    MOLT_PORT: String(where.port), MOLT_APP_PORT: String(where.appPort), MOLT_ADMIN_PORT: '0', MOLT_APP_DIR: where.appDir, MOLT_DATA_DIR: where.dataDir,
    MOLT_LOG_LEVEL: 'warn', MOLT_TINI: 'off', MOLT_AUTO_UPDATE: 'off', ...env,
  });
}
