import type { CommitInfo, PendingReleases } from './api.js';
import { assertRef } from './refs.js';
import type { Ports } from './context.js';

/**
 * Subjects of both ends and the commits in between, for the history row, the journal and `update_started`, with as
 * few git processes as possible: committed releases know their own subject, and `git log from..to` names the target
 * too (its first commit) unless the preflight already listed the commits.
 */
export async function describeOperation(p: Ports, fromSha: string | null, toSha: string, listed?: CommitInfo[]): Promise<{ fromSubject: string | null; to: CommitInfo; commits: CommitInfo[] }> {
  const { git, store } = p;
  const fromKnown = fromSha ? store.release(fromSha)?.subject : null;
  const [fromInfo, commits] = await Promise.all([
    fromSha && !fromKnown ? git.describe(fromSha).catch(() => null) : null,
    listed?.length ? listed : fromSha ? git.log(fromSha, toSha, 50).catch(() => []) : [],
  ]);
  // a re-apply may target a commit the image's .git has never seen: the store remembers its subject
  const to = commits[0]?.sha === toSha ? commits[0] : await git.describe(toSha).catch(() => ({ sha: toSha, subject: store.release(toSha)?.subject ?? '', author: '', date: '' }));
  return { fromSubject: fromKnown || fromInfo?.subject || null, to, commits };
}

/** What an update to the tip of MOLT_BRANCH would bring (auto-updater, console). */
export async function pendingReleases(p: Ports, currentSha: string, fetch: boolean, signal?: AbortSignal): Promise<PendingReleases> {
  const { git, config } = p;
  if (fetch) await git.fetch(config.remote, signal);
  const targetSha = await git.resolve(config.remote, assertRef(config.branch, 'MOLT_BRANCH'));
  const commits = await git.log(currentSha, targetSha);
  const files = await git.changedFiles(currentSha, targetSha);
  return {
    currentSha, targetSha, branch: config.branch, commits,
    lockfileChanged: files.includes(config.lockfile),
    migrationsChanged: files.some((f) => /(^|\/)migrations?\//.test(f) || /migrat/i.test(f)),
  };
}
