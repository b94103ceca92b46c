import { rm } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { RingBuffer } from './ring-buffer.js';
import { decideRestart, initialRestartState, type AppExit, type RestartState } from './restart-policy.js';
import type { ChildHandle, ExitInfo } from './child-process.js';
import type { LogLine, SupervisorDeps, SupervisorState, UpdateRequestHandler } from './supervisor-types.js';
import { EXIT, signalNumber } from './exit-codes.js';
import { logExit } from './exit-log.js';
import { readUpdateRequest } from './update-request.js';
import { stopGroup } from './stop-group.js';

export type { SupervisorState, LogLine, UpdateRequestHandler, SupervisorDeps } from './supervisor-types.js';

/** Leftovers of an exited app's group get this long after SIGTERM before SIGKILL (capped by MOLT_STOP_TIMEOUT). */
const LEFTOVER_GRACE_MS = 2000;

/**
 * Runs the app as a child and keeps it running.
 * INVARIANTS:
 * - at most one app child exists at a time (`child`); a new one is spawned only after the previous group is gone,
 *   and only through spawn(), which refuses while shutting down or while another child is current;
 * - while `held` (update, rollback, ...) or shutting down no exit triggers a restart: whoever holds the app starts it;
 * - every await in an exit path re-checks ownership (`child`, `held`, `shuttingDown`) before acting;
 * - `done` resolves exactly once, with the status the supervisor process should exit with.
 */
export class Supervisor {
  readonly logs = new RingBuffer<LogLine>(1000);
  private state: SupervisorState = { kind: 'idle' };
  private child: ChildHandle | undefined;
  private childSince = 0;
  private policy: RestartState = initialRestartState;
  private held: string | undefined;
  private shuttingDown = false;
  private finished = false;
  private backoff: AbortController | undefined;
  private stopping: { child: ChildHandle; exit: Promise<ExitInfo> } | undefined;
  private readonly updateAbort = new AbortController();
  private updateHandler: UpdateRequestHandler | undefined;
  private handlerRunning: Promise<void> | undefined;
  private readonly appMessageListeners = new Set<(msg: unknown, handle: unknown, child: ChildHandle) => void>();
  private resolveDone!: (status: number) => void;
  readonly done: Promise<number> = new Promise((r) => (this.resolveDone = r));

  constructor(private readonly deps: SupervisorDeps) {}

  setUpdateHandler(handler: UpdateRequestHandler): void {
    this.updateHandler = handler;
  }

  status(): { state: SupervisorState; pid: number | null; up: boolean; restarts: number; since: number | null } {
    const up = this.state.kind === 'running';
    return { state: this.state, pid: up ? this.child?.pid ?? null : null, up, restarts: this.policy.restarts, since: up ? this.childSince : null };
  }

  get restarts(): number {
    return this.policy.restarts;
  }

  async start(): Promise<void> {
    this.spawn();
  }

  /** Holds the app stopped (graceful stop of its whole group) until startApp(). */
  async stopApp(reason: string): Promise<ExitInfo | null> {
    this.held = reason;
    this.backoff?.abort();
    const child = this.child;
    this.state = { kind: 'held', reason, since: this.deps.clock.now() };
    if (!child) return null;
    this.state = { kind: 'stopping', pid: child.pid };
    const exit = await this.stopChild(child, 'SIGTERM');
    if (this.child === child) this.child = undefined;
    if (!this.shuttingDown) this.state = { kind: 'held', reason, since: this.deps.clock.now() };
    return exit;
  }

  /** Starts the app (again) after a hold; resets the crash-loop counter when `fresh` (a new release). */
  startApp(opts: { fresh?: boolean } = {}): ChildHandle | undefined {
    if (this.shuttingDown) return undefined;
    this.held = undefined;
    this.backoff?.abort();
    if (opts.fresh) this.policy = { restarts: this.policy.restarts, shortRuns: 0 };
    return this.spawn();
  }

  currentChild(): ChildHandle | undefined {
    return this.child;
  }

  /** Sends a message (and optionally a socket) to the running app over IPC; false when no app channel is open. */
  sendToApp(message: unknown, handle?: Socket, sent?: (err: Error | null) => void): boolean {
    return this.child?.send(message, handle, sent) ?? false;
  }

  /** Subscribes to IPC messages from the app (traffic: hand-off announcements, samples). Returns an unsubscribe. */
  onAppMessage(fn: (message: unknown, handle: unknown, child: ChildHandle) => void): () => void {
    this.appMessageListeners.add(fn);
    return () => this.appMessageListeners.delete(fn);
  }

  /** Forwards a non-terminating signal (HUP, QUIT, USR1, USR2) to the app's process group. */
  forward(signal: NodeJS.Signals): void {
    const ok = this.child?.signalGroup(signal) ?? false;
    this.deps.logger.info({ event: 'signal_forwarded', signal, pid: this.child?.pid ?? null, delivered: ok }, `forwarded ${signal}`);
  }

