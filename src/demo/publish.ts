import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import { existsSync } from 'node:fs';
import { demoPaths, repoRoot } from './paths.js';
import { writeExampleRelease } from './example-app.js';
import type { DemoPublisher } from '../control/admin/types.js';

const GOOD = ['Faster home page.', 'New greeting for visitors.', 'Friendlier copy on the front page.', 'Small fixes and polish.'];

/**
 * Publishes the next demo release: bumps release.json in the publisher clone, commits and pushes to the demo remote.
 * A broken release answers 500 on /health, so molt's health gate fails it and rolls back automatically.
 */
export async function publishDemoRelease(demoDir: string, kind: 'good' | 'broken'): Promise<{ sha: string; subject: string }> {
  const p = demoPaths(demoDir);
  const git = simpleGit(p.publisher); // identity comes from the publisher's repo config (setup.ts)
  await git.pull('origin', 'main', { '--ff-only': null });
  const broken = kind === 'broken';
  let version: number;
  let message: string;
  if (existsSync(join(p.publisher, 'release.json'))) {
    // built-in template: release.json drives the app (broken = /health answers 500)
    const file = join(p.publisher, 'release.json');
    version = (JSON.parse(await readFile(file, 'utf8')) as { version: number }).version + 1;
    message = broken ? 'This release is broken on purpose: /health answers 500.' : GOOD[version % GOOD.length];
    await writeFile(file, JSON.stringify({ version, broken, message }, null, 2) + '\n');
  } else {
    // examples/app: VERSION shows on its page; broken = a migration that fails at boot (exit 12, database unchanged)
    version = Number.parseInt(await readFile(join(p.publisher, 'VERSION'), 'utf8'), 10) + 1;
    message = broken ? 'This release is broken on purpose: a migration fails at boot.' : GOOD[version % GOOD.length];
    await writeExampleRelease(join(repoRoot(), 'examples', 'app'), p.publisher, version, broken);
  }
  const subject = broken ? `Release v${version} (broken: fails its health check)` : `Release v${version}: ${message.replace(/\.$/, '')}`;
  await git.add(['-A']);
  await git.commit(subject);
  await git.push('origin', 'HEAD:main');
  const sha = (await git.revparse(['HEAD'])).trim();
  return { sha, subject };
}

export function demoPublisher(demoDir: string): DemoPublisher {
  let chain: Promise<unknown> = Promise.resolve();
  // Serialised: two button presses must not race on the publisher clone.
  return (kind) => {
    const next = chain.then(() => publishDemoRelease(demoDir, kind));
    chain = next.catch(() => {});
    return next;
  };
}
