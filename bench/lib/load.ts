import { request } from 'node:http';

export interface LoadSample { t: number; status: number; error?: string; release?: string }

/** Bounded loopback load: `workers` loops of GET / on fresh connections until stop() or maxMs. */
export function runLoad(port: number, workers = 8, maxMs = 120_000): { stop(): Promise<LoadSample[]> } {
  const samples: LoadSample[] = [];
  let running = true;
  const deadline = Date.now() + maxMs;
  const one = () =>
    new Promise<void>((resolve) => {
      const req = request({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 5000, headers: { accept: 'text/html' } }, (res) => {
        res.resume();
        res.on('end', () => (samples.push({ t: Date.now(), status: res.statusCode ?? 0, release: res.headers['x-release'] as string | undefined }), resolve()));
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (err: NodeJS.ErrnoException) => (samples.push({ t: Date.now(), status: 0, error: err.code ?? err.message }), resolve()));
      req.end();
    });
  const loops = Array.from({ length: workers }, async () => {
    while (running && Date.now() < deadline) {
      await one();
      await new Promise((r) => setTimeout(r, 2));
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      return samples;
    },
  };
}

export function summarise(samples: LoadSample[]): { total: number; errors: number; holding: number; windowMs: number } {
  const errors = samples.filter((s) => s.status === 0).length;
  const bad = samples.filter((s) => s.status !== 200);
  const windowMs = bad.length ? bad[bad.length - 1].t - bad[0].t : 0;
  return { total: samples.length, errors, holding: samples.filter((s) => s.status === 503).length, windowMs };
}
