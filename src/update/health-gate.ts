import { request } from 'node:http';
import { MoltError } from '../core/errors.js';
import type { EventBus } from '../core/events.js';
import type { ChildHandle } from '../supervisor/child-process.js';

export interface HealthGateOptions {
  port: number;
  path: string;
  timeoutMs: number;
  /** Consecutive 2xx answers needed; a single failed probe only resets the streak (no flapping rollbacks). */
  successes: number;
  intervalMs: number;
  /** The app process under test: its exit fails the gate at once. */
  child?: ChildHandle;
  /** When given, an `app_ready` IPC message from `child` passes the gate too (SDK ready()). */
  events?: EventBus;
  signal?: AbortSignal;
}

export interface HealthGateResult {
  via: 'health' | 'ipc';
  probes: number;
  failures: number;
  durationMs: number;
}

/** One GET on loopback; resolves with the status code, or 0 on connection error/timeout. */
export function probe(port: number, path: string, timeoutMs = 2000): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', timeout: timeoutMs, headers: { 'user-agent': 'molt-health' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}

/** Waits until the app is healthy: `successes` 2xx in a row on `path`, or the SDK's ready() over IPC. */
export async function waitHealthy(opts: HealthGateOptions): Promise<HealthGateResult> {
  const started = Date.now();
  let streak = 0;
  let probes = 0;
  let failures = 0;
  let lastStatus = 0;
  let readyVia: 'ipc' | undefined;
  let exited: string | undefined;
  const offReady = opts.events?.on('app_ready', (e) => {
    if (!opts.child || e.pid === opts.child.pid) readyVia = 'ipc';
  });
  void opts.child?.exited.then((x) => (exited = `app exited with status ${x.status} during the health gate`));
  try {
    while (Date.now() - started < opts.timeoutMs) {
      if (opts.signal?.aborted) throw new MoltError('MOLT_E_ABORTED', 'health gate aborted', { cause: opts.signal.reason });
      if (exited) throw new MoltError('MOLT_E_APP_START', exited, { context: { probes, failures } });
      if (readyVia) return { via: 'ipc', probes, failures, durationMs: Date.now() - started };
      lastStatus = await probe(opts.port, opts.path, Math.min(2000, opts.timeoutMs));
      probes++;
      if (lastStatus >= 200 && lastStatus < 300) {
        if (++streak >= opts.successes) return { via: 'health', probes, failures, durationMs: Date.now() - started };
      } else {
        streak = 0;
        failures++;
      }
      await new Promise((r) => setTimeout(r, opts.intervalMs));
    }
  } finally {
    offReady?.();
  }
  if (exited) throw new MoltError('MOLT_E_APP_START', exited, { context: { probes, failures } });
  throw new MoltError('MOLT_E_HEALTH', `GET ${opts.path} on port ${opts.port} did not answer 2xx ${opts.successes} times in a row within ${opts.timeoutMs}ms (last status ${lastStatus || 'no connection'}, ${probes} probes)`, {
    context: { probes, failures, lastStatus },
  });
}
