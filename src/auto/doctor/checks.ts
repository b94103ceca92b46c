import { access, constants, mkdir, open, readFile, realpath, rm, mkdtemp, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, resolve, isAbsolute } from 'node:path';
import { tmpdir } from 'node:os';
import { execBounded } from '../bounded-exec.js';
import type { Config } from '../../config/schema.js';
import { nonInteractiveGitEnv, validateRemoteAndBranch } from '../remote.js';
import { signerKind } from '../../update/signature.js';
import { findOnPath } from '../../supervisor/pid1.js';
import { formatBytes, freeBytes, treeSize } from './disk.js';
import { parseAllowedSigners } from './signers-file.js';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

/** One line of `molt doctor`: what was checked, what was found, and what to do about a failure. */
export interface CheckResult {
  check: string;
  status: CheckStatus;
  detail: string;
  fix?: string;
}

export interface DoctorContext {
  config: Config;
  env: NodeJS.ProcessEnv;
  /** Timeout of network checks (ls-remote). */
  timeoutMs: number;
}

export type Check = ((ctx: DoctorContext) => Promise<CheckResult>) & { title: string };

/** Names a check so a check that throws is still reported under its own line. */
function check(title: string, fn: (ctx: DoctorContext) => Promise<CheckResult>): Check {
  return Object.assign(fn, { title });
}

async function run(file: string, args: string[], opts: { cwd?: string; timeoutMs: number; env?: Record<string, string> }) {
  const r = await execBounded(file, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env } as Record<string, string>, timeoutMs: opts.timeoutMs });
  return { ...r, exitCode: r.exitCode ?? -1, stderr: r.stderr || r.spawnError || '' };
}

const lastLine = (s: unknown) => String(s ?? '').trim().split('\n').filter(Boolean).slice(-1)[0] ?? '';

export const gitWorkTree: Check = check('git work tree', async ({ config }) => {
  const name = 'git work tree';
  const r = await run('git', ['rev-parse', '--show-toplevel'], { cwd: config.appDir, timeoutMs: 10_000 }).catch((e: unknown) => ({ exitCode: 1, stdout: '', stderr: String(e) }));
  if (r.exitCode !== 0) {
    return { check: name, status: 'fail', detail: `${config.appDir} is not a git work tree (${lastLine(r.stderr) || 'git failed'})`, fix: 'set MOLT_APP_DIR to the clone of your app (git clone <url> /app) or run `git init` + `git remote add origin <url>` there' };
  }
  const top = String(r.stdout).trim();
  const app = await realpath(config.appDir).catch(() => config.appDir);
  if (top !== app) return { check: name, status: 'fail', detail: `${config.appDir} is inside the repository ${top}, not its top level`, fix: `set MOLT_APP_DIR=${top}` };
  return { check: name, status: 'ok', detail: `${config.appDir} is a git work tree` };
});

export const remoteReachable: Check = check('git remote', async ({ config, timeoutMs }) => {
  const name = 'git remote';
  try {
    validateRemoteAndBranch(config.remote, config.branch);
  } catch (err) {
    return { check: name, status: 'fail', detail: (err as Error).message, fix: 'fix MOLT_REMOTE / MOLT_BRANCH' };
  }
  const url = await run('git', ['remote', 'get-url', '--end-of-options', config.remote], { cwd: config.appDir, timeoutMs: 10_000 }).catch(() => null);
  if (!url || url.exitCode !== 0) return { check: name, status: 'fail', detail: `remote "${config.remote}" is not configured in ${config.appDir}`, fix: `git -C ${config.appDir} remote add ${config.remote} <url>, or set MOLT_REMOTE` };
  const ref = `refs/heads/${config.branch}`;
  const r = await run('git', ['ls-remote', '--end-of-options', config.remote, ref], { cwd: config.appDir, timeoutMs, env: nonInteractiveGitEnv() });
  const where = `${config.remote} (${String(url.stdout).trim()})`;
  if (r.timedOut) return { check: name, status: 'fail', detail: `${where} did not answer within ${timeoutMs}ms`, fix: 'check network access / DNS from the container, or the remote URL' };
  if (r.exitCode !== 0) {
    const why = lastLine(r.stderr);
    const auth = /auth|permission denied|publickey|403|401|could not read Username/i.test(why);
    return { check: name, status: 'fail', detail: `cannot reach ${where}: ${why}`, fix: auth ? 'credentials were refused: mount a deploy key (GIT_SSH_COMMAND) or a token in the remote URL / credential helper' : 'check the remote URL (git remote -v) and that the server is reachable' };
  }
  if (!String(r.stdout).includes(`\t${ref}`)) return { check: name, status: 'fail', detail: `${where} is reachable but has no branch ${config.branch}`, fix: 'push the branch or set MOLT_BRANCH' };
  return { check: name, status: 'ok', detail: `${where} reachable, ${config.branch} at ${String(r.stdout).slice(0, 7)}` };
});

