import { readFileSync, readdirSync } from 'node:fs';
import { request } from 'node:http';

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
