import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

interface Res {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  readonly headersSent: boolean;
  once(e: 'finish', fn: () => void): unknown;
}

/** What the hand-off needs of a node:http server (fastify's `app.server`). */
export interface HandoffServer {
  emit(event: 'connection', socket: Socket): boolean;
  prependListener(event: 'request', fn: (req: { socket: Socket }, res: Res) => void): unknown;
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

interface Active {
  stop(graceMs: number): Promise<void>;
}
let active: Active | undefined;

/**
 * App side of MOLT_TRAFFIC_MODE=handoff: takes the connections molt passes over IPC (`{ molt: 'conn' }` + socket)
 * into `server`, measures each request served on them (molt cannot see those) and reports the samples in batches
 * (`{ molt: 'samples' }`) so probation keeps working, then announces `{ molt: 'handoff-ready' }`. molt only uses it
 * when MOLT_TRAFFIC_MODE=handoff; otherwise the announcement is ignored and no connection ever arrives.
 * While molt says maintenance is on, or after stopHandoff(), answers on handed-off connections carry
 * `Connection: close`, so clients leave those connections after a complete answer instead of racing a close.
 * Returns false (nothing installed) without a supervisor IPC channel.
 */
export function acceptHandoff(server: HandoffServer, opts: HandoffOptions = {}): boolean {
  if (typeof process.send !== 'function' || !process.connected) return false;
  void active?.stop(0);
  const handed = new Set<Socket>();
  let buffer: Sample[] = [];
  let maintenance = false;
  let stopped = false;
  let emptied: (() => void) | undefined;
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
    if (typeof msg !== 'object' || msg === null) return;
    const kind = (msg as { molt?: unknown }).molt;
    if (kind === 'maintenance') maintenance = (msg as { active?: unknown }).active === true;
    if (kind !== 'conn' || !handle) return;
    const socket = handle as Socket;
    handed.add(socket);
    // Count it like a connection the server accepted itself, so close() (fastify's drain) waits for it too:
    // net.Socket's destroy decrements `_server._connections` and emits the server's 'close' once drained.
    const srv = server as unknown as { _connections?: number };
    if (typeof srv._connections === 'number') {
      srv._connections++;
      (socket as unknown as { _server: unknown })._server = server;
    }
    socket.once('close', () => {
      handed.delete(socket);
      if (handed.size === 0) emptied?.();
    });
    server.emit('connection', socket);
  };
  process.on('message', onMessage);
  server.prependListener('request', (req, res) => {
    if (!handed.has(req.socket)) return; // spliced by molt: molt measured it already
    const started = performance.now();
    if (stopped || maintenance) res.setHeader('connection', 'close');
    res.once('finish', () => {
      buffer.push({ time: Date.now(), status: res.statusCode, durationMs: performance.now() - started });
      if (buffer.length >= batch) flush();
    });
  });
  const self: Active = {
    stop(graceMs) {
      if (!stopped) {
        stopped = true;
        if (process.connected) process.send?.({ molt: 'handoff-stop' });
        flush();
      }
      if (handed.size === 0 || graceMs <= 0) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const t = setTimeout(resolve, graceMs);
        t.unref();
        emptied = () => (clearTimeout(t), resolve());
      });
    },
  };
  server.once('close', () => {
    void self.stop(0);
    clearInterval(timer);
    process.off('message', onMessage);
    if (active === self) active = undefined;
  });
  active = self;
  process.send({ molt: 'handoff-ready' });
  return true;
}

/**
 * Tells molt to stop handing connections to this process and waits (up to `graceMs`) until the connections it
 * already handed over are gone: each gets its next answer with `Connection: close`. Call before closing the server
 * (requestUpdate does). Resolves at once when hand-off is not in use.
 */
export function stopHandoff(graceMs = 0): Promise<void> {
  return active?.stop(graceMs) ?? Promise.resolve();
}
