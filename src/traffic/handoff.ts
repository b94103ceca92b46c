import type { Socket } from 'node:net';
import type { EventBus } from '../core/events.js';
import type { Logger } from '../core/logger.js';
import type { RequestSample } from './api.js';
import './events.js';

/** Messages between the supervisor and an SDK app over the IPC channel (the `molt` field names the kind). */
export type AppToMolt =
  | { molt: 'handoff-ready' }
  | { molt: 'handoff-stop' }
  | { molt: 'samples'; samples: RequestSample[] };
export type MoltToApp = { molt: 'maintenance'; active: boolean; targetSha?: string } | { molt: 'conn' };

/** Bounds of one samples batch: the SDK flushes every 250 ms or at 200 samples; anything bigger is malformed. */
export const MAX_SAMPLES_PER_BATCH = 1000;

/** The part of the Supervisor this link needs (a port, so tests can drive it). */
export interface AppChannel {
  sendToApp(message: MoltToApp, handle?: Socket, sent?: (err: Error | null) => void): boolean;
  onAppMessage(fn: (message: unknown, handle: unknown, child: { pid: number }) => void): () => void;
  currentChild(): { pid: number } | undefined;
}

/** The part of the TrafficFront this link feeds. */
export interface FrontSink {
  ingestSamples(samples: readonly RequestSample[]): void;
  /** Serves a connection the app could not take (splice / holding page). */
  adopt(socket: Socket): void;
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
    out.push({ time: s.time as number, status: s.status as number, durationMs: s.durationMs as number });
  }
  return out;
}

/**
 * The supervisor ↔ app IPC link of the traffic area:
 * - tells the running app `{ molt: 'maintenance', active }` whenever the front is held/released, so the SDK's
 *   maintenance plugin switches at once (kept-alive connections the app owns in hand-off mode get the page too);
 * - MOLT_TRAFFIC_MODE=handoff: remembers whether the current app announced `handoff-ready` and offers the front a
 *   `pass(socket)` that sends the paused connection to it (`{ molt: 'conn' }` + the socket);
 * - feeds `{ molt: 'samples' }` batches (requests the app served on handed-off connections) to the front.
 * INVARIANTS: hand-off readiness belongs to one app pid; any app start/exit or `handoff-stop` clears it, so a
 * connection is only ever passed to the app that announced it listens; no socket is lost: `pass` returning false
 * leaves it to the front, a failed send gives it back to the front (adopt), a sent one is closed here only after
 * its descriptor left in the IPC message.
 */
export function bindAppLink(deps: AppLinkDeps, front: () => FrontSink | undefined): { pass(socket: Socket): boolean; readonly readyPid: number | null; close(): void } {
  const { channel, events, logger } = deps;
  let readyPid: number | null = null;
  let failures = 0;
  /** Passed, not yet reported sent: Node queues handles one at a time and drops the queue when the app dies. */
  const pending = new Set<Socket>();
  const clear = () => (readyPid = null);
  const offs = [
    events.on('app_started', clear),
    events.on('app_exited', () => {
      clear();
      for (const s of pending) if (!s.destroyed) front()?.adopt(s); // never left: still ours, answer it here
      pending.clear();
    }),
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
      if (deps.mode !== 'handoff' || channel.currentChild()?.pid !== child.pid) return;
      if (kind === 'handoff-ready' && readyPid !== child.pid) {
        readyPid = child.pid;
        logger.info({ event: 'traffic_handoff_ready', pid: child.pid }, 'app takes connections directly (hand-off)');
      } else if (kind === 'handoff-stop' && readyPid === child.pid) {
        readyPid = null;
        logger.info({ event: 'traffic_handoff_stopped', pid: child.pid }, 'app stopped taking connections; splicing');
      }
    }),
  ];
  return {
    get readyPid() {
      return readyPid;
    },
    pass(socket) {
      if (deps.mode !== 'handoff' || readyPid === null || channel.currentChild()?.pid !== readyPid) return false;
      const pid = readyPid;
      pending.add(socket);
      const ok = channel.sendToApp({ molt: 'conn' }, socket, (err) => {
        if (!pending.delete(socket)) return; // already given back to the front at app exit
        // the descriptor is in the IPC message: our copy goes (closing it does not end the connection)
        if (!err) return void socket.destroy();
        if (readyPid === pid) readyPid = null;
        if (failures++ < 10) logger.warn({ event: 'traffic_handoff_failed', pid, error: err.message }, 'passing a connection to the app failed; splicing it and the next ones');
        if (!socket.destroyed) front()?.adopt(socket);
      });
      if (!ok) {
        pending.delete(socket);
        if (readyPid === pid) readyPid = null;
      }
      return ok;
    },
    close: () => offs.forEach((off) => off()),
  };
}
