import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { HandoffStats } from './handoff-stats.js';

interface Res {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  readonly headersSent: boolean;
  on(e: 'finish', fn: (this: Res) => void): unknown;
}
interface Req {
  socket: Socket;
  method?: string;
  headers: Record<string, string | string[] | undefined>;
}

/** What the hand-off needs of a node:http server (fastify's `app.server`). */
export interface HandoffServer {
  emit(event: 'connection', socket: Socket): boolean;
  prependListener(event: 'request', fn: (req: Req, res: Res) => void): unknown;
  once(event: 'close', fn: () => void): unknown;
}

export interface HandoffOptions {
  /** Send the request counts to molt this often (default 250 ms). */
  flushMs?: number;
}

/** A connection molt handed over; molt keeps its own copy of the descriptor until we report it closed. */
interface Conn {
  id: number;
  /** Requests read and not yet answered completely. */
  inflight: number;
  req?: Req;
  res?: Res;
}

// node:http frees a socket's parser when an upgrade (WebSocket) or CONNECT takes the socket over, and only after our
// 'close' listener (added before the server's) ran otherwise: no parser = no longer HTTP, molt must not serve it on.
const detached = (socket: Socket) => (socket as unknown as { parser?: unknown }).parser == null;
/** How a handed-off connection ended here (molt: `ended` → close its copy, `idle` → may serve it on, `aborted` → reset). */
type How = 'ended' | 'idle' | 'aborted';

const kConn = Symbol('molt.conn');
const kStart = Symbol('molt.start');
type Tracked = Res & { [kConn]?: Conn; [kStart]?: number };

interface Active {
  stop(graceMs: number): Promise<void>;
}
let active: Active | undefined;

/**
 * App side of connection hand-off (MOLT_TRAFFIC_MODE=handoff, the default): takes the connections molt passes over
 * IPC (`{ molt: 'conn', id }` + socket) into `server` and announces `{ molt: 'handoff-ready' }`.
 * - Counts each answer on them per (status, latency bin) and sends the counts every `flushMs` (`{ molt: 'samples' }`,
 *   with `count`), so probation keeps working at the cost of a counter increment per request.
 * - molt keeps its own copy of each descriptor, so the connection outlives this process. We tell molt how each one
 *   ended here (`{ molt: 'conns-closed' }`), and on exit — also after an uncaught exception — which were idle and which
 *   had a request waiting for an answer (`{ molt: 'handoff-exit' }`): molt then serves the idle ones on and answers the
 *   waiting ones with the holding page, so a crash or a stop costs keep-alive clients nothing.
 * While molt says maintenance is on, or after stopHandoff(), answers on handed-off connections carry
 * `Connection: close`. Returns false (nothing installed) without a supervisor IPC channel.
 */
