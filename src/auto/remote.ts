import { execBounded } from './bounded-exec.js';
import { MoltError } from '../core/errors.js';

/** What the poller needs from git; a port so the controller can be driven by tests without a network. */
export interface RemotePort {
  /** The sha the remote branch points at, or null when the branch does not exist there. */
  tip(signal?: AbortSignal): Promise<string | null>;
  /** Subject and committer time of `sha`, fetching the branch first when the object is not local yet. */
  describe(sha: string, signal?: AbortSignal): Promise<{ sha: string; subject: string; committedAt: number }>;
  /** HEAD of the app's work tree (used when the engine has no committed release yet), null when unborn. */
  localHead(signal?: AbortSignal): Promise<string | null>;
  /** Whether `ancestor` is reachable from `descendant` (both local); false when either is unknown. */
  isAncestor(ancestor: string, descendant: string, signal?: AbortSignal): Promise<boolean>;
}

const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;
const REMOTE = /^[A-Za-z0-9_][A-Za-z0-9._\/:@+~-]*$/;
const BRANCH = /^[A-Za-z0-9_][A-Za-z0-9._\/-]*$/;

export function validateSha(sha: string, what = 'sha'): string {
  if (!SHA.test(sha)) throw new MoltError('MOLT_E_REF_INVALID', `${what} ${JSON.stringify(sha.slice(0, 80))}: expected a full 40- or 64-character lowercase hex commit id`);
  return sha;
}

/** Remote names/URLs and branch names reach git argv only after these checks (plus --end-of-options). */
export function validateRemoteAndBranch(remote: string, branch: string): void {
  if (!REMOTE.test(remote)) throw new MoltError('MOLT_E_CONFIG', `MOLT_REMOTE=${JSON.stringify(remote)}: expected a git remote name or URL without spaces that does not start with "-"`);
  if (!BRANCH.test(branch) || branch.includes('..') || branch.endsWith('/') || branch.endsWith('.lock') || branch.includes('//')) {
    throw new MoltError('MOLT_E_CONFIG', `MOLT_BRANCH=${JSON.stringify(branch)}: expected a branch name like main or release/v2`);
  }
}

/** Environment that makes git fail fast instead of prompting for credentials. */
export function nonInteractiveGitEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return {
    GIT_TERMINAL_PROMPT: '0',
    GCM_INTERACTIVE: 'never',
    GIT_SSH_COMMAND: env.GIT_SSH_COMMAND ?? 'ssh -o BatchMode=yes -o ConnectTimeout=10',
  };
}

export async function runGit(cwd: string, args: string[], opts: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<string> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const r = await execBounded('git', args, { cwd, env: { ...process.env, ...nonInteractiveGitEnv() } as Record<string, string>, timeoutMs, signal: opts.signal });
  if (r.aborted) throw new MoltError('MOLT_E_ABORTED', `git ${args[0]} aborted`, { context: { args } });
  if (r.exitCode !== 0) {
    const why = r.timedOut ? `timed out after ${timeoutMs}ms` : (r.stderr || r.spawnError || `exit ${r.exitCode}`).trim().split('\n').slice(-3).join(' | ');
    throw new MoltError('MOLT_E_GIT', `git ${args[0]} failed in ${cwd}: ${why}`, { context: { args, exitCode: r.exitCode } });
  }
  return r.stdout;
}

/** Cheap remote check: one `git ls-remote` per poll; a fetch only when a new tip appears. */
export function gitRemote(opts: { appDir: string; remote: string; branch: string; timeoutMs?: number }): RemotePort {
  validateRemoteAndBranch(opts.remote, opts.branch);
  const ref = `refs/heads/${opts.branch}`;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  return {
    async tip(signal) {
      const out = await runGit(opts.appDir, ['ls-remote', '--end-of-options', opts.remote, ref], { signal, timeoutMs });
      const line = out.split('\n').find((l) => l.endsWith(`\t${ref}`));
      if (!line) return null;
      return validateSha(line.split('\t')[0], `ls-remote ${opts.remote} ${ref}`);
    },
    async localHead(signal) {
      const out = await runGit(opts.appDir, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], { signal, timeoutMs }).catch(() => '');
      return SHA.test(out.trim()) ? out.trim() : null;
    },
    async isAncestor(ancestor, descendant, signal) {
      validateSha(ancestor);
      validateSha(descendant);
      return runGit(opts.appDir, ['merge-base', '--is-ancestor', ancestor, descendant], { signal, timeoutMs }).then(() => true, () => false);
    },
    async describe(sha, signal) {
      validateSha(sha);
      const have = await runGit(opts.appDir, ['cat-file', '-e', `${sha}^{commit}`], { signal, timeoutMs }).then(() => true, () => false);
      // A full (not --depth) fetch: a shallow fetch would turn the app's clone shallow and break the engine's ancestry checks.
      if (!have) await runGit(opts.appDir, ['fetch', '--no-tags', '--quiet', '--end-of-options', opts.remote, ref], { signal, timeoutMs: timeoutMs * 4 });
      const out = await runGit(opts.appDir, ['log', '-1', '--format=%ct%x00%s', sha, '--'], { signal, timeoutMs });
      const [ct, subject] = out.trim().split('\0');
      return { sha, subject: subject ?? '', committedAt: Number(ct) * 1000 };
    },
  };
}
