import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CLI } from '../helpers/paths.js';
import { GitFixture, git } from '../helpers/git-fixture.js';
import { tempDir } from '../helpers/tmp.js';
import type { CheckResult } from '../../src/auto/doctor/checks.js';

/** Runs `molt doctor --json` and parses one JSON object per line. */
function doctor(env: Record<string, string>, args: string[] = []): Promise<{ code: number; results: CheckResult[]; byCheck: Map<string, CheckResult>; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CLI, 'doctor', '--json', '--timeout', '10s', ...args], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', ...env }, timeout: 90_000 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') return reject(err);
      if (err && err.code !== 1) return reject(new Error(`molt doctor exited ${String(err.code)}: ${stderr}\n${stdout}`));
      const results = stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as CheckResult);
      resolve({ code: err ? (err.code as number) : 0, results, byCheck: new Map(results.map((r) => [r.check, r])), stderr });
    });
  });
}

async function goodSetup(t: Parameters<typeof tempDir>[0]) {
  const root = await tempDir(t, 'molt-doctor-');
  const fx = await GitFixture.create(root, { 'server.mjs': 'console.log(1)\n', '.gitignore': 'data/\n' });
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'k', '-f', join(root, 'key')]);
  const signers = join(root, 'allowed_signers');
  await writeFile(signers, `release@example.com namespaces="git" ${(await readFile(join(root, 'key.pub'), 'utf8')).trim()}\n`);
  const env = { MOLT_APP_DIR: fx.app, MOLT_REQUIRE_SIGNED: '1', MOLT_ALLOWED_SIGNERS: signers, MOLT_TINI: 'off' };
  return { root, fx, env };
}

test('doctor on a good setup passes every check and exits 0', async (t) => {
  const { env } = await goodSetup(t);
  const r = await doctor(env);
  assert.deepEqual(r.results.filter((x) => x.status === 'fail'), []);
  assert.equal(r.code, 0);
  assert.deepEqual(r.results.map((x) => x.check), ['config', 'git work tree', 'git remote', 'working tree clean', 'data dir writable', 'free disk', 'node / npm / git', 'tini (PID 1)', 'commit signing']);
  assert.match(r.byCheck.get('commit signing')!.detail, /1 SSH signer/);
  assert.match(r.byCheck.get('git remote')!.detail, /reachable, main at [0-9a-f]{7}/);
});

test('doctor on a broken setup names each problem with what to do, and exits 1', async (t) => {
  const { root, fx, env } = await goodSetup(t);
  git(fx.app, 'remote', 'set-url', 'origin', join(root, 'gone.git'));
  await writeFile(join(fx.app, 'server.mjs'), 'console.log("edited in place")\n');
  const blocker = join(root, 'not-a-dir');
  await writeFile(blocker, 'x');
  const r = await doctor({ ...env, MOLT_DATA_DIR: join(blocker, 'data'), MOLT_ALLOWED_SIGNERS: join(root, 'missing_signers') });
  assert.equal(r.code, 1);
  const failed = (name: string) => {
    const c = r.byCheck.get(name);
    assert.equal(c?.status, 'fail', `${name}: ${JSON.stringify(c)}`);
    assert.ok(c!.fix && c!.fix.length > 10, `${name} says what to do`);
    return c!;
  };
  assert.match(failed('git remote').detail, /cannot reach origin/);
  assert.match(failed('working tree clean').detail, /server\.mjs/);
  assert.match(failed('data dir writable').detail, /not writable: ENOTDIR/);
  assert.match(failed('commit signing').detail, /missing_signers does not exist/);
  assert.equal(r.byCheck.get('config')?.status, 'ok');
  assert.equal(r.byCheck.get('git work tree')?.status, 'ok');
});

test('doctor in a directory that is not a git work tree says so and that no remote is configured', async (t) => {
  const dir = await tempDir(t, 'molt-doctor-nogit-');
  await mkdir(join(dir, 'app'));
  const r = await doctor({ MOLT_APP_DIR: join(dir, 'app'), MOLT_TINI: 'off' });
  assert.equal(r.code, 1);
  assert.match(r.byCheck.get('git work tree')!.detail, /is not a git work tree/);
  assert.equal(r.byCheck.get('git remote')!.status, 'fail');
  assert.equal(r.byCheck.get('working tree clean')!.status, 'skip');
  assert.equal(r.byCheck.get('data dir writable')!.status, 'ok');
});

test('an invalid variable fails the config check, names the variable, and the other checks still run on defaults', async (t) => {
  const { env } = await goodSetup(t);
  const r = await doctor({ ...env, MOLT_PORT: 'eighty', MOLT_POLL_INTERVAL: 'often' });
  assert.equal(r.code, 1);
  const cfg = r.byCheck.get('config')!;
  assert.equal(cfg.status, 'fail');
  assert.match(cfg.detail, /MOLT_PORT="eighty"/);
  assert.match(cfg.detail, /MOLT_POLL_INTERVAL="often"/);
  assert.match(cfg.fix ?? '', /defaults for MOLT_PORT, MOLT_POLL_INTERVAL/);
  assert.equal(r.byCheck.get('git remote')?.status, 'ok');
  assert.equal(r.results.length, 9);
});

test('a malformed allowed-signers file is reported with its bad line numbers', async (t) => {
  const { root, env } = await goodSetup(t);
  const bad = join(root, 'bad_signers');
  await writeFile(bad, '# comment\nrelease@example.com ssh-ed25519\n');
  const r = await doctor({ ...env, MOLT_ALLOWED_SIGNERS: bad });
  assert.match(r.byCheck.get('commit signing')!.detail, /line\(s\) 2 do not parse/);
  assert.equal(r.code, 1);
});

test('doctor rejects an unknown option with usage and exit 64', async () => {
  const r = await new Promise<number>((resolve) => execFile(process.execPath, [CLI, 'doctor', '--bogus'], (err) => resolve(err ? (err.code as number) : 0)));
  assert.equal(r, 64);
});

test('a remote that accepts the connection but never answers fails the remote check after --timeout', async (t) => {
  const { createServer } = await import('node:net');
  const sockets = new Set<import('node:net').Socket>();
  const server = createServer((s) => sockets.add(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  const { fx, env } = await goodSetup(t);
  git(fx.app, 'remote', 'set-url', 'origin', `http://127.0.0.1:${(server.address() as { port: number }).port}/app.git`);
  const r = await doctor(env, ['--timeout', '1s']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.byCheck.get('git remote')?.detail ?? JSON.stringify(r), /did not answer within 1000ms/);
});

test('the human output has one ✓ line per passing check and a summary line', async (t) => {
  const { env } = await goodSetup(t);
  const out = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, [CLI, 'doctor'], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', ...env } }, (err, stdout) => (err ? reject(err) : resolve(stdout))),
  );
  const lines = out.trim().split('\n');
  assert.equal(lines.filter((l) => l.startsWith('✓ ')).length, 9);
  assert.equal(lines.at(-1), 'all checks passed');
});
