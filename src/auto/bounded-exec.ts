import { execa } from 'execa';

export interface BoundedResult {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  aborted: boolean;
  /** Spawn error (ENOENT, ...), if any. */
  spawnError?: string;
}

/**
 * Runs a command in its own process group and SIGKILLs the whole group on timeout or abort.
 * Why: `git ls-remote` over http/ssh leaves helpers (git-remote-http, ssh) holding stdout; killing only git would
 * leave the pipes open and the call hanging until the helper gives up — minutes against a silent server.
 */
export async function execBounded(file: string, args: string[], opts: { cwd?: string; env?: Record<string, string>; timeoutMs: number; signal?: AbortSignal }): Promise<BoundedResult> {
  const child = execa(file, args, { cwd: opts.cwd, env: opts.env, reject: false, stdin: 'ignore', detached: true, cleanup: true });
  let timedOut = false;
  let aborted = false;
  const killGroup = () => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  };
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup();
  }, opts.timeoutMs);
  const onAbort = () => {
    aborted = true;
    killGroup();
  };
  if (opts.signal?.aborted) onAbort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const r = await child;
    const spawnError = r.failed && r.exitCode === undefined && !timedOut && !aborted ? String(r.originalMessage ?? r.shortMessage ?? '') : undefined;
    return { exitCode: r.exitCode, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), timedOut, aborted, ...(spawnError ? { spawnError } : {}) };
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
  }
}
