import type { Config } from '../config/schema.js';
import type { Logger } from '../core/logger.js';
import type { EventBus } from '../core/events.js';
import { systemClock } from '../core/clock.js';
import type { TrafficControl } from '../traffic/api.js';
import type { AppControl } from './context.js';
import { createUpdateEngine, type Engine } from './engine.js';
import { createKillSwitch } from './kill-switch.js';

export interface EngineWiring {
  config: Config;
  logger: Logger;
  events: EventBus;
  traffic: TrafficControl;
  supervisor: AppControl & { setUpdateHandler(h: (req: import('../supervisor/update-request.js').UpdateRequest | null, signal: AbortSignal) => Promise<void>): void };
  env: NodeJS.ProcessEnv;
}

/**
 * Composition helper for src/main.ts: builds the engine, makes it the exit-10 handler, and rolls back a release that
 * crash-loops during probation. Call `engine.recover()` before `supervisor.start()`; `engine.close()` on SIGTERM.
 */
export function wireUpdateEngine(w: EngineWiring): Engine {
  const { supervisor } = w;
  const engine = createUpdateEngine({
    config: w.config,
    logger: w.logger,
    events: w.events,
    clock: systemClock,
    app: supervisor,
    traffic: w.traffic,
    healthPort: () => w.config.appPort,
    env: { ...w.env, MOLT_TEST_KILL_AT: undefined },
    killSwitch: createKillSwitch(w.env.MOLT_TEST_KILL_AT, () => supervisor.currentChild()?.pid),
  });
  supervisor.setUpdateHandler((req, signal) => {
    signal.addEventListener('abort', () => engine.close(), { once: true });
    return engine.handleAppRequest(req);
  });
  w.events.on('crash_loop', () => void engine.onCrashLoop());
  return engine;
}
