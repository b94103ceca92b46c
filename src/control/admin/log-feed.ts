import type { EventBus, MoltEvent } from '../../core/events.js';
import type { LogLine } from '../../supervisor/supervisor.js';
import { RingBuffer } from '../../supervisor/ring-buffer.js';
import { redactText } from '../../core/logger.js';
import type { SupervisorView } from './types.js';

// Supervisor-side lines are derived from lifecycle events (the same facts as its pino records, one line each).
export function describeEvent(e: MoltEvent): string {
  const fields = Object.entries(e)
    .filter(([k, v]) => k !== 'type' && k !== 'time' && v !== undefined && typeof v !== 'object')
    .map(([k, v]) => `${k}=${String(v)}`);
  const err = (e as { error?: { code?: string; message?: string } }).error;
  if (err && typeof err === 'object') fields.push(`error=${err.code ?? ''} ${err.message ?? ''}`.trim());
  return [e.type, ...fields].join(' ');
}

/**
 * The Logs view: app lines (the supervisor's ring buffer + live log_line events) merged with supervisor lines.
 * INVARIANTS: listeners get every line exactly once, in arrival order; `recent()` is sorted by time.
 */
export class LogFeed {
  private readonly own = new RingBuffer<LogLine>(1000);
  private readonly listeners = new Set<(line: LogLine) => void>();
  private readonly off: () => void;

  constructor(private readonly supervisor: SupervisorView, events: EventBus) {
    this.off = events.onAny((e) => {
      if (e.type === 'log_line') {
        const line: LogLine = { time: e.time, source: e.source, stream: e.stream, line: e.line };
        if (e.source === 'supervisor') this.own.push(line); // app lines are kept by the supervisor's ring buffer
        return this.fanout(line);
      }
      const line: LogLine = { time: e.time, source: 'supervisor', stream: e.type === 'alert' || e.type === 'rollback_failed' ? 'stderr' : 'stdout', line: redactText(describeEvent(e)) };
      this.own.push(line);
      this.fanout(line);
    });
  }

  recent(limit = 200, source?: 'app' | 'supervisor'): LogLine[] {
    const all = [...(source === 'supervisor' ? [] : this.supervisor.logs.toArray()), ...(source === 'app' ? [] : this.own.toArray())];
    all.sort((a, b) => a.time - b.time);
    return all.slice(Math.max(0, all.length - limit));
  }

  subscribe(fn: (line: LogLine) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  close(): void {
    this.off();
    this.listeners.clear();
  }

  private fanout(line: LogLine): void {
    for (const l of this.listeners) {
      try {
        l(line);
      } catch {
        /* a broken SSE client must not stop the others */
      }
    }
  }
}
