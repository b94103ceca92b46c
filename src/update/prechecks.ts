import { existsSync } from 'node:fs';
import { depsHash, installedHash } from './deps.js';
import type { StepPrecheck } from './context.js';

/**
 * Steps that can tell, without touching anything, that they have nothing to do. They are recorded as skipped in the
 * journal write of the next step instead of costing a write of their own (see runStep).
 */
const install: StepPrecheck = async ({ p, j }) => {
  const { appDir, lockfile } = p.config;
  if (j.deps?.parked || !existsSync(`${appDir}/node_modules`)) return null;
  const fromHash = j.deps?.fromHash ?? (await installedHash(appDir)) ?? 'unknown';
  const toHash = await depsHash(appDir, lockfile);
  if (toHash !== fromHash) return null;
  j.deps = { ...(j.deps ?? { fromHash, parked: false, installed: false }), toHash };
  p.logger.info({ event: 'install_skipped', opId: j.id, depsHash: toHash }, 'lockfile unchanged: dependency install skipped');
  return { skipped: true, detail: `install_skipped: lockfile unchanged (deps ${toHash})` };
};

export const PRECHECKS: Record<string, StepPrecheck> = {
  install,
  build: async ({ p }) => (p.config.buildCmd ? null : { skipped: true, detail: 'MOLT_BUILD_CMD not set' }),
  migrate: async ({ p }) => (p.config.migrateCmd ? null : { skipped: true, detail: 'MOLT_MIGRATE_CMD not set (SDK apps migrate at boot)' }),
};
