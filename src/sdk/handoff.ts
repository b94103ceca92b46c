import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

/** What the hand-off needs of a node:http server (fastify's `app.server`). */
export interface HandoffServer {
  emit(event: 'connection', socket: Socket): boolean;
  on(event: 'request', fn: (req: { socket: Socket }, res: { statusCode: number; once(e: 'finish', fn: () => void): unknown }) => void): unknown;
  once(event: 'close', fn: () => void): unknown;
}

export interface HandoffOptions {
  /** Flush samples at least this often (default 250 ms) ... */
  flushMs?: number;
  /** ... or as soon as this many are buffered (default 200). */
  batch?: number;
}

interface Sample {
  time: number;
  status: number;
  durationMs: number;
}

let active: { stop(): void } | undefined;

/**
 * App side of MOLT_TRAFFIC_MODE=handoff: takes the connections molt passes over IPC (`{ molt: 'conn' }` + socket)
 * into `server`, measures each request served on them (molt cannot see those) and reports the samples in batches
 * (`{ molt: 'samples' }`) so probation keeps working, then announces `{ molt: 'handoff-ready' }`. molt only uses it
 * when MOLT_TRAFFIC_MODE=handoff; otherwise the announcement is ignored and no connection ever arrives.
 * Returns false (nothing installed) without a supervisor IPC channel.
 */
export function acceptHandoff(server: HandoffServer, opts: HandoffOptions = {}): boolean {
  if (typeof process.send !== 'function' || !process.connected) return false;
  active?.stop();
  const handed = new WeakSet<Socket>();
  let buffer: Sample[] = [];
  const flush = () => {
    if (!buffer.length || !process.connected) return;
    const samples = buffer;
    buffer = [];
    process.send?.({ molt: 'samples', samples });
  };
  const timer = setInterval(flush, opts.flushMs ?? 250);
  timer.unref();
  const batch = opts.batch ?? 200;
  const onMessage = (msg: unknown, handle: unknown) => {
    if (typeof msg !== 'object' || msg === null || (msg as { molt?: unknown }).molt !== 'conn' || !handle) return;
    const socket = handle as Socket;
    handed.add(socket);
    server.emit('connection', socket);
  };
  process.on('message', onMessage);
  server.on('request', (req, res) => {
    if (!handed.has(req.socket)) return; // spliced by molt: molt measured it already
    const started = performance.now();
    res.once('finish', () => {
      buffer.push({ time: Date.now(), status: res.statusCode, durationMs: performance.now() - started });
      if (buffer.length >= batch) flush();
    });
  });
  const stop = () => {
    if (active?.stop !== stop) return;
    active = undefined;
    if (process.connected) process.send?.({ molt: 'handoff-stop' });
    flush();
    clearInterval(timer);
  };
  server.once('close', () => {
    stop();
    process.off('message', onMessage);
  });
  active = { stop };
  process.send({ molt: 'handoff-ready' });
  return true;
}

/** Tells molt to stop handing connections to this process (before a drain: requestUpdate, shutdown). */
export function stopHandoff(): void {
  active?.stop();
}
