import { execFileSync } from 'node:child_process';
import { mkdir, writeFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export const GIT_ENV = {
  GIT_AUTHOR_NAME: 'Molt Test',
  GIT_AUTHOR_EMAIL: 'test@molt.invalid',
  GIT_COMMITTER_NAME: 'Molt Test',
  GIT_COMMITTER_EMAIL: 'test@molt.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
};

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: { ...process.env, ...GIT_ENV }, encoding: 'utf8' }).trim();
}

export type Files = Record<string, string | null>;

async function writeFiles(dir: string, files: Files): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    const p = join(dir, rel);
    if (content === null) await rm(p, { force: true, recursive: true });
    else {
      await mkdir(dirname(p), { recursive: true });
      await writeFile(p, content);
    }
  }
}

/**
 * A "remote" bare repo plus a publisher clone to push releases from, and an app working tree cloned from the remote
 * (the tree molt supervises).
 */
export class GitFixture {
  readonly bare: string;
  readonly publisher: string;
  readonly app: string;
  constructor(readonly root: string) {
    this.bare = join(root, 'remote.git');
    this.publisher = join(root, 'publisher');
    this.app = join(root, 'app');
  }

  static async create(root: string, initial: Files, opts: { branch?: string } = {}): Promise<GitFixture> {
    const f = new GitFixture(root);
    const branch = opts.branch ?? 'main';
    await mkdir(f.bare, { recursive: true });
    git(f.bare, 'init', '-q', '--bare', `--initial-branch=${branch}`);
    await mkdir(f.publisher, { recursive: true });
    git(f.publisher, 'init', '-q', `--initial-branch=${branch}`);
    git(f.publisher, 'remote', 'add', 'origin', f.bare);
    await f.release(initial, 'initial release');
    git(root, 'clone', '-q', '--branch', branch, f.bare, f.app);
    return f;
  }

  /** Commits `files` in the publisher and pushes; returns the new sha. */
  async release(files: Files, subject: string): Promise<string> {
    await writeFiles(this.publisher, files);
    git(this.publisher, 'add', '-A');
    git(this.publisher, 'commit', '-q', '--allow-empty', '-m', subject);
    git(this.publisher, 'push', '-q', 'origin', 'HEAD');
    return git(this.publisher, 'rev-parse', 'HEAD');
  }

  appHead(): string {
    return git(this.app, 'rev-parse', 'HEAD');
  }
}
