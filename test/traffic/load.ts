import { Agent, request } from 'node:http';

export interface LoadResult {
  /** time = when the response finished (ms since epoch). */
  responses: { time: number; status: number; version: string | null; holding: boolean; body: string }[];
  errors: { time: number; code: string }[];
}

/**
 * A bounded loopback load: `concurrency` keep-alive workers send GET `path` until `stop()` is called, `maxRequests`
 * were sent or `maxMs` passed — whichever comes first. Every response and every connection error is recorded.
 */
export function startLoad(port: number, opts: { concurrency?: number; maxRequests?: number; maxMs?: number; path?: string } = {}) {
  const agent = new Agent({ keepAlive: true, maxSockets: opts.concurrency ?? 8 });
  const result: LoadResult = { responses: [], errors: [] };
  const deadline = Date.now() + (opts.maxMs ?? 30_000);
  const maxRequests = opts.maxRequests ?? 20_000;
  let sent = 0;
  let stopped = false;
  const one = () =>
    new Promise<void>((resolve) => {
      const req = request({ host: '127.0.0.1', port, path: opts.path ?? '/', agent, headers: { accept: 'text/html' } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => {
          const v = res.headers['x-app-version'];
          result.responses.push({ time: Date.now(), status: res.statusCode ?? 0, version: typeof v === 'string' ? v : null, holding: res.statusCode === 503 && res.headers['retry-after'] !== undefined, body: body.slice(0, 80) });
          resolve();
        });
        res.on('error', (e: NodeJS.ErrnoException) => (result.errors.push({ time: Date.now(), code: e.code ?? e.message }), resolve()));
      });
      req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
      req.on('error', (e: NodeJS.ErrnoException) => (result.errors.push({ time: Date.now(), code: e.code ?? e.message }), resolve()));
      req.end();
    });
  const worker = async () => {
    while (!stopped && sent < maxRequests && Date.now() < deadline) {
      sent++;
      await one();
      await new Promise((r) => setTimeout(r, 2)); // leave CPU to the processes under test
    }
  };
  const done = Promise.all(Array.from({ length: opts.concurrency ?? 8 }, worker)).then(() => {
    agent.destroy();
    return result;
  });
  return {
    result,
    done,
    stop(): Promise<LoadResult> {
      stopped = true;
      return done;
    },
  };
}
