import { existsSync } from 'node:fs';
import { MoltError } from '../core/errors.js';
import { EXIT } from '../supervisor/exit-codes.js';
import { waitHealthy } from './health-gate.js';
import { archiveRelease, cleanExcludes, readManifest, restoreCode, restoreData } from './release-artifacts.js';
import { depsHash, hasStoredTree, installedHash, parkTree, unparkTree, writeMarker } from './deps.js';
import { runChecked, splitCommand } from './exec-port.js';
import { readSchemaVersion } from './schema-version.js';
import { properLockfile } from './update-lock.js';
import type { OpContext, StepExecutor, StepOutcome } from './context.js';

/** Runs a configured command in the app dir, its process group tracked by the kill switch, mid-kill on output. */
export async function runTool(ctx: OpContext, step: string, code: Parameters<typeof runChecked>[1], name: string, command: string[]) {
  const { p } = ctx;
  let pgid = 0;
  try {
    return await runChecked(p.exec, code, name, command, {
      cwd: p.config.appDir,
      env: { ...p.env, MOLT_DATA_DIR: p.config.dataDir, MOLT_APP_DIR: p.config.appDir },
      signal: ctx.signal,
      onSpawn: (pid) => p.killSwitch.track((pgid = pid)),
      onLine: () => p.killSwitch.mid(step),
    });
  } finally {
    if (pgid) p.killSwitch.untrack(pgid);
  }
}

/** Serialises migrations with any other migrator (the SDK locks the same file). */
export async function withDbLock<T>(ctx: OpContext, fn: () => Promise<T>): Promise<T> {
  const db = ctx.sqlite[0];
  if (!db || !existsSync(db)) return fn();
  const release = await (await properLockfile()).lock(db, { realpath: false, stale: 30_000, retries: { retries: 120, minTimeout: 250, maxTimeout: 1000 } });
  try {
    return await fn();
  } finally {
    await release().catch(() => {});
  }
}

const stop: StepExecutor = async (ctx) => {
  const { p, j } = ctx;
  p.traffic.hold({ reason: j.kind === 'rollback' ? 'rollback' : j.kind === 'recovery' ? 'recovery' : 'update', targetSha: j.toSha });
  const child = p.app.currentChild();
  const stopped = p.app.stopApp(j.kind === 'rollback' ? 'rollback' : 'update');
  void ctx.nothingToClean?.(); // read-only git while the app exits
  await stopped;
  return child ? { detail: `stopped pid ${child.pid}` } : { detail: 'app was not running' };
};

const backup: StepExecutor = async (ctx) => {
  const { p, j } = ctx;
  const { appDir, dataDir, lockfile: lf } = p.config;
  const installed = await installedHash(appDir);
  const fromHash = installed ?? (await depsHash(appDir, lf));
  if (!installed && existsSync(`${appDir}/node_modules`)) await writeMarker(appDir, fromHash);
  const sha = j.fromSha ?? (await p.git.head());
  const m = await archiveRelease({ appDir, dataDir, sha, sqlite: ctx.sqlite, withData: true, reuse: true, signal: ctx.signal, onEntry: () => p.killSwitch.mid('backup'), now: () => new Date(p.clock.now()) });
  j.backup = { dir: dataDir, createdAt: m.createdAt, tarball: m.tarball, sqlite: m.sqlite };
  j.deps = { fromHash, parked: false, installed: false };
  j.fromSchema = readSchemaVersion(ctx.sqlite[0]);
  ctx.treeUnchanged = m.reused;
  const kb = Math.round(m.tarball.size / 1024);
  return { detail: `code ${kb} KiB sha256 ${m.tarball.sha256.slice(0, 12)}${m.reused ? ' (tree unchanged since commit: its tarball kept)' : ''}, ${m.sqlite.filter((s) => s.existed).length} database(s), integrity ok` };
};

const checkout: StepExecutor = async (ctx) => {
  const { p, j, signal, sqlite } = ctx;
  try {
    await p.git.resetHard(j.toSha, signal);
  } catch {
    await p.git.fetch(p.config.remote, signal);
    await p.git.resetHard(j.toSha, signal);
  }
  // the stopped tree is the one the preflight's dry run found nothing to clean in, under the same ignore rules
  if (ctx.treeUnchanged && (await ctx.nothingToClean?.())) return { detail: `HEAD at ${j.toSha.slice(0, 12)} (nothing to clean)` };
  await p.git.clean(cleanExcludes(p.config.appDir, p.config.dataDir, sqlite));
  return { detail: `HEAD at ${j.toSha.slice(0, 12)}` };
};

const install: StepExecutor = async (ctx) => {
  const { p, j } = ctx;
  const { appDir, dataDir } = p.config;
  const deps = j.deps ?? { fromHash: (await installedHash(appDir)) ?? 'unknown', parked: false, installed: false };
  j.deps = deps;
  const toHash = await depsHash(appDir, p.config.lockfile);
  deps.toHash = toHash; // an unchanged lockfile never gets here: its precheck (prechecks.ts) records the skip
  if (!deps.parked) {
    deps.parked = (await parkTree(appDir, dataDir, deps.fromHash)) || (await hasStoredTree(dataDir, deps.fromHash));
    await ctx.save();
  }
  if (await unparkTree(appDir, dataDir, toHash)) {
    deps.installed = true;
    p.logger.info({ event: 'install_skipped', opId: j.id, depsHash: toHash, reused: true }, 'kept dependency tree reused: install skipped');
    return { skipped: true, detail: `install_skipped: reused kept tree ${toHash}` };
  }
  const r = await runTool(ctx, 'install', 'MOLT_E_INSTALL', 'MOLT_INSTALL_CMD', splitCommand('MOLT_INSTALL_CMD', p.config.installCmd));
  await writeMarker(appDir, toHash);
  deps.installed = true;
  return { detail: `installed deps ${toHash} in ${r.durationMs}ms` };
};

