import { cp, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import { demoPaths } from './paths.js';
import { isExampleApp, npm, writeExamplePackage, writeExampleRelease, writeSdkShim } from './example-app.js';

/**
 * First run: a bare "remote", a publisher clone holding the template as release v1, and the app working tree
 * cloned from the remote. Idempotent: an existing demo is reused (delete data/demo to start over).
 * Built in a temp folder and renamed into place, so an interrupted setup leaves no half demo behind.
 */
export async function ensureDemo(demoDir: string, template: string, repoRoot: string): Promise<{ created: boolean }> {
  const p = demoPaths(demoDir);
  if (existsSync(join(p.app, '.git')) && existsSync(p.remote) && existsSync(join(p.publisher, '.git'))) return { created: false };
  const tmp = `${demoDir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  const t = demoPaths(tmp);
  await mkdir(t.remote, { recursive: true });
  await simpleGit(t.remote).init(true, ['--initial-branch=main']);
  const example = isExampleApp(template);
  if (example) {
    await mkdir(t.publisher, { recursive: true });
    await writeSdkShim(tmp, repoRoot);
    await writeExampleRelease(template, t.publisher, 1, false);
    await writeExamplePackage(t.publisher);
    await writeFile(join(t.publisher, '.gitignore'), 'node_modules/\ndata/\n');
  } else {
    await cp(template, t.publisher, { recursive: true, filter: (src) => !/[\\/](node_modules|data|\.git)([\\/]|$)/.test(src.slice(template.length)) });
    if (existsSync(join(t.publisher, 'gitignore'))) await rename(join(t.publisher, 'gitignore'), join(t.publisher, '.gitignore'));
  }
  const pub = simpleGit(t.publisher);
  await pub.init(['--initial-branch=main']);
  // Identity in the repo's own config: simple-git's environment guard refuses GIT_* variables.
  await pub.addConfig('user.name', 'molt demo').addConfig('user.email', 'demo@molt.invalid');
  await pub.add('.');
  await pub.commit('Release v1: first demo release');
  await pub.addRemote('origin', p.remote);
  await pub.raw(['push', t.remote, 'HEAD:main']);
  await simpleGit(tmp).clone(t.remote, t.app, ['--branch', 'main']);
  await simpleGit(t.app).remote(['set-url', 'origin', p.remote]);
  if (example) await npm(t.app, 'ci');
  await mkdir(t.state, { recursive: true });
  await rm(demoDir, { recursive: true, force: true });
  await rename(tmp, demoDir);
  return { created: true };
}
