import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { negotiationHeaders, type ParserBinding, type RawParser } from './http-parser.js';

/** What a spliced connection needs from the front. */
export interface SpliceHooks {
  appHost: string;
  appPort: number;
  /** Current routing decision for a new request on this connection. */
  held(): boolean;
  /** Raw HTTP/1.1 503 holding response (with `Connection: close`) for one request. */
  holding(req: { accept?: string; acceptLanguage?: string; head: boolean }): string;
  requestStarted(): void;
  /** A forwarded request finished: `status` 0 = the app closed or refused the connection; null = the client left. */
  requestEnded(status: number | null, startedAt: number): void;
  closed(conn: SplicedConnection): void;
}

interface Pending {
  startedAt: number;
  head: boolean;
  accept?: string;
  acceptLanguage?: string;
}

/**
 * One client connection spliced at TCP level to the app: bytes are copied as they come, while two llhttp parsers
 * (request and response direction) only find message boundaries and status codes. That keeps the per-request cost
 * near a raw pipe while still giving exact observe() samples and a holding answer per request.
 * INVARIANTS:
 * - `pending` holds the requests sent to the app and not yet answered, in order (HTTP/1.1 answers in order);
 * - a new request is routed when it starts at a message boundary with nothing pending: held → holding page and
 *   close; released → the app (reconnecting if the previous app connection is gone);
 * - once a response is partly written to the client, a failing app connection can only reset the client;
 *   before that, the client gets the holding page instead of a reset.
 */
export class SplicedConnection {
  private up: Socket | undefined;
  private upReady = false;
  private queued: Buffer[] = [];
  private readonly pending: Pending[] = [];
  private readonly req: RawParser;
  private readonly res: RawParser;
  private reqInMessage = false;
  private resInMessage = false;
  private resStatus = 0;
  private headerAcc: unknown[] = [];
  private tunnel = false;
  private opaque = false;
  private closing = false;

  constructor(private readonly client: Socket, private readonly b: ParserBinding, private readonly hooks: SpliceHooks) {
    const P = b.HTTPParser;
    this.req = new P();
    this.req.initialize(P.REQUEST, {});
    this.res = new P();
    this.res.initialize(P.RESPONSE, {});
    this.req[P.kOnMessageBegin] = () => {
      this.reqInMessage = true;
      this.headerAcc = [];
    };
    this.req[P.kOnHeaders] = (h: unknown[]) => void this.headerAcc.push(...h);
    this.req[P.kOnHeadersComplete] = (_ma: number, _mi: number, headers: unknown[] | undefined, method: number, _url: string, _s: number, _m: string, upgrade: boolean) => {
      const neg = negotiationHeaders(headers ?? this.headerAcc);
      this.pending.push({ startedAt: performance.now(), head: b.methods[method] === 'HEAD', ...neg });
      this.hooks.requestStarted();
      if (upgrade) this.tunnel = true;
      return 0;
    };
    this.req[P.kOnBody] = () => {};
    this.req[P.kOnMessageComplete] = () => void (this.reqInMessage = false);
    this.res[P.kOnMessageBegin] = () => void (this.resInMessage = true);
    this.res[P.kOnHeaders] = () => {};
    this.res[P.kOnHeadersComplete] = (_ma: number, _mi: number, _h: unknown, _me: number, _u: string, status: number) => {
      this.resStatus = status;
      if (status === 101) this.tunnel = true;
      return this.pending[0]?.head ? 1 : 0; // 1 = no body follows (HEAD)
    };
    this.res[P.kOnBody] = () => {};
    this.res[P.kOnMessageComplete] = () => {
      this.resInMessage = false;
      if (this.resStatus >= 100 && this.resStatus < 200 && this.resStatus !== 101) return; // interim answer
      const done = this.pending.shift();
      if (done) this.hooks.requestEnded(this.resStatus, done.startedAt);
    };
    client.setNoDelay(true);
    client.on('data', (chunk: Buffer) => this.fromClient(chunk));
    client.on('end', () => {
      // half-close: answers still due come back first; with nothing due, close our side too
      if (this.up && !this.idle) this.up.end();
      else this.client.end();
    });
    client.on('error', () => undefined);
    client.on('close', () => this.teardown(null));
  }

  /** Nothing in flight on this connection. */
  get idle(): boolean {
    return this.pending.length === 0 && !this.reqInMessage;
  }

  private fromClient(chunk: Buffer): void {
    if (this.closing) return;
    if (this.tunnel || this.opaque) return this.toUp(chunk);
    const atBoundary = this.idle;
    if (atBoundary && this.hooks.held()) return this.answerHolding(chunk);
    const r = this.req.execute(chunk);
    if (r instanceof Error) this.opaque = true; // not HTTP we understand: keep piping, stop observing
    if (atBoundary && !this.up) this.connectUp();
    this.toUp(chunk);
  }

  private toUp(chunk: Buffer): void {
    if (!this.up) return;
    if (!this.upReady) return void this.queued.push(chunk);
    if (!this.up.write(chunk)) {
      this.client.pause();
      this.up.once('drain', () => this.client.resume());
    }
  }

  private connectUp(): void {
    const up = connect({ host: this.hooks.appHost, port: this.hooks.appPort, noDelay: true });
    this.up = up;
    this.upReady = false;
    up.once('connect', () => {
      this.upReady = true;
      for (const c of this.queued.splice(0)) up.write(c);
    });
    up.on('data', (chunk: Buffer) => {
      if (!this.tunnel && !this.opaque) {
        const r = this.res.execute(chunk);
        if (r instanceof Error) this.opaque = true;
      }
      if (!this.client.write(chunk)) {
        up.pause();
        this.client.once('drain', () => up.resume());
      }
    });
    up.on('error', () => undefined);
    up.once('close', () => this.upClosed(up));
  }

  // The app connection ended: answered everything → keep the client (next request reconnects or is held);
  // a request unanswered → holding page if nothing of its answer went out yet, else reset.
  private upClosed(up: Socket): void {
    if (this.up !== up) return;
    if (!this.tunnel && !this.opaque && this.resInMessage) this.res.finish(); // close-delimited body
    this.up = undefined;
    this.upReady = false;
    this.queued = [];
    if (this.closing) return;
    if (this.tunnel) return void this.client.destroy();
    if (this.pending.length === 0) {
      if (this.client.readableEnded) this.client.end();
      return;
    }
    const first = this.pending[0];
    for (const p of this.pending.splice(0)) this.hooks.requestEnded(0, p.startedAt);
    if (this.resInMessage || this.opaque) return void this.client.destroy();
    this.closing = true;
    this.client.end(this.hooks.holding(first));
  }

  private answerHolding(chunk: Buffer): void {
    // Parse just enough of the request to negotiate the page; answer once its headers are complete.
    const r = this.req.execute(chunk);
    const p = this.pending.shift();
    if (p) this.hooks.requestEnded(null, p.startedAt); // counted by requestStarted; not forwarded
    if (!p && !(r instanceof Error) && this.headerAcc.length < 200) {
      this.reqInMessage = false;
      return; // headers not complete yet: wait for more bytes
    }
    this.closing = true;
    this.up?.destroy();
    this.client.end(this.hooks.holding(p ?? { head: false }));
  }

  /** Used by the front when it closes: drop both sides. */
  destroy(): void {
    this.client.destroy();
    this.up?.destroy();
  }

  private teardown(status: number | null): void {
    this.up?.destroy();
    for (const p of this.pending.splice(0)) this.hooks.requestEnded(status, p.startedAt);
    this.req.close?.();
    this.res.close?.();
    this.hooks.closed(this);
  }
}