// build and migrate run only when their command is set: otherwise their precheck records the skip
const build: StepExecutor = async (ctx) => {
  const r = await runTool(ctx, 'build', 'MOLT_E_BUILD', 'MOLT_BUILD_CMD', splitCommand('MOLT_BUILD_CMD', ctx.p.config.buildCmd ?? ''));
  return { detail: `built in ${r.durationMs}ms` };
};

const migrate: StepExecutor = async (ctx) => {
  const cmd = splitCommand('MOLT_MIGRATE_CMD', ctx.p.config.migrateCmd ?? '');
  await withDbLock(ctx, () => runTool(ctx, 'migrate', 'MOLT_E_MIGRATE', 'MOLT_MIGRATE_CMD', cmd));
  return { detail: `schema version ${readSchemaVersion(ctx.sqlite[0]) ?? 'n/a'}` };
};

/** Down migrations with the newer code still on disk, back to the target release's schema. */
const migrateDown: StepExecutor = async (ctx) => {
  const target = ctx.j.targetSchema;
  const current = readSchemaVersion(ctx.sqlite[0]);
  if (target === null || target === undefined || current === null || current <= target) return { skipped: true, detail: `schema ${current ?? 'n/a'} needs no down migration` };
  const cmd = [...splitCommand('MOLT_MIGRATE_CMD', ctx.p.config.migrateCmd ?? ''), 'down', String(target)];
  await withDbLock(ctx, () => runTool(ctx, 'migrate_down', 'MOLT_E_MIGRATE', 'MOLT_MIGRATE_CMD down', cmd));
  return { detail: `schema ${current} → ${readSchemaVersion(ctx.sqlite[0])}` };
};

/** Forced rollback: the target release's own data backup replaces the databases (newer writes are discarded). */
const restoreDataStep: StepExecutor = async ({ p, j }) => {
  const m = await readManifest(p.config.dataDir, j.toSha);
  if (!m || !m.sqlite.length) throw new MoltError('MOLT_E_NOT_FOUND', `release ${j.toSha.slice(0, 12)} has no data backup in ${p.config.dataDir}/releases: cannot force this rollback`);
  await restoreData(m.sqlite);
  j.discardedSince = m.createdAt;
  return { detail: `databases restored from ${m.createdAt}; writes after it discarded` };
};

/** Re-apply of the last committed release from its own tarball (container recreated from the image). */
const restoreRelease: StepExecutor = async ({ p, j, sqlite }) => {
  const m = await readManifest(p.config.dataDir, j.toSha);
  if (!m) throw new MoltError('MOLT_E_NOT_FOUND', `no tarball of release ${j.toSha.slice(0, 12)} in ${p.config.dataDir}/releases`);
  await restoreCode({ appDir: p.config.appDir, dataDir: p.config.dataDir, tarball: m.tarball, sqlite, onEntry: () => p.killSwitch.mid('restore_release') });
  return { detail: `code of ${j.toSha.slice(0, 12)} restored from its tarball` };
};

const start: StepExecutor = async ({ p }) => {
  const child = p.app.currentChild() ?? p.app.startApp({ fresh: true });
  if (!child) throw new MoltError('MOLT_E_ABORTED', 'supervisor is shutting down: the new release was not started');
  return { detail: `pid ${child.pid}` };
};

/** Health gate; an exit with the SDK's migration code is a migration failure, not a generic crash. */
export async function gate(ctx: OpContext): Promise<StepOutcome> {
  const { p } = ctx;
  const child = p.app.currentChild() ?? p.app.startApp({ fresh: true });
  if (!child) throw new MoltError('MOLT_E_ABORTED', 'supervisor is shutting down');
  try {
    const r = await waitHealthy({ port: p.healthPort(), path: p.config.healthPath, timeoutMs: p.config.healthTimeoutMs, successes: p.config.healthSuccesses, intervalMs: p.config.healthIntervalMs, child, events: p.events, alreadyReady: () => ctx.appReady(child.pid), signal: ctx.signal });
    return { detail: `healthy via ${r.via} after ${r.probes} probes (${r.failures} failed) in ${r.durationMs}ms` };
  } catch (err) {
    const exit = await Promise.race([child.exited, new Promise<null>((r) => setTimeout(() => r(null), 50))]);
    if (exit?.status === EXIT.MIGRATION_FAILED) throw new MoltError('MOLT_E_MIGRATE', `the app exited with ${EXIT.MIGRATION_FAILED} (SDK migration failed) during boot`, { cause: err });
    if (exit?.status === EXIT.SCHEMA_FROM_FUTURE) throw new MoltError('MOLT_E_SCHEMA_FROM_FUTURE', `the app exited with ${EXIT.SCHEMA_FROM_FUTURE}: the database schema is newer than this release`, { cause: err });
    throw err;
  }
}

const health: StepExecutor = async (ctx) => {
  const r = await gate(ctx);
  ctx.p.traffic.release();
  ctx.p.killSwitch.after('health');
  return r;
};

export const FORWARD: Record<string, StepExecutor> = {
  stop, backup, checkout, install, build, migrate, migrate_down: migrateDown, restore_data: restoreDataStep, restore_release: restoreRelease, start, health,
};
