import { execFile } from 'node:child_process';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * examples/app (fastify + better-sqlite3 + molt/sdk) as a demo release. Its only declared dependency is a local
 * `file:` package named `molt` that re-exports this checkout's SDK, so `npm ci --offline` needs no network, and
 * fastify/better-sqlite3 resolve from the repository's node_modules because the demo lives inside the repo.
 */
export const SHIM_DIR = 'molt-sdk';
export const BROKEN_MIGRATION = "  { name: '9999-demo-broken', up: () => { throw new Error('demo: this release is broken on purpose'); } },\n";

export function isExampleApp(dir: string): boolean {
  return existsSync(join(dir, 'server.mjs')) && existsSync(join(dir, 'migrations.mjs')) && !existsSync(join(dir, 'release.json'));
}

/** Writes the `molt` shim package next to the app and publisher trees. */
export async function writeSdkShim(demoDir: string, repoRoot: string): Promise<void> {
  const dir = join(demoDir, SHIM_DIR);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'molt', version: '0.0.0-demo', private: true, type: 'module', exports: { './sdk': './sdk.js' } }, null, 2) + '\n');
  await writeFile(join(dir, 'sdk.js'), `// Demo shim: the SDK of the checkout that runs the demo.\nexport * from '${pathToFileURL(join(repoRoot, 'dist', 'src', 'sdk', 'index.js')).href}';\n`);
}

/** Release files of the example app: its sources, VERSION, and (broken) a migration that fails at boot. */
export async function writeExampleRelease(example: string, target: string, version: number, broken: boolean): Promise<void> {
  await cp(join(example, 'server.mjs'), join(target, 'server.mjs'));
  let migrations = await readFile(join(example, 'migrations.mjs'), 'utf8');
  if (broken) {
    const at = migrations.lastIndexOf('];');
    if (at === -1) throw new Error(`${join(example, 'migrations.mjs')}: expected a migrations array ending in "];"`);
    migrations = migrations.slice(0, at) + BROKEN_MIGRATION + migrations.slice(at);
  }
  await writeFile(join(target, 'migrations.mjs'), migrations);
  await writeFile(join(target, 'VERSION'), `${version}${broken ? '-broken' : ''}\n`);
}

/** package.json + lockfile of the demo app (the lockfile is written by npm, offline). */
export async function writeExamplePackage(target: string): Promise<void> {
  await writeFile(join(target, 'package.json'), JSON.stringify({ name: 'molt-demo-app', version: '1.0.0', private: true, type: 'module', dependencies: { molt: `file:../${SHIM_DIR}` } }, null, 2) + '\n');
  await npm(target, 'install', '--package-lock-only');
}

export async function npm(cwd: string, ...args: string[]): Promise<void> {
  await run('npm', [...args, '--offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd, env: { ...process.env, npm_config_update_notifier: 'false' } });
}
