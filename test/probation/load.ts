import { Agent, request } from 'node:http';

export interface LoadResult {
  sent: number;
  byStatus: Record<number, number>;
}

/**
 * Bounded loopback load: `total` GETs spread over `concurrency` workers with `pauseMs` between a worker's requests.
 * Each request has a 5 s timeout, so the whole run is bounded by total × (5 s + pauseMs) / concurrency.
 */
export async function load(port: number, opts: { total: number; concurrency?: number; pauseMs?: number; path?: string }): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: opts.concurrency ?? 4 });
  const result: LoadResult = { sent: 0, byStatus: {} };
  let next = 0;
  const one = () =>
    new Promise<number>((resolve) => {
      const req = request({ host: '127.0.0.1', port, path: opts.path ?? '/', agent, timeout: 5000 }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', () => resolve(0));
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(0));
      req.end();
    });
  const worker = async () => {
    while (next < opts.total) {
      next++;
      const status = await one();
      result.sent++;
      result.byStatus[status] = (result.byStatus[status] ?? 0) + 1;
      if (opts.pauseMs) await new Promise((r) => setTimeout(r, opts.pauseMs));
    }
  };
  try {
    await Promise.all(Array.from({ length: opts.concurrency ?? 4 }, worker));
  } finally {
    agent.destroy();
  }
  return result;
}
