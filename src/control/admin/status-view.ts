import type { RunningOperation, UpdateEngine } from '../../update/api.js';
import type { StatusProviders, SupervisorView } from './types.js';

/** `GET /api/status` (contract: state, currentSha, currentSubject, app, update; the rest are additions). */
export interface StatusJson {
  state: 'running' | 'starting' | 'backoff' | 'held' | 'stopping' | 'exited' | 'updating' | 'rolling_back';
  currentSha: string | null;
  currentSubject: string | null;
  currentAuthor: string | null;
  currentDate: string | null;
  app: { pid: number | null; up: boolean; restarts: number; since: string | null };
  update: null | { id: number; kind: string; step: string; fromSha: string | null; toSha: string | null; startedAt: string };
  probation: unknown;
  autoUpdate: unknown;
  canary: unknown;
  engine: boolean;
  demo: boolean;
}

// A provider that throws must not take the status page down with it: its field becomes null.
function safe(fn: (() => unknown) | undefined): unknown {
  if (!fn) return null;
  try {
    return fn() ?? null;
  } catch {
    return null;
  }
}

function stateOf(sup: ReturnType<SupervisorView['status']>, op: RunningOperation | null): StatusJson['state'] {
  if (op) return op.kind === 'update' ? 'updating' : 'rolling_back';
  switch (sup.state.kind) {
    case 'idle':
      return 'starting';
    default:
      return sup.state.kind;
  }
}

/** Pure projection of supervisor + engine + providers into the status JSON. */
export function buildStatus(supervisor: SupervisorView, engine: UpdateEngine | undefined, providers: StatusProviders = {}, demo = false): StatusJson {
  const sup = supervisor.status();
  const op = engine?.running() ?? null;
  const cur = engine?.current() ?? null;
  return {
    state: stateOf(sup, op),
    currentSha: cur?.sha ?? null,
    currentSubject: cur?.subject ?? null,
    currentAuthor: cur?.author ?? null,
    currentDate: cur?.date ?? null,
    app: { pid: sup.pid, up: sup.up, restarts: sup.restarts, since: sup.since === null ? null : new Date(sup.since).toISOString() },
    update: op ? { id: op.id, kind: op.kind, step: op.step, fromSha: op.fromSha, toSha: op.toSha, startedAt: op.startedAt } : null,
    probation: safe(providers.probation),
    autoUpdate: safe(providers.autoUpdate),
    canary: safe(providers.canary),
    engine: engine !== undefined,
    demo,
  };
}
