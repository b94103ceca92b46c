import type { Socket } from 'node:net';
import type { EventBus } from '../core/events.js';
import type { Logger } from '../core/logger.js';
import type { RequestSample } from './api.js';
import { HandedConns, parseClosed, parseExitReport, type ClosedHow, type ConnFront, type ExitReport } from './handoff-conns.js';
import './events.js';

/** Messages between the supervisor and an SDK app over the IPC channel (the `molt` field names the kind). */
export type AppToMolt =
  | { molt: 'handoff-ready'; v?: number }
  | { molt: 'handoff-stop' }
  | { molt: 'samples'; samples: RequestSample[] }
  | { molt: 'conns-closed'; conns: Array<[number, ClosedHow]> }
  | ({ molt: 'handoff-exit' } & ExitReport);
export type MoltToApp = { molt: 'maintenance'; active: boolean; targetSha?: string } | { molt: 'conn'; id: number };

/** Bounds of one samples batch (the SDK sends at most 500 (status, latency bin) counts); bigger is malformed. */
export const MAX_SAMPLES_PER_BATCH = 1000;
/** Largest count one aggregated sample may carry. */
const MAX_COUNT = 10_000_000;

/** The part of the Supervisor this link needs (a port, so tests can drive it). */
export interface AppChannel {
  sendToApp(message: MoltToApp, handle?: Socket, sent?: (err: Error | null) => void): boolean;
  onAppMessage(fn: (message: unknown, handle: unknown, child: { pid: number }) => void): () => void;
  currentChild(): { pid: number; channelClosed?: Promise<void> } | undefined;
}

/** The part of the TrafficFront this link feeds. */
export interface FrontSink extends ConnFront {
  ingestSamples(samples: readonly RequestSample[]): void;
}

export interface AppLinkDeps {
  channel: AppChannel;
  events: EventBus;
  logger: Logger;
  /** MOLT_TRAFFIC_MODE. */
  mode: 'splice' | 'handoff';
}

/** Validates one `{ molt: 'samples' }` batch; null when malformed (never trust the app's numbers blindly). */
export function parseSamples(msg: unknown): RequestSample[] | null {
  const raw = (msg as { samples?: unknown }).samples;
  if (!Array.isArray(raw) || raw.length > MAX_SAMPLES_PER_BATCH) return null;
  const out: RequestSample[] = [];
  for (const x of raw as unknown[]) {
    const s = x as Partial<RequestSample> | null;
    if (!s || !Number.isFinite(s.time) || !Number.isInteger(s.status) || !Number.isFinite(s.durationMs)) return null;
    if ((s.status as number) < 0 || (s.status as number) > 999 || (s.durationMs as number) < 0) return null;
    if (s.count !== undefined && !(Number.isInteger(s.count) && s.count >= 1 && s.count <= MAX_COUNT)) return null;
    const sample: RequestSample = { time: s.time as number, status: s.status as number, durationMs: s.durationMs as number };
    if (s.count !== undefined && s.count !== 1) sample.count = s.count;
    out.push(sample);
  }
  return out;
}

/** Longest wait, after an app exited, for its IPC channel to deliver the last messages (its exit report). */
const EXIT_REPORT_WAIT_MS = 1000;

/**
 * The supervisor ↔ app IPC link of the traffic area:
 * - tells the running app `{ molt: 'maintenance', active }` whenever the front is held/released, so the SDK's
 *   maintenance plugin switches at once (kept-alive connections the app owns in hand-off mode get the page too);
 * - MOLT_TRAFFIC_MODE=handoff: remembers whether the current app announced `handoff-ready` and offers the front a
 *   `pass(socket)` that sends the paused connection to it (`{ molt: 'conn', id }` + the socket), keeping our copy
 *   of the descriptor (HandedConns) so the connection outlives the app: closed/idle/waiting reports from the app
 *   decide whether a connection is closed, reset, served on by the front, or answered with the holding page;
 * - feeds `{ molt: 'samples' }` batches (requests the app served on handed-off connections) to the front.
 * INVARIANTS: hand-off readiness belongs to one app pid; any app start/exit or `handoff-stop` clears it, so a
 * connection is only ever passed to the app that announced it listens; no socket is lost: `pass` returning false
 * leaves it to the front, a failed send gives it back to the front (adopt), a sent one stays in HandedConns until
 * the app reports it closed or the app is gone (then settled after its channel drained, ≤ 1 s).
 */