export const workTreeClean: Check = check('working tree clean', async ({ config }) => {
  const name = 'working tree clean';
  const r = await run('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: config.appDir, timeoutMs: 30_000 }).catch(() => null);
  if (!r || r.exitCode !== 0) return { check: name, status: 'skip', detail: 'not a git work tree' };
  const changed = String(r.stdout).split('\n').filter(Boolean);
  if (changed.length) return { check: name, status: 'fail', detail: `${changed.length} tracked file(s) modified: ${changed.slice(0, 3).map((l) => l.slice(3)).join(', ')}${changed.length > 3 ? ', …' : ''}`, fix: 'an update resets tracked files: commit local changes upstream, move runtime files to the data dir, or `git checkout -- <file>`' };
  return { check: name, status: 'ok', detail: 'no modified tracked files' };
});

export const dataDirWritable: Check = check('data dir writable', async ({ config }) => {
  const name = 'data dir writable';
  const probe = join(config.dataDir, `.molt-doctor-${process.pid}`);
  try {
    await mkdir(config.dataDir, { recursive: true });
    const fh = await open(probe, 'w');
    try {
      await fh.writeFile('ok');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rm(probe, { force: true });
    return { check: name, status: 'ok', detail: `${config.dataDir} is writable` };
  } catch (err) {
    return { check: name, status: 'fail', detail: `${config.dataDir} is not writable: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, fix: 'mount a writable volume there (owned by the container user) or set MOLT_DATA_DIR' };
  }
});

export const freeDisk: Check = check('free disk', async ({ config }) => {
  const name = 'free disk';
  const app = await treeSize(config.appDir, new Set(['.git', ...(config.dataDir.startsWith(config.appDir) ? [config.dataDir.slice(config.appDir.length + 1).split('/')[0]] : [])]));
  let sqlite = 0;
  for (const p of config.sqlitePaths) {
    const full = isAbsolute(p) ? p : existsSync(resolve(config.appDir, p)) ? resolve(config.appDir, p) : resolve(config.dataDir, p);
    sqlite += (await stat(full).catch(() => ({ size: 0 }))).size;
  }
  const need = 2 * (app.bytes + sqlite);
  const free = await freeBytes(config.dataDir);
  const detail = `${formatBytes(free)} free on the data volume; an update needs about ${formatBytes(need)} (2 × (app ${formatBytes(app.bytes)}${app.truncated ? '+' : ''} + SQLite ${formatBytes(sqlite)}))`;
  if (!(free >= need)) return { check: name, status: 'fail', detail, fix: 'grow the data volume, lower MOLT_KEEP_RELEASES, or remove old backups' };
  return { check: name, status: 'ok', detail };
});

export const runtimeVersions: Check = check('node / npm / git', async ({ config }) => {
  const name = 'node / npm / git';
  const major = Number(process.versions.node.split('.')[0]);
  const npm = await run('npm', ['--version'], { timeoutMs: 30_000 }).catch(() => null);
  const git = await run('git', ['--version'], { timeoutMs: 10_000 }).catch(() => null);
  const npmV = npm?.exitCode === 0 ? String(npm.stdout).trim() : null;
  const gitV = git?.exitCode === 0 ? /(\d+\.\d+(\.\d+)?)/.exec(String(git.stdout))?.[1] ?? '?' : null;
  const detail = `node ${process.versions.node}, npm ${npmV ?? 'missing'}, git ${gitV ?? 'missing'}`;
  if (major < 20) return { check: name, status: 'fail', detail, fix: 'use Node.js 20 or newer in the image' };
  if (!gitV) return { check: name, status: 'fail', detail, fix: 'install git in the image' };
  if (!npmV && /^npm\b/.test(config.installCmd)) return { check: name, status: 'fail', detail, fix: 'install npm, or set MOLT_INSTALL_CMD to your package manager' };
  return { check: name, status: 'ok', detail };
});

export const tiniPresent: Check = check('tini (PID 1)', async ({ config, env }) => {
  const name = 'tini (PID 1)';
  if (config.tini === 'off') return { check: name, status: 'ok', detail: 'MOLT_TINI=off: the image provides its own init' };
  const tini = config.tini ?? findOnPath('tini', env.PATH ?? '') ?? findOnPath('tini', '/usr/bin:/sbin:/usr/local/bin');
  if (tini) return { check: name, status: 'ok', detail: `found ${tini}` };
  const container = existsSync('/.dockerenv') || existsSync('/run/.containerenv') || env.KUBERNETES_SERVICE_HOST !== undefined;
  const fix = 'install tini (apk add tini / apt-get install tini) or run the container with --init';
  return container
    ? { check: name, status: 'fail', detail: 'no tini found and this is a container: as PID 1 molt could not reap orphaned processes', fix }
    : { check: name, status: 'warn', detail: 'no tini found (needed only when molt runs as PID 1)', fix };
});

export const signingSetup: Check = check('commit signing', async ({ config }) => {
  const name = 'commit signing';
  if (!config.requireSigned) return { check: name, status: 'ok', detail: 'not required (MOLT_REQUIRE_SIGNED=0)' };
  if (!config.allowedSigners) return { check: name, status: 'fail', detail: 'MOLT_REQUIRE_SIGNED=1 but MOLT_ALLOWED_SIGNERS is not set', fix: 'set MOLT_ALLOWED_SIGNERS to an allowed-signers file or GPG keyring' };
  const path = resolve(config.appDir, config.allowedSigners);
  try {
    await access(path, constants.R_OK);
  } catch {
    return { check: name, status: 'fail', detail: `MOLT_ALLOWED_SIGNERS=${path} does not exist or is not readable`, fix: 'mount the allowed-signers file (principal + public key per line) or GPG keyring there' };
  }
  const kind = await signerKind(path);
  if (kind === 'ssh') {
    const { signers, badLines } = parseAllowedSigners(await readFile(path, 'utf8'));
    if (badLines.length) return { check: name, status: 'fail', detail: `${path}: line(s) ${badLines.join(', ')} do not parse`, fix: 'each line: <principal> <key-type> <base64-key>, e.g. `dev@example.com ssh-ed25519 AAAA…`' };
    if (!signers.length) return { check: name, status: 'fail', detail: `${path} lists no signers`, fix: 'add at least one `<principal> ssh-ed25519 AAAA…` line' };
    if (!findOnPath('ssh-keygen', process.env.PATH ?? '')) return { check: name, status: 'fail', detail: 'ssh-keygen is missing (git needs it to verify SSH signatures)', fix: 'install openssh-client in the image' };
    return { check: name, status: 'ok', detail: `${path}: ${signers.length} SSH signer(s) (${signers.map((s) => s.principals).slice(0, 3).join(', ')})` };
  }
  const home = kind === 'gpg-home' ? path : await mkdtemp(join(tmpdir(), 'molt-doctor-gpg-'));
  try {
    const args = kind === 'gpg-home' ? ['--homedir', path, '--list-keys', '--with-colons'] : ['--homedir', home, '--no-default-keyring', '--keyring', path, '--list-keys', '--with-colons'];
    const r = await run('gpg', ['--batch', ...args], { timeoutMs: 20_000 }).catch(() => null);
    const keys = String(r?.stdout ?? '').split('\n').filter((l) => l.startsWith('pub:')).length;
    if (!r || r.exitCode !== 0 || keys === 0) return { check: name, status: 'fail', detail: `${path}: no readable GPG public keys${r ? ` (${lastLine(r.stderr)})` : ' (gpg missing)'}`, fix: 'export the signers\' public keys: gpg --export KEYID > keyring.gpg, and install gnupg in the image' };
    return { check: name, status: 'ok', detail: `${path}: ${keys} GPG key(s)` };
  } finally {
    if (kind !== 'gpg-home') await rm(home, { recursive: true, force: true });
  }
});

/** Checks in the order `molt doctor` prints them (after the config line). */
export const CHECKS: Check[] = [gitWorkTree, remoteReachable, workTreeClean, dataDirWritable, freeDisk, runtimeVersions, tiniPresent, signingSetup];
