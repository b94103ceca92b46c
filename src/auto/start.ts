import type { Config } from '../config/schema.js';
import type { Clock } from '../core/clock.js';
import type { EventBus } from '../core/events.js';
import type { Logger } from '../core/logger.js';
import type { UpdateEngine } from '../update/api.js';
import type { AutoUpdater } from './controller.js';

export interface StartAutoUpdaterDeps {
  config: Config;
  engine: Pick<UpdateEngine, 'requestUpdate' | 'current' | 'running' | 'pinned' | 'history'>;
  events: EventBus;
  logger: Logger;
  clock: Clock;
  signal: AbortSignal;
  firstCheckMs?: number;
}

/**
 * Composition helper for src/main.ts: resolves the instance id, wires the git remote and the signature check, and
 * starts the polling loop in the background. Returns null when MOLT_AUTO_UPDATE=off.
 */
export async function startAutoUpdater(deps: StartAutoUpdaterDeps): Promise<AutoUpdater | null> {
  const { config, logger } = deps;
  if (config.autoUpdate === 'off') return null;
  // loaded only when automatic updates are on: a supervisor without them does not carry the poller
  const [{ verifyCommitSignature }, { AutoUpdater }, { resolveInstanceId }, { gitRemote }, { formatWindow }] = await Promise.all([
    import('../update/signature.js'), import('./controller.js'), import('./instance-id.js'), import('./remote.js'), import('./window.js'),
  ]);
  const instance = await resolveInstanceId({ configured: config.instanceId, dataDir: config.dataDir });
  const updater = new AutoUpdater({
    config,
    engine: deps.engine,
    remote: gitRemote({ appDir: config.appDir, remote: config.remote, branch: config.branch }),
    events: deps.events,
    logger,
    clock: deps.clock,
    instanceId: instance.id,
    firstCheckMs: deps.firstCheckMs,
    verifySignature: config.allowedSigners
      ? (sha, signal) => verifyCommitSignature({ appDir: config.appDir, sha, allowedSigners: config.allowedSigners!, signal })
      : undefined,
  });
  logger.info(
    {
      event: 'auto_update_started',
      mode: config.autoUpdate,
      instanceId: instance.id,
      instanceIdSource: instance.source,
      pollIntervalMs: config.pollIntervalMs,
      window: formatWindow(config.updateWindow),
      tz: config.tz,
      canaryProbability: config.canaryProbability,
      canaryBakeMs: config.canaryBakeMs,
      requireSigned: config.requireSigned,
    },
    `automatic updates: ${config.autoUpdate}, window ${formatWindow(config.updateWindow)} ${config.tz}`,
  );
  void updater.run(deps.signal).catch((err: unknown) => logger.error({ event: 'auto_update_loop_failed', error: String(err) }, 'auto-update loop stopped'));
  return updater;
}