export function bindAppLink(deps: AppLinkDeps, front: () => FrontSink | undefined): { pass(socket: Socket): boolean; readonly readyPid: number | null; readonly handedOpen: number; close(): void } {
  const { channel, events, logger } = deps;
  let readyPid: number | null = null;
  /** The ready app reports closes and its exit state (SDK protocol v2): only then do we keep our copies. */
  let readyReports = false;
  let failures = 0;
  const conns = new HandedConns(front);
  /** Passed, not yet reported sent: Node queues handles one at a time and drops the queue when the app dies. */
  const pending = new Map<Socket, number>();
  const channels = new Map<number, Promise<void> | undefined>();
  const clear = () => (readyPid = null);
  const onExit = (pid: number) => {
    clear();
    for (const [s, id] of pending) {
      conns.forget(id);
      if (!s.destroyed) front()?.adopt(s); // never left: still ours, answer it here
    }
    pending.clear();
    const drained = channels.get(pid);
    channels.delete(pid);
    if (!drained) return conns.gone(pid);
    let timer: NodeJS.Timeout | undefined;
    void Promise.race([drained, new Promise<void>((r) => (timer = setTimeout(r, EXIT_REPORT_WAIT_MS)))]).then(() => {
      clearTimeout(timer);
      conns.gone(pid);
    });
  };
  const offs = [
    events.on('app_started', clear),
    events.on('app_exited', (e) => onExit(e.pid)),
    events.on('traffic_held', (e) => void channel.sendToApp({ molt: 'maintenance', active: true, ...(e.targetSha ? { targetSha: e.targetSha } : {}) })),
    events.on('traffic_released', () => void channel.sendToApp({ molt: 'maintenance', active: false })),
    channel.onAppMessage((msg, _handle, child) => {
      if (typeof msg !== 'object' || msg === null) return;
      const kind = (msg as { molt?: unknown }).molt;
      if (kind === 'samples') {
        const samples = parseSamples(msg);
        if (samples) front()?.ingestSamples(samples);
        else logger.warn({ event: 'traffic_samples_invalid', pid: child.pid }, 'app sent a malformed samples batch; ignored');
        return;
      }
      if (kind === 'conns-closed' || kind === 'handoff-exit') {
        const parsed = kind === 'conns-closed' ? parseClosed(msg) : parseExitReport(msg);
        if (!parsed) return void logger.warn({ event: 'traffic_handoff_report_invalid', pid: child.pid, kind }, 'app sent a malformed connection report; ignored');
        if (Array.isArray(parsed)) conns.closed(child.pid, parsed);
        else conns.report(child.pid, parsed);
        return;
      }
      if (deps.mode !== 'handoff' || channel.currentChild()?.pid !== child.pid) return;
      if (kind === 'handoff-ready' && readyPid !== child.pid) {
        readyPid = child.pid;
        readyReports = ((msg as { v?: unknown }).v as number) >= 2;
        logger.info({ event: 'traffic_handoff_ready', pid: child.pid }, 'app takes connections directly (hand-off)');
      } else if (kind === 'handoff-stop' && readyPid === child.pid) {
        readyPid = null;
        conns.markStopping(child.pid);
        logger.info({ event: 'traffic_handoff_stopped', pid: child.pid }, 'app stopped taking connections; splicing');
      }
    }),
  ];
  return {
    get readyPid() {
      return readyPid;
    },
    get handedOpen() {
      return conns.size;
    },
    pass(socket) {
      const child = channel.currentChild();
      if (deps.mode !== 'handoff' || readyPid === null || child?.pid !== readyPid) return false;
      const pid = readyPid;
      if (!channels.has(pid)) channels.set(pid, child.channelClosed);
      const keep = readyReports;
      const id = conns.add(socket, pid);
      pending.set(socket, id);
      const ok = channel.sendToApp({ molt: 'conn', id }, socket, (err) => {
        if (!pending.delete(socket)) return; // already given back to the front at app exit
        if (!err && keep) return; // the descriptor is in the app now; our copy stays in `conns`, paused
        conns.forget(id);
        if (!err) return void socket.destroy(); // an older SDK never reports: the connection is the app's alone
        if (readyPid === pid) readyPid = null;
        if (failures++ < 10) logger.warn({ event: 'traffic_handoff_failed', pid, error: err.message }, 'passing a connection to the app failed; splicing it and the next ones');
        if (!socket.destroyed) front()?.adopt(socket);
      });
      if (!ok) {
        pending.delete(socket);
        conns.forget(id);
        if (readyPid === pid) readyPid = null;
      }
      return ok;
    },
    close: () => {
      offs.forEach((off) => off());
      conns.destroyAll();
    },
  };
}
