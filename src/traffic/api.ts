/** What the holding page says while the app is down. */
export interface HoldInfo {
  reason: 'update' | 'rollback' | 'restart' | 'recovery' | 'restore' | 'stopped';
  /** Target release while updating (shown as a 7-char short sha). */
  targetSha?: string;
}

/**
 * Port ownership as seen by the engine and supervisor: the public port is always answered, either by the
 * app (released) or by the supervisor's holding page (held). The engine holds before it stops the app and
 * releases only after the new release passed its health gate.
 */
export interface TrafficControl {
  /** Stop routing new requests to the app; in-flight requests drain. Idempotent. */
  hold(info: HoldInfo): void;
  /** Route requests to the app again (its health gate has passed). Idempotent. */
  release(): void;
  /** Waits until requests in flight to the app have finished, up to timeoutMs. */
  drain(timeoutMs: number): Promise<void>;
  /** Every response that went through the supervisor to the app (probation analysis). Returns an unsubscribe. */
  observe(fn: RequestObserver): () => void;
}

/** One proxied request's outcome; status 0 = the app closed or refused the connection. */
export interface RequestSample {
  time: number;
  status: number;
  durationMs: number;
  /** This many identical outcomes (hand-off: the app counts answers per status and latency bin); absent = 1. */
  count?: number;
}
export type RequestObserver = (sample: RequestSample) => void;

export const noTraffic: TrafficControl = { hold() {}, release() {}, drain: async () => {}, observe: () => () => {} };