  /** SIGTERM/SIGINT: stop the app gracefully, then resolve `done` with its exit status. A repeated signal is forwarded. */
  async shutdown(signal: NodeJS.Signals): Promise<void> {
    const { deps } = this;
    if (this.shuttingDown) {
      const ok = this.child?.signalGroup(signal) ?? false;
      deps.logger.warn({ event: 'signal_forwarded', signal, pid: this.child?.pid ?? null, delivered: ok, repeated: true }, `${signal} again while stopping: forwarded to the app`);
      return;
    }
    this.shuttingDown = true;
    deps.events.emit('supervisor_stopping', { signal });
    deps.logger.info({ event: 'supervisor_stopping', signal, pid: this.child?.pid ?? null }, `received ${signal}, stopping`);
    this.backoff?.abort();
    this.updateAbort.abort(new Error(`supervisor received ${signal}`));
    if (this.handlerRunning) await Promise.race([this.handlerRunning, deps.clock.sleep(deps.config.stopTimeoutMs)]);
    const child = this.child;
    let status = 128 + signalNumber(signal);
    if (child) {
      this.state = { kind: 'stopping', pid: child.pid };
      status = (await this.stopChild(child, signal)).status;
      if (this.child === child) this.child = undefined;
    }
    this.finish(status);
  }

  private finish(status: number): void {
    if (this.finished) return;
    this.finished = true;
    this.state = { kind: 'exited', status };
    this.deps.logger.info({ event: 'supervisor_exit', exitCode: status }, `supervisor exiting with ${status}`);
    this.resolveDone(status);
  }

  // One stop per child: concurrent stopApp/shutdown/exit cleanup share it instead of racing their own timers.
  private stopChild(child: ChildHandle, signal: NodeJS.Signals, timeoutMs = this.deps.config.stopTimeoutMs): Promise<ExitInfo> {
    if (this.stopping?.child === child) {
      if (signal !== 'SIGTERM') child.signalGroup(signal);
      return this.stopping.exit;
    }
    const exit = stopGroup(child, timeoutMs, this.deps.logger, signal);
    this.stopping = { child, exit };
    void exit.finally(() => {
      if (this.stopping?.child === child) this.stopping = undefined;
    });
    return exit;
  }

  private spawn(): ChildHandle | undefined {
    const { deps } = this;
    if (this.shuttingDown || this.finished) return undefined;
    if (this.child) return this.child;
    const child = deps.spawner.spawn(deps.command, {
      cwd: deps.config.appDir,
      env: deps.childEnv(),
      redact: deps.redact,
      onLine: (stream, line) => {
        const entry: LogLine = { time: deps.clock.now(), source: 'app', stream, line };
        this.logs.push(entry);
        deps.events.emit('log_line', entry);
      },
      onMessage: (msg, handle) => this.onMessage(child, msg, handle),
    });
    this.child = child;
    this.childSince = deps.clock.now();
    this.state = { kind: 'running', pid: child.pid, since: this.childSince };
    if (child.pid > 0) {
      deps.logger.info({ event: 'app_started', pid: child.pid, restarts: this.policy.restarts, command: [deps.command.file, ...deps.command.args] }, 'app started');
      deps.events.emit('app_started', { pid: child.pid, restarts: this.policy.restarts });
    }
    const since = this.childSince;
    void child.exited.then((exit) =>
      this.onExit(child, exit, since).catch((err: unknown) => {
        deps.logger.error({ event: 'supervisor_error', code: 'MOLT_E_INTERNAL', error: String(err) }, 'unexpected error while handling an app exit; restarting the app');
        if (this.child === child) this.child = undefined;
        void this.waitBackoff(deps.config.backoffInitialMs, this.policy.restarts);
      }),
    );
    return child;
  }

  private onMessage(child: ChildHandle, msg: unknown, handle?: unknown): void {
    if (typeof msg === 'object' && msg !== null && (msg as { molt?: string }).molt === 'ready') {
      this.deps.logger.info({ event: 'app_ready', pid: child.pid, via: 'ipc' }, 'app reported ready');
      this.deps.events.emit('app_ready', { pid: child.pid, via: 'ipc' });
    }
    for (const fn of this.appMessageListeners) {
      try {
        fn(msg, handle, child);
      } catch (err) {
        this.deps.logger.error({ event: 'listener_failed', type: 'app_message', error: String(err) }, 'app message listener threw');
      }
    }
  }

  private owns(child: ChildHandle): boolean {
    return this.child === child && this.held === undefined && !this.shuttingDown;
  }

