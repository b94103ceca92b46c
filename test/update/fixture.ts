import { execFileSync } from 'node:child_process';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import Database from 'better-sqlite3';
import { GitFixture, git, type Files } from '../helpers/git-fixture.js';
import { fixture, ROOT } from '../helpers/paths.js';
import { freePort } from '../helpers/molt-process.js';

export const INSTALL_CMD = 'npm ci --no-audit --no-fund --offline --foreground-scripts --loglevel=error';

interface Template {
  dir: string;
  locks: Record<string, string>;
}
let template: Promise<Template> | undefined;

function npm(cwd: string, ...args: string[]): void {
  execFileSync('npm', args, { cwd, stdio: 'pipe', env: { ...process.env, npm_config_update_notifier: 'false' } });
}

/** Once per test process: the local dependency packed in two versions, their lockfiles, and an installed tree. */
async function buildTemplate(): Promise<Template> {
  const dir = join(tmpdir(), `molt-update-template-${process.pid}`);
  const locks: Record<string, string> = {};
  await mkdir(join(dir, 'deps'), { recursive: true });
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  for (const v of ['1.0.0', '2.0.0']) {
    const src = join(dir, `src-${v}`);
    await mkdir(src, { recursive: true });
    await writeFile(join(src, 'package.json'), JSON.stringify({ name: 'molt-fixture-dep', version: v, main: 'index.js', scripts: { postinstall: "node -e \"for (let i=1;i<=6;i++) console.log('dep postinstall ' + i)\"" } }));
    await writeFile(join(src, 'index.js'), `module.exports = { version: '${v}' };\n`);
    npm(src, 'pack', '--silent', '--pack-destination', join(dir, 'deps'));
    const app = join(dir, `app-${v}`);
    await mkdir(app, { recursive: true });
    await writeFile(join(app, 'package.json'), packageJson(v));
    // lockfiles resolve ../deps/<tgz> relative to the app dir: the same layout as every test root
    npm(app, 'install', '--package-lock-only', '--offline', '--no-audit', '--no-fund', '--ignore-scripts');
    locks[v] = await readFile(join(app, 'package-lock.json'), 'utf8');
  }
  const installed = join(dir, 'app-1.0.0');
  npm(installed, 'ci', '--offline', '--no-audit', '--no-fund', '--loglevel=error');
  return { dir, locks };
}

export function packageJson(depVersion: string): string {
  return JSON.stringify({ name: 'fixture-app', version: '1.0.0', private: true, type: 'module', dependencies: { 'molt-fixture-dep': `file:../deps/molt-fixture-dep-${depVersion}.tgz` } }, null, 2) + '\n';
}

export interface ReleaseSpec {
  version: string;
  dep?: '1.0.0' | '2.0.0';
  boot?: 'ok' | 'crash' | 'exit12';
  health?: 'ok' | 'never' | 'flap-once';
  migrations?: { version: number; name: string; up: string; down?: string; fail?: boolean }[];
  build?: boolean;
  /** Passes its health gate, then exits 3 after this long (a crash loop once committed). */
  crashAfterMs?: number;
  extra?: Files;
}

export async function releaseFiles(spec: ReleaseSpec): Promise<Files> {
  const t = await (template ??= buildTemplate());
  const dep = spec.dep ?? '1.0.0';
  return {
    'server.mjs': await readFile(fixture('update-app.mjs'), 'utf8'),
    'migrate.mjs': await readFile(fixture('update-migrate.mjs'), 'utf8'),
    'build.mjs': "import { writeFileSync, mkdirSync, readFileSync } from 'node:fs';\nmkdirSync('dist', { recursive: true });\nwriteFileSync('dist/built.json', JSON.stringify({ from: JSON.parse(readFileSync('release.json', 'utf8')).version }));\nconsole.log('built');\n",
    'release.json': JSON.stringify({ version: spec.version, boot: spec.boot ?? 'ok', health: spec.health ?? 'ok', crashAfterMs: spec.crashAfterMs }),
    'migrations.json': JSON.stringify(spec.migrations ?? []),
    'package.json': packageJson(dep),
    'package-lock.json': t.locks[dep],
    '.gitignore': 'node_modules/\ndata/\ndist/\n*.db\n',
    ...(spec.extra ?? {}),
  };
}

