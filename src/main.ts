import { mkdir } from 'node:fs/promises';
import { parseCommandString } from 'execa';
import { loadConfig, EXIT_CONFIG } from './config/load.js';
import type { Config } from './config/schema.js';
import { createLogger, type Logger } from './core/logger.js';
import { EventBus } from './core/events.js';
import { systemClock } from './core/clock.js';
import { Supervisor } from './supervisor/supervisor.js';
import { execaSpawner, type AppCommand } from './supervisor/child-process.js';
import { planPid1, reexecUnderTini } from './supervisor/pid1.js';

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

  await mkdir(config.dataDir, { recursive: true });
  const events = new EventBus((err, type) => logger.error({ event: 'listener_failed', type, error: String(err) }, 'event listener threw'));
  const supervisor = new Supervisor({
    config,
    command,
    logger,
    events,
    spawner: execaSpawner,
    clock: systemClock,
    childEnv: () => ({ ...env, PORT: String(config.port), MOLT_SUPERVISED: '1', MOLT_DATA_DIR: config.dataDir, MOLT_APP_DIR: config.appDir }),
  });

  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => void supervisor.shutdown(sig));
  for (const sig of ['SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'] as const) process.on(sig, () => supervisor.forward(sig));

  logger.info({ event: 'supervisor_started', pid: process.pid, appDir: config.appDir, dataDir: config.dataDir, port: config.port }, 'molt supervisor started');
  await supervisor.start();
  return supervisor.done;
}