export function acceptHandoff(server: HandoffServer, opts: HandoffOptions = {}): boolean {
  if (typeof process.send !== 'function' || !process.connected) return false;
  void active?.stop(0);
  const handed = new Map<Socket, Conn>();
  const stats = new HandoffStats();
  let closed: Array<[number, How]> = [];
  let maintenance = false;
  let stopped = false;
  let emptied: (() => void) | undefined;
  const send = (msg: object) => {
    if (process.connected) process.send?.(msg);
  };
  const flush = () => {
    if (!stats.empty) send({ molt: 'samples', samples: stats.drain(Date.now()) });
  };
  const flushClosed = () => {
    if (!closed.length) return;
    send({ molt: 'conns-closed', conns: closed });
    closed = [];
  };
  const noteClosed = (socket: Socket, conn: Conn) => {
    if (conn.id < 0) return;
    if (!closed.length) setImmediate(flushClosed);
    const how: How = socket.writableEnded ? (conn.inflight > 0 ? 'aborted' : 'ended') : conn.inflight > 0 || detached(socket) ? 'aborted' : 'idle';
    closed.push([conn.id, how]);
  };
  const timer = setInterval(flush, opts.flushMs ?? 250);
  timer.unref();
  const onMessage = (msg: unknown, handle: unknown) => {
    if (typeof msg !== 'object' || msg === null) return;
    const kind = (msg as { molt?: unknown }).molt;
    if (kind === 'maintenance') maintenance = (msg as { active?: unknown }).active === true;
    if (kind !== 'conn' || !handle) return;
    const socket = handle as Socket;
    const id = (msg as { id?: unknown }).id;
    const conn: Conn = { id: typeof id === 'number' ? id : -1, inflight: 0 };
    handed.set(socket, conn);
    // Count it like a connection the server accepted itself, so close() (fastify's drain) waits for it too:
    // net.Socket's destroy decrements `_server._connections` and emits the server's 'close' once drained.
    const srv = server as unknown as { _connections?: number };
    if (typeof srv._connections === 'number') {
      srv._connections++;
      (socket as unknown as { _server: unknown })._server = server;
    }
    socket.once('close', () => {
      handed.delete(socket);
      noteClosed(socket, conn);
      if (handed.size === 0) emptied?.();
    });
    // net.Server does this for sockets it accepts itself (http servers default to noDelay): without it Nagle's
    // algorithm delays small answers on handed-off connections.
    if ((server as { noDelay?: boolean }).noDelay !== false) socket.setNoDelay(true);
    server.emit('connection', socket);
  };
  function onFinish(this: Tracked): void {
    const conn = this[kConn]!;
    conn.inflight--;
    if (conn.res === this) conn.req = conn.res = undefined;
    if (stats.record(this.statusCode, performance.now() - this[kStart]!)) flush();
  }
  const onExit = () => {
    flush();
    const idle: number[] = [];
    const waiting: Array<{ id: number; head: boolean; accept?: string; acceptLanguage?: string }> = [];
    for (const [socket, conn] of handed) {
      // destroyed, 'close' not emitted yet (exit right after server.close()): report it as closed
      if (socket.destroyed) noteClosed(socket, conn);
      else if (detached(socket)) continue; // unlisted: molt resets it, as the app's exit would have
      else if (conn.inflight === 0) idle.push(conn.id);
      else if (conn.req && conn.res && !conn.res.headersSent) {
        const h = conn.req.headers;
        waiting.push({ id: conn.id, head: conn.req.method === 'HEAD', accept: str(h.accept), acceptLanguage: str(h['accept-language']) });
      }
    }
    handed.clear();
    // Synchronous enough: small IPC writes go out before the process ends. Unlisted connections are reset by molt.
    flushClosed();
    send({ molt: 'handoff-exit', idle, waiting });
  };
  process.on('message', onMessage);
  process.on('exit', onExit);
  server.prependListener('request', (req, res) => {
    const conn = handed.get(req.socket);
    if (!conn) return; // spliced by molt: molt measured it already
    const r = res as Tracked;
    r[kConn] = conn;
    r[kStart] = performance.now();
    conn.inflight++;
    conn.req = req;
    conn.res = res;
    if (stopped || maintenance) res.setHeader('connection', 'close');
    res.on('finish', onFinish);
  });
  const self: Active = {
    stop(graceMs) {
      if (!stopped) {
        stopped = true;
        send({ molt: 'handoff-stop' });
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
  // Whoever closes the server (fastify's close(), a signal handler): molt stops passing connections first, so the
  // idle ones close() drops are served on by molt instead of being closed under keep-alive clients.
  const srv = server as unknown as { close?: (...args: unknown[]) => unknown };
  const close = srv.close;
  if (typeof close === 'function') {
    srv.close = function (this: unknown, ...args: unknown[]) {
      void self.stop(0);
      return close.apply(this, args);
    };
  }
  server.once('close', () => {
    void self.stop(0);
    clearInterval(timer);
    flushClosed();
    process.off('message', onMessage);
    if (active === self) active = undefined;
  });
  active = self;
  // v2: this SDK reports closes and its exit state, so molt may keep its copy of each connection (older SDKs do not)
  process.send({ molt: 'handoff-ready', v: 2 });
  return true;
}

function str(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(', ') : v;
}

/**
 * Tells molt to stop handing connections to this process; with `graceMs` > 0 also waits (that long at most) until
 * the connections it already handed over are gone. Not needed before closing the server: idle handed-off
 * connections the server closes are served on by molt. Resolves at once when hand-off is not in use.
 */
export function stopHandoff(graceMs = 0): Promise<void> {
  return active?.stop(graceMs) ?? Promise.resolve();
}
