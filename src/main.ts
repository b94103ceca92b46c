import { mkdir } from 'node:fs/promises';
import { parseCommandString } from 'execa';
import { loadConfig, EXIT_CONFIG } from './config/load.js';
import type { Config } from './config/schema.js';
import { createLogger, redactText, secretForms, type Logger } from './core/logger.js';
import { EventBus } from './core/events.js';
import { systemClock } from './core/clock.js';
import { Supervisor } from './supervisor/supervisor.js';
import { processSpawner, type AppCommand } from './supervisor/child-process.js';
import { planPid1, reexecUnderTini } from './supervisor/pid1.js';
import { TrafficFront } from './traffic/front.js';
import { bindRestartGate } from './traffic/restart-gate.js';
import { bindAppLink } from './traffic/handoff.js';
import { loadHoldingPage } from './traffic/holding-file.js';
import { cachedEstimate } from './traffic/estimate.js';
import { isMoltError } from './core/errors.js';
import { createMetricsRegistry } from './control/metrics.js';
import { startAdmin } from './control/admin/wire.js';
import type { AdminServer } from './control/admin/server.js';
import { wireUpdateEngine } from './update/wire.js';
import { ProbationController } from './probation/controller.js';
import { startAutoUpdater } from './auto/start.js';
import { wireBackups } from './backup/wire.js';

export interface RunOptions {
  /** argv after `--`, if any. */
  command?: string[];
  /** CLI flag overrides keyed by env variable name. */
  overrides?: Record<string, string | undefined>;
  /** The argv to re-exec under tini (everything after `node`). */
  selfArgv: string[];
}

function reportConfigProblems(problems: string[]): number {
  for (const p of problems) process.stderr.write(`molt: config: ${p}\n`);
  return EXIT_CONFIG;
}

function appCommand(config: Config, argv: string[] | undefined): AppCommand | string {
  const parts = argv && argv.length ? argv : config.appCmd ? parseCommandString(config.appCmd) : [];
  if (!parts.length) return 'MOLT_APP_CMD: missing: expected the app command (or `molt run -- <command>`)';
  return { file: parts[0], args: parts.slice(1) };
}

