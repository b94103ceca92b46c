import type { ProbationDetails, ProbationOutcome } from './lifecycle.js';

declare module '../core/events.js' {
  interface MoltEventMap {
    /** A committed release is on probation until `endsAt` (ISO). */
    probation_started: { id: number; fromSha: string | null; toSha: string; endsAt: string; baselineP95Ms: number | null; baselineErrorRate: number | null; baselineRequests: number };
    /** Probation is over: passed, rolled back (or the rollback failed), or cancelled by another update / shutdown. */
    probation_ended: { id: number; toSha: string; outcome: ProbationOutcome; note?: string; details?: ProbationDetails };
  }
}

export {};