export interface UpdateFixture {
  root: string;
  git: GitFixture;
  app: string;
  dataDir: string;
  db: string;
  port: number;
  appPort: number;
  env: Record<string, string>;
  release(spec: ReleaseSpec, subject?: string): Promise<string>;
}

/** A remote repo with release v1, the app cloned and installed, and data/app.db with 3 committed rows. */
export async function createUpdateFixture(root: string, first: ReleaseSpec = { version: 'v1' }, env: Record<string, string> = {}): Promise<UpdateFixture> {
  const t = await (template ??= buildTemplate());
  await cp(join(t.dir, 'deps'), join(root, 'deps'), { recursive: true });
  const g = await GitFixture.create(root, await releaseFiles(first));
  await cp(join(t.dir, 'app-1.0.0', 'node_modules'), join(g.app, 'node_modules'), { recursive: true, verbatimSymlinks: true });
  const dataDir = join(g.app, 'data');
  await mkdir(dataDir, { recursive: true });
  const db = join(dataDir, 'app.db');
  const d = new Database(db);
  d.pragma('journal_mode = WAL');
  d.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
  for (const b of ['one', 'two', 'three']) d.prepare('INSERT INTO notes (body) VALUES (?)').run(b);
  d.close();
  const port = await freePort();
  const appPort = await freePort();
  return {
    root, git: g, app: g.app, dataDir, db, port, appPort,
    env: {
      MOLT_APP_DIR: g.app, MOLT_APP_CMD: `${process.execPath} server.mjs`, MOLT_PORT: String(port), MOLT_APP_PORT: String(appPort), MOLT_ADMIN_PORT: '0',
      MOLT_INSTALL_CMD: INSTALL_CMD, MOLT_SQLITE_PATHS: 'app.db', MOLT_HEALTH_INTERVAL: '50ms', MOLT_HEALTH_SUCCESSES: '2', MOLT_HEALTH_TIMEOUT: '6s',
      MOLT_STOP_TIMEOUT: '3s', MOLT_BACKOFF_INITIAL: '200ms', MOLT_MIN_UPTIME: '2s', MOLT_TINI: 'off', MOLT_FIXTURE_MODULES: join(ROOT, 'package.json'),
      // probation (another module) must not roll back while a test stops the app on purpose
      MOLT_HEALTH_FAILS: '1000', MOLT_ROLLBACK_ERROR_RATE: '1', MOLT_ALERT_ERROR_RATE: '1',
      npm_config_update_notifier: 'false', ...env,
    },
    release: async (spec, subject) => g.release(await releaseFiles(spec), subject ?? `release ${spec.version}`),
  };
}

export function notes(db: string): string[] {
  if (!existsSync(db)) return [];
  const d = new Database(db, { readonly: true });
  try {
    return (d.prepare('SELECT body FROM notes ORDER BY id').all() as { body: string }[]).map((r) => r.body);
  } finally {
    d.close();
  }
}

export function userVersion(db: string): number {
  const d = new Database(db, { readonly: true });
  try {
    return d.pragma('user_version', { simple: true }) as number;
  } finally {
    d.close();
  }
}

export function integrityOk(db: string): boolean {
  const d = new Database(db, { readonly: true });
  try {
    return (d.pragma('integrity_check', { simple: true }) as string) === 'ok';
  } finally {
    d.close();
  }
}

export const head = (f: UpdateFixture) => git(f.app, 'rev-parse', 'HEAD');
export const releaseVersion = async (f: UpdateFixture) => (JSON.parse(await readFile(join(f.app, 'release.json'), 'utf8')) as { version: string }).version;