/** Composition root of `molt run`: wires config, logger, events and every subsystem; returns the exit status. */
export async function runSupervisor(opts: RunOptions, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const loaded = loadConfig(env, opts.overrides);
  if (!loaded.ok) return reportConfigProblems(loaded.problems);
  const config = loaded.config;
  const command = appCommand(config, opts.command);
  if (typeof command === 'string') return reportConfigProblems([command]);

  const logger: Logger = createLogger({ level: config.logLevel, secrets: [config.adminToken, config.telegramToken] });
  const pid1 = planPid1(process.pid, env, config.tini);
  if (pid1.action === 'reexec') return reexecUnderTini(pid1.tini, opts.selfArgv, logger);
  if (pid1.action === 'no-reaper') {
    logger.warn({ event: 'pid1_no_reaper' }, 'running as PID 1 without tini: orphaned grandchildren cannot be reaped; install tini or use the entrypoint');
  }

  let holdingHtml: string | undefined;
  try {
    holdingHtml = await loadHoldingPage(config.holdingPage);
  } catch (err) {
    return reportConfigProblems([(err as Error).message]);
  }

  await mkdir(config.dataDir, { recursive: true });
  const events = new EventBus((err, type) => logger.error({ event: 'listener_failed', type, error: String(err) }, 'event listener threw'));
  // One prom-client registry for every subsystem's metrics (served by the admin console at /metrics).
  const metrics = createMetricsRegistry();
  const supervisor = new Supervisor({
    config,
    command,
    logger,
    events,
    spawner: processSpawner,
    clock: systemClock,
    redact: (line) => redactText(line, secretForms([config.adminToken, config.telegramToken])),
    // The app never sees molt's own secrets.
    childEnv: () => ({ ...env, MOLT_ADMIN_TOKEN: undefined, TELEGRAM_BOT_TOKEN: undefined, PORT: String(config.appPort), MOLT_SUPERVISED: '1', MOLT_DATA_DIR: config.dataDir, MOLT_APP_DIR: config.appDir }),
  });

  // Traffic (issue 4): the supervisor owns MOLT_PORT; the app listens on PORT=config.appPort behind it.
  // `traffic` is the TrafficControl the update engine holds/releases/drains/observes (pass it to the engine).
  // estimateSeconds (Retry-After, "usually takes ~N s"): median of recent update durations, attached once the engine exists.
  const estimate = cachedEstimate();
  // IPC link to the app: maintenance on/off on hold/release, hand-off readiness, samples from handed-off connections.
  const appLink = bindAppLink({ channel: supervisor, events, logger, mode: config.trafficMode }, () => traffic);
  const traffic = new TrafficFront({ port: config.port, appPort: config.appPort, logger, events, customHtml: holdingHtml, estimateSeconds: estimate.estimate, handoff: config.trafficMode === 'handoff' ? appLink : undefined });
  try {
    await traffic.listen();
  } catch (err) {
    if (isMoltError(err, 'MOLT_E_CONFIG')) return reportConfigProblems([err.message]);
    throw err;
  }
  bindRestartGate({
    events,
    traffic,
    logger,
    currentChild: () => supervisor.currentChild(),
    gate: { port: config.appPort, path: config.healthPath, timeoutMs: config.healthTimeoutMs, successes: config.healthSuccesses, intervalMs: config.healthIntervalMs },
  });

  // Update engine (issue 3): exit-10 handler, probation crash-loop rollback; recovery runs before the app starts.
  const engine = wireUpdateEngine({ config, logger, events, traffic, supervisor, env });
  estimate.attach(() => engine.history(20));

  // Probation analysis (issue 10): after each committed update, watch error rate, p95 and health for MOLT_PROBATION;
  // a breach rolls back through the engine. Its status() is the console's `probation` status provider.
  const probation = new ProbationController({ config, events, engine, traffic, logger, registry: metrics });
  probation.start();

  // Automatic updates (issue 7): poll the remote tip, announce release_available, apply per canary/bake/window/pins.
  const autoAbort = new AbortController();
  let autoUpdater: Awaited<ReturnType<typeof startAutoUpdater>>;
  try {
    autoUpdater = await startAutoUpdater({ config, engine, events, logger, clock: systemClock, signal: autoAbort.signal });
  } catch (err) {
    await traffic.close();
    if (isMoltError(err, 'MOLT_E_CONFIG')) return reportConfigProblems([err.message]);
    throw err;
  }

  // Scheduled backups, restore drills, retention and restores (issue 9): cleans leftovers of interrupted backups,
  // starts MOLT_BACKUP_SCHEDULE / MOLT_DRILL_SCHEDULE; restores take the update lock and record history rows.
  let backups: Awaited<ReturnType<typeof wireBackups>>;
  try {
    backups = await wireBackups({ config, logger, events, clock: systemClock, metrics, supervisor, traffic, history: engine.p.store });
  } catch (err) {
    autoAbort.abort();
    await traffic.close();
    if (isMoltError(err, 'MOLT_E_CONFIG')) return reportConfigProblems([err.message]);
    throw err;
  }

  // Admin console, JSON API and /metrics (issue 5). Other subsystems add status providers and plugins (backups) here.
  let admin: AdminServer | null;
  try {
    admin = await startAdmin({ config, supervisor, events, metrics, logger, engine: () => engine, providers: { probation: () => probation.status(), autoUpdate: () => autoUpdater?.autoUpdateStatus() ?? null }, plugins: [backups.plugin] });
  } catch (err) {
    await traffic.close();
    if (isMoltError(err, 'MOLT_E_CONFIG')) return reportConfigProblems([err.message]);
    throw err;
  }

  // Graceful drain: new requests get the holding page, in-flight ones finish (up to MOLT_STOP_TIMEOUT), then the app stops.
  for (const sig of ['SIGTERM', 'SIGINT'] as const)
    process.on(sig, () => {
      traffic.hold({ reason: 'stopped' });
      engine.close(`received ${sig}`);
      autoAbort.abort();
      void traffic.drain(config.stopTimeoutMs).then(() => supervisor.shutdown(sig));
    });
  for (const sig of ['SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'] as const) process.on(sig, () => supervisor.forward(sig));

  logger.info({ event: 'supervisor_started', pid: process.pid, appDir: config.appDir, dataDir: config.dataDir, port: config.port }, 'molt supervisor started');
  // Telegram bot (issue 6): notifications + admin commands, off when TELEGRAM_BOT_TOKEN is unset. Started before
  // recovery so a recovery after restart is announced; it never blocks startup when Telegram is unreachable.
  // Loaded only when configured: telegraf costs ~17 MB of RSS that a bot-less supervisor should not carry.
  const telegram = config.telegramToken
    ? (await import('./control/telegram/bot.js')).createTelegramBot({ config, logger, events, engine, clock: systemClock, app: { status: () => supervisor.status(), recentLogs: (n) => supervisor.logs.toArray(n) } })
    : null;
  telegram?.start();

  // Journal first: resume or roll back an interrupted update, re-apply the last release on a re-created container.
  const recovered = await engine.recover();
  if (!recovered.appStarted && !recovered.held) await supervisor.start();
  const status = await supervisor.done;
  autoAbort.abort();
  backups.stop();
  await traffic.close();
  appLink.close();
  await admin?.close();
  await telegram?.stop();
  return status;
}
