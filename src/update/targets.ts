import { MoltError } from '../core/errors.js';
import type { CommitInfo, OperationKind, RollbackCommand, Trigger, UpdateCommand } from './api.js';
import type { Ports } from './context.js';
import type { PlanKind } from './plan.js';
import { assertRef, assertSha } from './refs.js';
import { planRollback } from './preflight.js';
import { preverifyRelease } from './release-artifacts.js';
import { dryRunClean } from './clean-proof.js';

/** What an accepted request turns into: the operation the engine journals and runs. */
export interface OperationInit {
  kind: Extract<OperationKind, 'update' | 'rollback' | 'recovery' | 'restore'>;
  plan: PlanKind;
  trigger: Trigger;
  actor: string;
  fromSha: string | null;
  toSha: string;
  force?: boolean;
  targetSchema?: number | null;
  /** Why (admin text, probation verdict) and measured numbers; stored in the history row's `details`. */
  reason?: string;
  details?: Record<string, unknown>;
  /** Commits from → to when the preflight already listed them. */
  commits?: CommitInfo[];
  /** What `git clean` would remove from the tree the preflight saw (null: unknown); see OpContext.nothingToClean. */
  untracked?: Promise<string[] | null>;
}

/**
 * The preflight of an update request, under the update lock: validates, fetches, resolves the target and lists its
 * commits. An "update" to an older committed release becomes a rollback (down migrations first, never old code on a
 * newer schema). Changes nothing; refusals throw.
 */
export async function prepareUpdate(p: Ports, sqlite: string[], cmd: UpdateCommand, fromSha: string, signal: AbortSignal): Promise<OperationInit> {
  if (cmd.ref !== undefined && cmd.sha !== undefined) throw new MoltError('MOLT_E_VALIDATION', 'give either ref or sha, not both');
  const wanted = cmd.sha !== undefined ? assertSha(cmd.sha) : assertRef(cmd.ref ?? p.config.branch, cmd.ref === undefined ? 'MOLT_BRANCH' : 'ref');
  const fetched = p.git.fetch(p.config.remote, signal, { deferMaintenance: true }); // maintenance: at commit
  // read-only while git fetches (after its spawn, which blocks this thread ~2 ms): tarball checksum, clean dry run
  void preverifyRelease(p.config.dataDir, fromSha).catch(() => {});
  const untracked = dryRunClean(p, sqlite);
  await fetched;
  const commits = cmd.sha === undefined ? await p.git.branchCommits(p.config.remote, wanted, fromSha) : [];
  const toSha = commits[0]?.sha ?? (await p.git.resolve(p.config.remote, wanted));
  if (toSha === fromSha && !cmd.force) throw new MoltError('MOLT_E_SAME_RELEASE', `already running ${toSha.slice(0, 12)}: nothing to update (force re-applies it)`, { context: { sha: toSha } });
  if (p.store.release(toSha) && toSha !== fromSha && (await p.git.isAncestor(toSha, fromSha))) {
    const { plan, targetSchema } = await planRollback(p, sqlite, toSha, false);
    return { kind: 'rollback', plan, trigger: cmd.trigger, actor: cmd.actor, fromSha, toSha, targetSchema };
  }
  return { kind: 'update', plan: 'update', trigger: cmd.trigger, actor: cmd.actor, fromSha, toSha, force: cmd.force, commits, untracked };
}

/** The preflight of a rollback to a given sha (fetched first if this clone does not have it). */
export async function prepareRollback(p: Ports, sqlite: string[], cmd: RollbackCommand, fromSha: string, signal: AbortSignal): Promise<OperationInit> {
  const sha = assertSha(String(cmd.sha ?? ''));
  const toSha = await p.git.resolve(p.config.remote, sha).catch(async (err) => {
    await p.git.fetch(p.config.remote, signal);
    return p.git.resolve(p.config.remote, sha).catch(() => Promise.reject(err));
  });
  if (toSha === fromSha) throw new MoltError('MOLT_E_SAME_RELEASE', `already running ${toSha.slice(0, 12)}: nothing to roll back`);
  const { plan, targetSchema } = await planRollback(p, sqlite, toSha, cmd.force === true);
  return { kind: 'rollback', plan, trigger: cmd.trigger, actor: cmd.actor, fromSha, toSha, force: cmd.force, targetSchema };
}
