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
  /** True when `child` reported ready before the gate began listening (a fast boot must not be missed). */
  alreadyReady?: () => boolean;
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

/**
 * Waits until the app is healthy: `successes` 2xx in a row on `path`, or the SDK's ready() over IPC. Event-driven:
 * the first probe goes out at once, and a ready message, the app's exit or an abort end the wait the moment they
 * arrive (not at the next probe interval).
 */
export async function waitHealthy(opts: HealthGateOptions): Promise<HealthGateResult> {
  const started = Date.now();
  let streak = 0;
  let probes = 0;
  let failures = 0;
  let lastStatus = 0;
  let readyVia = opts.alreadyReady?.() === true;
  let exited: string | undefined;
  let kick!: () => void;
  const kicked = new Promise<void>((r) => (kick = r));
  const offReady = opts.events?.on('app_ready', (e) => {
    if (!opts.child || e.pid === opts.child.pid) (readyVia = true), kick();
  });
  void opts.child?.exited.then((x) => ((exited = `app exited with status ${x.status} during the health gate`), kick()));
  opts.signal?.addEventListener('abort', kick, { once: true });
  let timer: NodeJS.Timeout | undefined;
  try {
    for (;;) {
      if (opts.signal?.aborted) throw new MoltError('MOLT_E_ABORTED', 'health gate aborted', { cause: opts.signal.reason });
      if (exited) throw new MoltError('MOLT_E_APP_START', exited, { context: { probes, failures } });
      if (readyVia) return { via: 'ipc', probes, failures, durationMs: Date.now() - started };
      const left = opts.timeoutMs - (Date.now() - started);
      if (left <= 0) break;
      const status = await Promise.race([probe(opts.port, opts.path, Math.min(2000, opts.timeoutMs)), kicked.then(() => null)]);
      if (status === null) continue; // ready, exit or abort arrived mid-probe: decided at the top of the loop
      lastStatus = status;
      probes++;
      if (lastStatus >= 200 && lastStatus < 300) {
        if (++streak >= opts.successes) return { via: 'health', probes, failures, durationMs: Date.now() - started };
      } else {
        streak = 0;
        failures++;
      }
      await Promise.race([new Promise((r) => (timer = setTimeout(r, Math.min(opts.intervalMs, Math.max(0, left))))), kicked]);
      clearTimeout(timer);
    }
  } finally {
    clearTimeout(timer);
    offReady?.();
    opts.signal?.removeEventListener('abort', kick);
  }
  if (exited) throw new MoltError('MOLT_E_APP_START', exited, { context: { probes, failures } });
  throw new MoltError('MOLT_E_HEALTH', `GET ${opts.path} on port ${opts.port} did not answer 2xx ${opts.successes} times in a row within ${opts.timeoutMs}ms (last status ${lastStatus || 'no connection'}, ${probes} probes)`, {
    context: { probes, failures, lastStatus },
  });
}
