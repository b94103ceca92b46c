import type { EventBus } from '../core/events.js';
import type { Logger } from '../core/logger.js';
import { isMoltError } from '../core/errors.js';
import type { ChildHandle } from '../supervisor/child-process.js';
import { waitHealthy } from '../update/health-gate.js';
import type { TrafficFront } from './front.js';

export interface RestartGateDeps {
  events: EventBus;
  traffic: TrafficFront;
  logger: Logger;
  /** The app child the supervisor runs now. */
  currentChild: () => ChildHandle | undefined;
  gate: { port: number; path: string; timeoutMs: number; successes: number; intervalMs: number };
}

/**
 * Covers restarts the engine does not own: every app exit holds the port (unless an update/rollback already
 * holds it), and a started app gets traffic only after its health gate passes. Holds for 'update', 'rollback',
 * 'recovery' and 'restore' belong to the engine, which releases them itself through the same TrafficControl.
 * Returns an unsubscribe.
 */
export function bindRestartGate(deps: RestartGateDeps): () => void {
  const { events, traffic, logger } = deps;
  const ownedByUs = () => {
    const s = traffic.current();
    return s.kind === 'held' && (s.info.reason === 'restart' || s.info.reason === 'stopped');
  };
  let stopping = false;
  const offs = [
    events.on('app_exited', () => {
      if (traffic.current().kind === 'released') traffic.hold({ reason: stopping ? 'stopped' : 'restart' });
    }),
    events.on('supervisor_stopping', () => {
      stopping = true;
      traffic.hold({ reason: 'stopped' });
    }),
    events.on('app_started', (e) => {
      if (stopping || !ownedByUs()) return;
      void gateThenRelease(e.pid);
    }),
  ];

  // Repeats the gate while the same child runs, so a slow starter is released once it becomes healthy.
  async function gateThenRelease(pid: number): Promise<void> {
    for (let round = 1; round <= 1000; round++) {
      const child = deps.currentChild();
      if (!child || child.pid !== pid || stopping) return;
      try {
        const r = await waitHealthy({ ...deps.gate, child, events });
        if (deps.currentChild()?.pid !== pid || stopping || !ownedByUs()) return;
        logger.info({ event: 'restart_gate_passed', pid, via: r.via, probes: r.probes, durationMs: r.durationMs }, 'restarted app is healthy');
        traffic.release();
        return;
      } catch (err) {
        if (isMoltError(err, 'MOLT_E_APP_START')) return; // it exited; the next start is gated again
        logger.warn({ event: 'restart_gate_failed', pid, round, error: (err as Error).message }, `app is running but not healthy yet; holding page stays on (check ${deps.gate.path} or call ready())`);
      }
    }
  }

  return () => offs.forEach((off) => off());
}
