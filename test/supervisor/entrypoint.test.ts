import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, statSync, mkdirSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { MoltProcess, eventually } from '../helpers/molt-process.js';
import { ROOT, fixture } from '../helpers/paths.js';
import { tempDir } from '../helpers/tmp.js';
import { portsEnv } from './support.js';

const ENTRYPOINT = join(ROOT, 'entrypoint');
const isRoot = process.getuid?.() === 0;

function procStatus(pid: number, field: string): string {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(`${field}:`));
  return (line ?? '').split(/\s+/)[1] ?? '';
}

// The image installs molt world-readable under /opt/molt; a checkout in a private temp dir (mktemp -d is 0700) is not,
// so the unprivileged user could not even load the CLI. Give the checkout's directories the image's traversal bits.
function makeInstallReachable(): void {
  const parts = ROOT.split('/').filter(Boolean);
  for (let i = 1; i <= parts.length; i++) {
    const dir = '/' + parts.slice(0, i).join('/');
    const mode = statSync(dir).mode & 0o7777;
    const want = i === parts.length ? mode | 0o005 : mode | 0o001;
    if (want !== mode) chmodSync(dir, want);
  }
}

function startEntrypoint(env: Record<string, string>, args: string[] = []): MoltProcess {
  const child = spawn('bash', [ENTRYPOINT, ...args], {
    env: { PATH: process.env.PATH ?? '', MOLT_HOME: ROOT, MOLT_LOG_LEVEL: 'debug', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new MoltProcess(child);
}

test('the entrypoint refuses a bad environment with exit 78 and one line per problem', async (t) => {
  const dir = await tempDir(t);
  const m = startEntrypoint({ MOLT_APP_DIR: dir, MOLT_RESTART: 'sometimes', MOLT_MIN_UPTIME: 'later', MOLT_APP_CMD: 'true' });
  t.after(() => m.stop());
  assert.equal((await m.exited).code, 78);
  const problems = m.stderr.split('\n').filter((l) => l.startsWith('molt: config: '));
  assert.equal(problems.length, 2, m.stderr);
  assert.match(m.stderr, /MOLT_RESTART="sometimes"/);
  assert.match(m.stderr, /MOLT_MIN_UPTIME="later"/);
  assert.equal(m.records.length, 0, 'molt was not started');
});

test('the entrypoint prepares data for the unprivileged user and execs molt under tini as that user', { skip: !isRoot && 'needs root to change users' }, async (t) => {
  makeInstallReachable();
  const dir = await tempDir(t);
  mkdirSync(join(dir, 'data', 'old'), { recursive: true });
  writeFileSync(join(dir, 'data', 'old', 'state.json'), '{}');
  const m = startEntrypoint({
    MOLT_APP_DIR: dir,
    MOLT_USER: 'nobody',
    MOLT_APP_CMD: `${process.execPath} ${fixture('record-signals.mjs')}`,
    SIGNALS_FILE: join(dir, 'data', 'signals.txt'),
    TERM_EXIT_CODE: '6',
    ...(await portsEnv()),
  });
  t.after(() => m.stop());
  const started = await m.waitFor('app_started', 20_000);
  const nobody = procStatus(started.pid as number, 'Uid');
  const sup = (await m.waitFor('supervisor_started')).pid as number;
  assert.notEqual(nobody, '0', 'the app does not run as root');
  assert.equal(procStatus(sup, 'Uid'), nobody, 'molt runs as the same unprivileged user');
  assert.equal(readFileSync(`/proc/${m.child.pid}/comm`, 'utf8').trim(), 'tini', 'the entrypoint exec-ed into tini');
  assert.equal(Number(procStatus(sup, 'PPid')), m.child.pid, 'molt is a child of tini');
  for (const p of ['data', 'data/old', 'data/old/state.json']) assert.equal(String(statSync(join(dir, p)).uid), nobody, `${p} owned by the user`);
  assert.equal(statSync(join(dir, 'data')).mode & 0o777, 0o750);
  await eventually(() => readFileSync(join(dir, 'data', 'signals.txt'), 'utf8').includes('READY'), 15_000, 'app ready');
  m.kill('SIGTERM');
  assert.equal((await m.exited).code, 6, 'tini passes on the app status that molt exits with');
  assert.equal(readFileSync(join(dir, 'data', 'signals.txt'), 'utf8').trim().split('\n').at(-1), 'SIGTERM');
});

test('the entrypoint runs other commands as given', async (t) => {
  const m = startEntrypoint({}, ['node', '-e', 'console.log("hello from " + process.argv.length)']);
  t.after(() => m.stop());
  assert.equal((await m.exited).code, 0);
  assert.deepEqual(m.appLines, ['hello from 1']);
});
