import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { MoltError } from '../core/errors.js';
import { archiveRelease, pruneReleases, restoreCode, restoreData } from './release-artifacts.js';
import { hasStoredTree, installedHash, keepLiveTree, parkTree, pruneTrees, unparkTree } from './deps.js';
import { readSchemaVersion } from './schema-version.js';
import { gate } from './steps-forward.js';
import { toHistorySteps } from './history-steps.js';
import type { OpContext, StepExecutor } from './context.js';

function needBackup(ctx: OpContext) {
  if (!ctx.j.backup) throw new MoltError('MOLT_E_ROLLBACK_FAILED', 'no backup recorded in the journal: nothing to restore from');
  return ctx.j.backup;
}

/** Commit: the new release's tarball (for re-apply after a container re-creation), last-good, history, pins, prune. */
export const commit: StepExecutor = async (ctx) => {
  const { p, j, sqlite } = ctx;
  const { appDir, dataDir } = p.config;
  // resumed after a power cut between the health gate and here: the verified release must run again first
  if (!p.app.currentChild()) {
    await gate(ctx);
    p.traffic.release();
  }
  const now = new Date(p.clock.now()).toISOString();
  await archiveRelease({ appDir, dataDir, sha: j.toSha, sqlite, withData: false, fingerprint: true, onEntry: () => p.killSwitch.mid('commit'), now: () => new Date(p.clock.now()) });
  const liveHash = (await installedHash(appDir)) ?? j.deps?.toHash;
  if (liveHash) await keepLiveTree(appDir, dataDir, liveHash);
  const schemaVersion = readSchemaVersion(sqlite[0]);
  p.store.commitRelease({ sha: j.toSha, subject: j.toSubject, committedAt: now, schemaVersion, depsHash: j.deps?.toHash ?? (await installedHash(appDir)) });
  if (j.kind === 'rollback' && j.fromSha && j.fromSha !== j.toSha) p.store.pin(j.fromSha, `rolled back to ${j.toSha.slice(0, 12)} (${j.trigger} by ${j.actor})`, j.actor, now);
  const keep = new Set([j.toSha, ...(j.fromSha ? [j.fromSha] : []), ...p.store.releases().slice(0, p.config.keepReleases).map((r) => r.sha)]);
  const removed = await pruneReleases(dataDir, keep);
  const hashes = new Set(p.store.releases().filter((r) => keep.has(r.sha) && r.depsHash).map((r) => r.depsHash as string));
  for (const h of [j.deps?.toHash, j.deps?.fromHash]) if (h) hashes.add(h);
  await pruneTrees(dataDir, hashes);
  await p.git.maintain(); // deferred by the preflight's fetch; after the tarball, so it never catches a repack
  const details: Record<string, unknown> = { schemaVersion, prunedReleases: removed.length };
  if (j.discardedSince) details.discardedData = { from: j.discardedSince, to: now };
  const self = j.steps.find((s) => s.name === 'commit');
  if (self) Object.assign(self, { status: 'done', durationMs: p.clock.now() - Date.parse(self.startedAt ?? now) }); // the row includes its own step
  p.store.updateOperation(j.id, { outcome: 'succeeded', finishedAt: now, steps: toHistorySteps(j), error: null, details });
  return { detail: `release ${j.toSha.slice(0, 12)} is last-good (schema ${schemaVersion ?? 'n/a'}); pruned ${removed.length} old release(s)` };
};

const stopNew: StepExecutor = async ({ p, j }) => {
  p.traffic.hold({ reason: 'rollback', targetSha: j.fromSha ?? undefined });
  await p.app.stopApp('rollback');
};

const restoreCodeStep: StepExecutor = async (ctx) => {
  const b = needBackup(ctx);
  const { appDir, dataDir } = ctx.p.config;
  await restoreCode({ appDir, dataDir, tarball: b.tarball, sqlite: ctx.sqlite, onEntry: () => ctx.p.killSwitch.mid('restore_code') });
  return { detail: `code restored from ${b.tarball.path} (sha256 verified)` };
};

/** Puts the previous dependency tree back by rename; the new one is kept under its hash when it was complete. */
const restoreDeps: StepExecutor = async ({ p, j }) => {
  const d = j.deps;
  if (!d) return { skipped: true };
  const { appDir, dataDir } = p.config;
  const live = await installedHash(appDir);
  if (live === d.fromHash && !(await hasStoredTree(dataDir, d.fromHash))) return { detail: 'previous tree already in place' };
  if (d.installed && d.toHash && live === d.toHash) await parkTree(appDir, dataDir, d.toHash);
  else await rm(join(appDir, 'node_modules'), { recursive: true, force: true });
  const back = await unparkTree(appDir, dataDir, d.fromHash);
  return { detail: back ? `dependency tree ${d.fromHash} moved back (no install)` : 'there was no previous node_modules' };
};

const restoreDb: StepExecutor = async (ctx) => {
  const b = needBackup(ctx);
  await restoreData(b.sqlite);
  return { detail: `${b.sqlite.filter((s) => s.existed).length} database(s) restored (sha256 verified)` };
};

const startOld: StepExecutor = async ({ p }) => {
  const child = p.app.currentChild() ?? p.app.startApp({ fresh: true });
  if (!child) throw new MoltError('MOLT_E_ABORTED', 'supervisor is shutting down: the previous release was not started');
  return { detail: `pid ${child.pid}` };
};

const verifyOld: StepExecutor = async (ctx) => {
  const r = await gate(ctx);
  ctx.p.traffic.release();
  return r;
};

export const COMMIT_AND_UNDO: Record<string, StepExecutor> = {
  commit, stop_new: stopNew, restore_code: restoreCodeStep, restore_deps: restoreDeps, restore_db: restoreDb, start_old: startOld, verify_old: verifyOld,
};
