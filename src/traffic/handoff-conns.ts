import type { Socket } from 'node:net';

/** A request the app had read but not answered when it exited (from its `handoff-exit` report). */
export interface WaitingRequest {
  id: number;
  head: boolean;
  accept?: string;
  acceptLanguage?: string;
}

/** The app's last word (`{ molt: 'handoff-exit' }`): which of its connections were idle, which had a request waiting. */
export interface ExitReport {
  idle: number[];
  waiting: WaitingRequest[];
}

/** How the app ended a connection (`{ molt: 'conns-closed' }`). */
export type ClosedHow = 'ended' | 'idle' | 'aborted';

/** What the registry needs of the front. */
export interface ConnFront {
  /** Serves the connection here from now on (splice or holding page). */
  adopt(socket: Socket): void;
  /** Answers the one waiting request with the holding page and closes. */
  answerWaiting(socket: Socket, req: { head: boolean; accept?: string; acceptLanguage?: string }): void;
  /** True while the port is held (no app to route to). */
  readonly held: boolean;
}

/** Most ids a report may name: far above any connection count (bounded parsing of untrusted input). */
const MAX_IDS = 100_000;

/**
 * molt's copies of the connections it handed to the app. Passing a descriptor over IPC duplicates it; keeping our
 * copy (paused, never read) means the connection survives the app process: when the app stops or crashes, each one
 * is served on here instead of being closed or reset under the client.
 * INVARIANTS:
 * - a copy is dropped exactly once: when the app reports the connection closed, or when that app is gone;
 * - while the app lives, we never read or write a copy (the app owns the byte stream);
 * - `idle` connections are adopted only when their app is stopping/held/gone, otherwise closed like the app wanted;
 * - without an exit report (SIGKILL, OOM) a connection's state is unknown and it is reset, as the kernel would have.
 */
export class HandedConns {
  private nextId = 1;
  private readonly byId = new Map<number, { socket: Socket; pid: number }>();
  private readonly stopping = new Set<number>();
  private readonly reports = new Map<number, ExitReport>();

  constructor(private readonly front: () => ConnFront | undefined) {}

  get size(): number {
    return this.byId.size;
  }

  /** Registers a connection about to be passed to `pid`; returns its id. */
  add(socket: Socket, pid: number): number {
    const id = this.nextId++;
    this.byId.set(id, { socket, pid });
    return id;
  }

  /** Forgets a connection that never reached the app (the caller still owns it). */
  forget(id: number): void {
    this.byId.delete(id);
  }

  /** The app said it stops taking connections: the idle ones it closes from now on are served on here. */
  markStopping(pid: number): void {
    this.stopping.add(pid);
  }

  closed(pid: number, conns: ReadonlyArray<readonly [number, ClosedHow]>): void {
    for (const [id, how] of conns) {
      const c = this.byId.get(id);
      if (!c || c.pid !== pid) continue;
      this.byId.delete(id);
      if (how === 'aborted') c.socket.resetAndDestroy();
      else if (how === 'idle' && (this.stopping.has(pid) || this.front()?.held)) this.adopt(c.socket);
      else c.socket.destroy();
    }
  }

  report(pid: number, r: ExitReport): void {
    this.reports.set(pid, r);
  }

  /** The app process `pid` is gone and its IPC channel drained: settle every connection it still had. */
  gone(pid: number): void {
    const r = this.reports.get(pid);
    const idle = new Set(r?.idle ?? []);
    const waiting = new Map((r?.waiting ?? []).map((w) => [w.id, w]));
    for (const [id, c] of this.byId) {
      if (c.pid !== pid) continue;
      this.byId.delete(id);
      const w = waiting.get(id);
      if (idle.has(id)) this.adopt(c.socket);
      else if (w && this.front()) this.front()!.answerWaiting(c.socket, w);
      else c.socket.resetAndDestroy();
    }
    this.reports.delete(pid);
    this.stopping.delete(pid);
  }

  /** End of the supervisor: every copy goes. */
  destroyAll(): void {
    for (const c of this.byId.values()) c.socket.destroy();
    this.byId.clear();
  }

  private adopt(socket: Socket): void {
    const f = this.front();
    if (f && !socket.destroyed) f.adopt(socket);
    else socket.destroy();
  }
}

/** Validates `{ molt: 'conns-closed', conns: [[id, how], …] }`; null when malformed. */
export function parseClosed(msg: unknown): Array<[number, ClosedHow]> | null {
  const raw = (msg as { conns?: unknown }).conns;
  if (!Array.isArray(raw) || raw.length > MAX_IDS) return null;
  const out: Array<[number, ClosedHow]> = [];
  for (const x of raw as unknown[]) {
    if (!Array.isArray(x) || !Number.isInteger(x[0]) || !['ended', 'idle', 'aborted'].includes(x[1] as string)) return null;
    out.push([x[0] as number, x[1] as ClosedHow]);
  }
  return out;
}

/** Validates `{ molt: 'handoff-exit', idle, waiting }`; null when malformed. */
export function parseExitReport(msg: unknown): ExitReport | null {
  const m = msg as { idle?: unknown; waiting?: unknown };
  if (!Array.isArray(m.idle) || !Array.isArray(m.waiting) || m.idle.length + m.waiting.length > MAX_IDS) return null;
  if (!m.idle.every((x) => Number.isInteger(x))) return null;
  const waiting: WaitingRequest[] = [];
  for (const x of m.waiting as unknown[]) {
    const w = x as Partial<WaitingRequest> | null;
    if (!w || !Number.isInteger(w.id)) return null;
    const text = (v: unknown) => (typeof v === 'string' && v.length <= 1024 ? v : undefined);
    waiting.push({ id: w.id as number, head: w.head === true, accept: text(w.accept), acceptLanguage: text(w.acceptLanguage) });
  }
  return { idle: m.idle as number[], waiting };
}
