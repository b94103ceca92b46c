// A benchmark app in a git remote, with N local tarball dependencies so `npm ci` runs offline.
import * as tar from 'tar';
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { GitFixture, git } from '../../test/helpers/git-fixture.js';

export const SERVER = `import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import dep from 'dep-0';
const release = JSON.parse(readFileSync(new URL('./release.json', import.meta.url), 'utf8'));
if (release.crashAtBoot) process.exit(1);
const server = createServer((req, res) => {
  if (req.url === '/health') { res.statusCode = release.unhealthy ? 500 : 200; return res.end(release.unhealthy ? 'sick' : 'ok'); }
  res.setHeader('x-release', release.name);
  res.end(release.name + ' ' + dep);
});
server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => { if (!release.unhealthy) process.send?.({ molt: 'ready' }); });
process.on('SIGTERM', () => { server.close(() => process.exit(0)); server.closeAllConnections(); });
`;

/** Writes `count` packages dep-0..dep-(count-1) as .tgz files (each ~20 KB unpacked, 10 files) and returns their names. */
export async function makePackages(dir: string, count: number, version = '1.0.0'): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const name = `dep-${i}`;
    const src = join(dir, `${name}-${version}`, 'package');
    await mkdir(join(src, 'lib'), { recursive: true });
    await writeFile(join(src, 'package.json'), JSON.stringify({ name, version, type: 'module', main: 'index.js' }));
    await writeFile(join(src, 'index.js'), `export default '${name}@${version}';\n`);
    for (let f = 0; f < 8; f++) await writeFile(join(src, 'lib', `f${f}.js`), `// filler\nexport const x${f} = ${JSON.stringify('x'.repeat(2400))};\n`);
    await tar.create({ gzip: true, file: join(dir, `${name}-${version}.tgz`), cwd: join(dir, `${name}-${version}`), portable: true }, ['package']);
    await rm(join(dir, `${name}-${version}`), { recursive: true, force: true });
    names.push(name);
  }
  return names;
}

export interface BenchApp {
  fx: GitFixture;
  /** Publishes a release; `deps` version changes the lockfile. */
  release(name: string, opts?: { unhealthy?: boolean; crashAtBoot?: boolean; depsVersion?: string }): Promise<string>;
}

/** A git remote + app clone with `count` tarball deps installed (`npm ci`), ready to be supervised. */
export async function createBenchApp(root: string, count: number, versions: string[] = ['1.0.0']): Promise<BenchApp> {
  const pkgs = join(root, 'pkgs');
  for (const v of versions) await makePackages(pkgs, count, v);
  const pkgJson = (version: string) =>
    JSON.stringify({ name: 'bench-app', version: '1.0.0', private: true, type: 'module', dependencies: Object.fromEntries(Array.from({ length: count }, (_, i) => [`dep-${i}`, `file:../pkgs/dep-${i}-${version}.tgz`])) }, null, 2);
  const fx = await GitFixture.create(root, { 'server.mjs': SERVER, 'release.json': JSON.stringify({ name: 'v1' }), '.gitignore': 'node_modules\ndata\n', 'package.json': pkgJson('1.0.0') });
  const npm = (cwd: string, ...args: string[]) => execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error', '--offline'], { cwd, stdio: 'pipe' });
  npm(fx.publisher, 'install', '--package-lock-only');
  await fx.release({}, 'lockfile');
  git(fx.app, 'pull', '-q');
  npm(fx.app, 'ci');
  let current = '1.0.0';
  return {
    fx,
    async release(name, opts = {}) {
      const files: Record<string, string> = { 'release.json': JSON.stringify({ name, unhealthy: !!opts.unhealthy, crashAtBoot: !!opts.crashAtBoot }) };
      if (opts.depsVersion && opts.depsVersion !== current) {
        current = opts.depsVersion;
        await writeFile(join(fx.publisher, 'package.json'), pkgJson(current));
        npm(fx.publisher, 'install', '--package-lock-only');
      }
      return fx.release(files, `release ${name}`);
    },
  };
}
