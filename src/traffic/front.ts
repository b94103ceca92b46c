import { createServer, type Agent, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../core/logger.js';
import type { EventBus } from '../core/events.js';
import { MoltError } from '../core/errors.js';
import type { HoldInfo, RequestObserver, RequestSample, TrafficControl } from './api.js';
import { rawHoldingAnswer, renderHolding, type HoldingRequest, type HoldingResponse } from './holding-page.js';
import { forward, upstreamAgent } from './proxy.js';
import { parserBinding, type ParserBinding } from './http-parser.js';
import { SplicedConnection } from './splice.js';
import { tunnelUpgrade } from './upgrade.js';
import './events.js';

/** Who answers the public port. */
export type FrontState = { kind: 'held'; info: HoldInfo; since: number } | { kind: 'released'; since: number };
export type FrontCommand = { type: 'hold'; info: HoldInfo; now: number } | { type: 'release'; now: number };

/** Pure transition: a hold while held only updates what the page says (the window keeps its start). */
export function nextFrontState(s: FrontState, c: FrontCommand): FrontState {
  if (c.type === 'hold') return s.kind === 'held' ? { ...s, info: c.info } : { kind: 'held', info: c.info, since: c.now };
  return s.kind === 'released' ? s : { kind: 'released', since: c.now };
}

export interface TrafficFrontOptions {
  /** Public port (MOLT_PORT) and address; all interfaces when host is unset. */
  port: number;
  host?: string;
  /** Where the app listens (the `PORT` it was given). */
  appPort: number;
  appHost?: string;
  logger: Logger;
  events?: EventBus;
  /** Retry-After / "usually takes ~N s"; the history module injects the median of recent update durations. */
  estimateSeconds?: () => number;
  /** MOLT_HOLDING_PAGE contents. */
  customHtml?: string;
  /** State before the first release (default: held for a restart, so the first start is health-gated too). */
  initial?: HoldInfo;
  now?: () => number;
  /** `splice` (default when Node exposes llhttp): TCP splice with per-request parsing; `http`: full HTTP proxy. */
  mechanism?: 'splice' | 'http';
  /**
   * MOLT_TRAFFIC_MODE=handoff: while released, each new connection is offered to this port first (see handoff.ts);
   * `pass` returns false when the app cannot take it now, and the connection is spliced as usual.
   */
  handoff?: { pass(socket: Socket): boolean };
}

/**
 * The supervisor's side of the public port: forwards to the app while released (TCP splice with llhttp boundary
 * parsing, see splice.ts; full HTTP proxy as fallback), answers the holding page while held.
 * INVARIANTS:
 * - a request is routed when it starts: held → holding page, released → app; nothing is queued;
 * - `inFlight` counts requests forwarded to the app and not yet answered/closed; drain() resolves when it reaches 0;
 * - no keep-alive connection outlives its app: spliced connections reconnect per app, the fallback pool is renewed on release();
 * - if the app refuses or closes a connection before answering, the client gets the holding page, never a 502.
 */
export class TrafficFront implements TrafficControl {
  private state: FrontState;
  private server: TcpServer | undefined;
  /** Never listens: handles connections in `http` mode (and upgrades there). */
  private readonly http: Server;
  private readonly binding: ParserBinding | null;
  private readonly splices = new Set<SplicedConnection>();
  private agent: Agent = upstreamAgent();
  private inFlight = 0;
  private drainWaiters = new Set<() => void>();
  private observers = new Set<RequestObserver>();
  private readonly sockets = new Set<Socket | Duplex>();
  private readonly now: () => number;

  constructor(private readonly opts: TrafficFrontOptions) {
    this.now = opts.now ?? Date.now;
    this.state = { kind: 'held', info: opts.initial ?? { reason: 'restart' }, since: this.now() };
    this.binding = opts.mechanism === 'http' ? null : parserBinding();
    this.http = createServer({ keepAliveTimeout: 5000 }, (req, res) => this.onRequest(req, res));
    this.http.on('upgrade', (req, socket, head) => {
      const s = this.state;
      tunnelUpgrade(req, socket, head, { held: s.kind === 'held' ? s.info : null, appHost: this.opts.appHost ?? '127.0.0.1', appPort: this.opts.appPort, holdingFor: (r, info) => this.holdingFor(r, info) });
    });
    this.http.on('clientError', (_err, socket) => socket.destroy());
  }

  /** The forwarding mechanism in use. */
  get mechanism(): 'splice' | 'http' {
    return this.binding ? 'splice' : 'http';
  }

  current(): FrontState {
    return this.state;
  }

  get requestsInFlight(): number {
    return this.inFlight;
  }

  /** Binds the public port; MOLT_E_CONFIG naming MOLT_PORT when it is taken. */
  async listen(): Promise<void> {
    // pauseOnConnect: a connection handed to the app must not have had a byte read here
    const server = createTcpServer({ allowHalfOpen: true, noDelay: true, pauseOnConnect: !!this.opts.handoff }, (s) => this.onConnection(s));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(new MoltError('MOLT_E_CONFIG', `MOLT_PORT=${this.opts.port}: cannot listen (${err.code ?? err.message}): expected a free port`, { cause: err, context: { port: this.opts.port } })),
      );
      server.listen({ port: this.opts.port, host: this.opts.host }, () => resolve());
    });
    this.server = server;
    this.opts.logger.info({ event: 'traffic_listening', port: this.address(), appPort: this.opts.appPort, held: this.state.kind === 'held', mechanism: this.mechanism, mode: this.opts.handoff ? 'handoff' : 'splice' }, `public port ${this.address()} open`);
  }

  /** The bound public port (useful with port 0 in tests). */
  address(): number {
    const a = this.server?.address();
    return typeof a === 'object' && a ? a.port : this.opts.port;
  }

  hold(info: HoldInfo): void {
    const was = this.state;
    this.state = nextFrontState(this.state, { type: 'hold', info, now: this.now() });
    // logged on every change of what the page says (a restart hold taken over by an update, a new target)
    if (was.kind === 'released' || was.info.reason !== info.reason || was.info.targetSha !== info.targetSha) {
      this.opts.logger.info({ event: 'traffic_held', ...info, inFlight: this.inFlight }, `holding page on (${info.reason})`);
      this.opts.events?.emit('traffic_held', { ...info, inFlight: this.inFlight });
    }
  }

  release(): void {
    if (this.state.kind === 'released') return;
    const { info, since } = this.state;
    this.state = nextFrontState(this.state, { type: 'release', now: this.now() });
    const old = this.agent;
    this.agent = upstreamAgent();
    for (const list of Object.values(old.freeSockets)) for (const s of list ?? []) s.destroy();
    const heldMs = this.now() - since;
    this.opts.logger.info({ event: 'traffic_released', reason: info.reason, heldMs }, `traffic released to the app after ${heldMs}ms`);
    this.opts.events?.emit('traffic_released', { heldMs, reason: info.reason });
  }

  drain(timeoutMs: number): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.drainWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(() => {
        this.opts.logger.warn({ event: 'traffic_drain_timeout', inFlight: this.inFlight, timeoutMs }, `${this.inFlight} requests still in flight after ${timeoutMs}ms`);
        done();
      }, timeoutMs);
      this.drainWaiters.add(done);
    });
  }

  observe(fn: RequestObserver): () => void {
    this.observers.add(fn);
    return () => this.observers.delete(fn);
  }

  /** Stops listening and drops every connection (end of the supervisor). */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    // Node (20) tracks sockets sent to a child per child ("workers") and, once every such child has exited, still
    // waits for a worker reply in close() that never comes: reset the flag so close() completes.
    const internals = server as unknown as { _usingWorkers?: boolean; _workers?: unknown[] };
    if (internals._usingWorkers && !internals._workers?.length) internals._usingWorkers = false;
    const closed = new Promise<void>((r) => server.close(() => r()));
    for (const s of this.sockets) s.destroy();
    for (const c of this.splices) c.destroy();
    this.agent.destroy();
    await closed;
  }

  holdingFor(req: IncomingMessage, info: HoldInfo): HoldingResponse {
    const retryAfter = this.opts.estimateSeconds?.() ?? 30;
    return renderHolding({ accept: req.headers.accept, acceptLanguage: req.headers['accept-language'] }, { info, retryAfter, customHtml: this.opts.customHtml });
  }

  private answerHolding(req: IncomingMessage, res: ServerResponse, info: HoldInfo): void {
    if (res.headersSent) return void res.destroy();
    const h = this.holdingFor(req, info);
    res.writeHead(h.status, { ...h.headers, 'content-length': Buffer.byteLength(h.body) });
    res.end(req.method === 'HEAD' ? undefined : h.body);
  }

  /** Samples the app measured itself on handed-off connections (`{ molt: 'samples' }`), fed to observe(). */
  ingestSamples(samples: readonly RequestSample[]): void {
    for (const x of samples) this.notify(x);
  }

  private onConnection(socket: Socket): void {
    if (this.opts.handoff && this.state.kind === 'released' && this.opts.handoff.pass(socket)) return;
    this.adopt(socket);
  }

  get held(): boolean {
    return this.state.kind === 'held';
  }

  /** A request the app read but never answered (it exited): the holding page on that connection, then close. */
  answerWaiting(socket: Socket, req: { head: boolean; accept?: string; acceptLanguage?: string }): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.setTimeout(10_000, () => socket.destroy());
    socket.resume(); // discard whatever else the client sends; its FIN (after our answer) ends the socket
    socket.end(this.rawHolding(req));
  }

  /** Serves a connection here (splice/holding page), never handing it off: also for connections the app gave back. */
  adopt(socket: Socket): void {
    if (this.opts.handoff) socket.resume();
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    if (!this.binding) return void this.http.emit('connection', socket);
    const host = this.opts.appHost ?? '127.0.0.1';
    const conn = new SplicedConnection(socket, this.binding, {
      appHost: host,
      appPort: this.opts.appPort,
      held: () => this.state.kind === 'held',
      holding: (req) => this.rawHolding(req),
      requestStarted: () => void this.inFlight++,
      requestEnded: (status, startedAt) => {
        if (status !== null) this.emitSample(status, startedAt);
        this.settle();
      },
      closed: (c) => this.splices.delete(c),
    });
    this.splices.add(conn);
  }

  /** The holding answer as raw HTTP/1.1 bytes, closing the connection (the client reconnects for its next request). */
  private rawHolding(req: HoldingRequest & { head: boolean }): string {
    const cur = this.state;
    return rawHoldingAnswer(req, { info: cur.kind === 'held' ? cur.info : { reason: 'restart' }, retryAfter: this.opts.estimateSeconds?.() ?? 30, customHtml: this.opts.customHtml });
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const s = this.state;
    if (s.kind === 'held') return this.answerHolding(req, res, s.info);
    const started = performance.now();
    this.inFlight++;
    res.once('close', () => this.settle());
    forward(req, res, () => ({ host: this.opts.appHost ?? '127.0.0.1', port: this.opts.appPort, agent: this.agent }), {
      onResponse: (status) => this.emitSample(status, started),
      onUnavailable: (err) => {
        this.emitSample(0, started);
        this.opts.logger.debug({ event: 'traffic_app_unavailable', error: (err as NodeJS.ErrnoException).code ?? err.message }, 'app did not answer; holding page sent');
        const cur = this.state;
        this.answerHolding(req, res, cur.kind === 'held' ? cur.info : { reason: 'restart' });
      },
    });
  }

  private emitSample(status: number, started: number): void {
    if (this.observers.size === 0) return;
    this.notify({ time: this.now(), status, durationMs: performance.now() - started });
  }

  private notify(sample: RequestSample): void {
    for (const fn of this.observers) {
      try {
        fn(sample);
      } catch (err) {
        this.opts.logger.error({ event: 'traffic_observer_failed', error: String(err) }, 'request observer threw');
      }
    }
  }

  private settle(): void {
    this.inFlight--;
    if (this.inFlight === 0) for (const w of [...this.drainWaiters]) w();
  }
}
