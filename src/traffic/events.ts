import type { HoldInfo } from './api.js';

declare module '../core/events.js' {
  interface MoltEventMap {
    /** The public port answers with the holding page from now on. */
    traffic_held: HoldInfo & { inFlight: number };
    /** Requests reach the app again; `heldMs` is the length of the holding window. */
    traffic_released: { heldMs: number; reason: HoldInfo['reason'] };
  }
}

export {};
