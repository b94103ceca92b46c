import { EventEmitter } from 'node:events';

/**
 * Lifecycle events of molt. Other modules add their own events by augmenting this interface:
 *   declare module '../core/events.js' { interface MoltEventMap { my_event: { ... } } }
 * Every payload is plain JSON so it can go to SSE, Telegram, logs and history unchanged.
 */
export interface MoltEventMap {
  app_started: { pid: number; restarts: number };
  app_exited: { pid: number; exitCode: number | null; signal: string | null; uptimeMs: number };
  app_ready: { pid: number; via: 'ipc' | 'health' };
  app_restart_scheduled: { delayMs: number; restarts: number };
  crash_loop: { restarts: number; windowMs: number };
  update_requested: { ref?: string; sha?: string; actor?: string; reason?: string; trigger: string };
  supervisor_stopping: { signal: string | null };
  log_line: { source: 'app' | 'supervisor'; stream: 'stdout' | 'stderr'; line: string; time: number };
}

export type MoltEventName = keyof MoltEventMap;
export type MoltEvent = { [K in MoltEventName]: { type: K; time: number } & MoltEventMap[K] }[MoltEventName];

/** Typed in-process event bus. Listeners must not throw; a throwing listener is isolated and reported. */
export class EventBus {
  private readonly emitter = new EventEmitter();
  constructor(private readonly onListenerError: (err: unknown, type: string) => void = () => {}) {
    this.emitter.setMaxListeners(100);
  }
  emit<K extends MoltEventName>(type: K, payload: MoltEventMap[K]): void {
    const event = { type, time: Date.now(), ...payload } as MoltEvent;
    for (const l of this.emitter.listeners(type)) this.safe(l, event, type);
    for (const l of this.emitter.listeners('*')) this.safe(l, event, type);
  }
  on<K extends MoltEventName>(type: K, listener: (event: Extract<MoltEvent, { type: K }>) => void): () => void {
    this.emitter.on(type, listener as (e: unknown) => void);
    return () => this.emitter.off(type, listener as (e: unknown) => void);
  }
  onAny(listener: (event: MoltEvent) => void): () => void {
    this.emitter.on('*', listener);
    return () => this.emitter.off('*', listener);
  }
  private safe(listener: Function, event: unknown, type: string): void {
    try {
      (listener as (e: unknown) => void)(event);
    } catch (err) {
      this.onListenerError(err, type);
    }
  }
}