  private async onExit(child: ChildHandle, exit: ExitInfo, since: number): Promise<void> {
    const { deps } = this;
    const uptimeMs = deps.clock.now() - since;
    logExit(deps, child.pid, exit, uptimeMs);
    if (!this.owns(child)) return; // whoever stopped it handles the rest
    // Leftovers of the group (grandchildren) must not keep the port or survive into the next start.
    if (child.pid > 0) await this.stopChild(child, 'SIGTERM', Math.min(deps.config.stopTimeoutMs, LEFTOVER_GRACE_MS));
    if (!this.owns(child)) return;
    this.child = undefined;
    if (exit.status === EXIT.UPDATE_REQUESTED && !exit.spawnError) return this.onUpdateRequested(uptimeMs);
    return this.applyPolicy({ status: exit.status, uptimeMs });
  }

  private async applyPolicy(exit: AppExit): Promise<void> {
    const { deps } = this;
    const decision = decideRestart(this.policy, exit, deps.config, deps.random);
    this.policy = decision.state;
    if (decision.action === 'exit') {
      deps.logger.info({ event: 'app_not_restarted', restart: deps.config.restart, exitCode: decision.status }, `restart policy ${deps.config.restart}: not restarting`);
      return this.finish(decision.status);
    }
    if (decision.crashLoop) {
      deps.logger.error({ event: 'crash_loop', restarts: decision.state.shortRuns, delayMs: decision.delayMs, windowMs: deps.config.minUptimeMs },
        `app is crash-looping: ${decision.state.shortRuns} exits in a row each within ${deps.config.minUptimeMs}ms; still restarting at the backoff cap`);
      deps.events.emit('crash_loop', { restarts: decision.state.shortRuns, windowMs: deps.config.minUptimeMs });
    }
    await this.waitBackoff(decision.delayMs, decision.state.restarts);
  }

  private async waitBackoff(delayMs: number, restarts: number): Promise<void> {
    const { deps } = this;
    if (this.shuttingDown || this.held !== undefined) return;
    this.state = { kind: 'backoff', delayMs, until: deps.clock.now() + delayMs };
    deps.logger.info({ event: 'app_restart_scheduled', delayMs, restarts }, `restarting app in ${delayMs}ms`);
    deps.events.emit('app_restart_scheduled', { delayMs, restarts });
    const ac = new AbortController();
    this.backoff?.abort();
    this.backoff = ac;
    try {
      await deps.clock.sleep(delayMs, ac.signal);
    } catch {
      return; // aborted by stopApp/startApp/shutdown: they own the app now
    } finally {
      if (this.backoff === ac) this.backoff = undefined;
    }
    if (this.held === undefined) this.spawn();
  }

  private async onUpdateRequested(uptimeMs: number): Promise<void> {
    const { deps } = this;
    const read = await readUpdateRequest(deps.config.dataDir, deps.clock.now()).catch((err: Error) => {
      deps.logger.error({ event: 'update_request_unreadable', code: 'MOLT_E_REQUEST_INVALID', error: err.message }, `cannot read the update request: ${err.message}`);
      return { kind: 'none' as const };
    });
    if (this.shuttingDown || this.held !== undefined || this.child) return; // someone else took over meanwhile
    if (read.kind === 'invalid') {
      deps.logger.error({ event: 'update_request_invalid', code: 'MOLT_E_REQUEST_INVALID', problems: read.problems, movedTo: read.movedTo },
        `malformed update-request.json moved to ${read.movedTo}: ${read.problems.join('; ')}; restarting the current version`);
      return this.applyPolicy({ status: EXIT.UPDATE_REQUESTED, uptimeMs, requested: true });
    }
    const request = read.kind === 'ok' ? read.request : null;
    deps.logger.info({ event: 'update_requested', trigger: 'app', ...(request ?? {}) }, 'app requested an update');
    deps.events.emit('update_requested', { ...(request ?? {}), trigger: 'app' });
    if (!this.updateHandler) {
      if (read.kind === 'ok') await rm(read.path, { force: true });
      deps.logger.warn({ event: 'update_engine_absent' }, 'no update engine configured: restarting the current version');
      return this.applyPolicy({ status: EXIT.UPDATE_REQUESTED, uptimeMs, requested: true });
    }
    this.held = 'update';
    this.state = { kind: 'held', reason: 'update', since: deps.clock.now() };
    const run = this.updateHandler(request, this.updateAbort.signal).catch((err: Error) => {
      deps.logger.error({ event: 'update_handler_failed', code: 'MOLT_E_INTERNAL', error: err.message }, `update handler failed: ${err.message}; restarting the current version`);
      if (!this.child && this.held === 'update') this.startApp();
    });
    this.handlerRunning = run;
    await run;
    this.handlerRunning = undefined;
    if (!this.child && !this.shuttingDown && this.held === 'update') {
      deps.logger.warn({ event: 'app_left_stopped' }, 'update handler left the app stopped; holding');
    }
  }
}
