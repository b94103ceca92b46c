import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { CLI } from '../helpers/paths.js';
import { freePort } from '../helpers/molt-process.js';
import { head } from '../update/fixture.js';
import { startLive, LIVE_TOKEN } from './live-supervisor.js';

test('status, update, rollback and logs drive a running supervisor with documented output and exit codes', async (t) => {
  const live = await startLive(t);
  const { f, cli } = live;
  const v1 = head(f);

  const status = await cli(['status', '--json']);
  assert.equal(status.code, 0, status.stderr);
  const s = JSON.parse(status.stdout);
  assert.equal(s.currentSha, v1);
  assert.equal(s.app.up, true);
  assert.equal(s.update, null);
  const human = await cli(['status']);
  assert.match(human.stdout, new RegExp(`^release\\s+${v1.slice(0, 7)} initial release$`, "m"));

  const same = await cli(['update']);
  assert.equal(same.code, 2, 'up to date: refused');
  assert.match(same.stderr, /MOLT_E_SAME_RELEASE/);

  const v2 = await f.release({ version: 'v2' });
  const up = await cli(['update', '--json']);
  assert.equal(up.code, 0, up.stderr);
  const row = JSON.parse(up.stdout);
  assert.equal(row.outcome, 'succeeded');
  assert.equal(row.toSha, v2);
  assert.equal(row.actor, 'cli');
  assert.equal(row.trigger, 'cli');
  assert.equal(head(f), v2);

  await f.release({ version: 'v3', health: 'never' }, 'release v3 (unhealthy)');
  const broken = await cli(['update']);
  assert.equal(broken.code, 1, 'a rolled-back update exits 1');
  assert.match(broken.stdout, /health\s+failed/);
  assert.match(broken.stdout, /update #\d+ rolled_back/);
  assert.equal(head(f), v2);

  const back = await cli(['rollback', v1.slice(0, 12)]);
  assert.equal(back.code, 0, back.stdout + back.stderr);
  assert.match(back.stdout, new RegExp(`rollback #\\d+ succeeded .* now at ${v1.slice(0, 7)}`));
  assert.equal(head(f), v1);

  const logs = await cli(['logs', '-n', '500', '--json']);
  assert.equal(logs.code, 0, logs.stderr);
  const lines = logs.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(lines.some((l) => l.source === 'app' && /release v1 listening/.test(l.line)));
  assert.ok(lines.some((l) => l.source === 'supervisor' && /^update_rolled_back /.test(l.line)));

  const hist = await fetch(`${live.adminUrl}/api/history`, { headers: { authorization: `Bearer ${LIVE_TOKEN}` } }).then((r) => r.json() as Promise<{ outcome: string; kind: string }[]>);
  // "already running that release" is answered (exit 2) but not recorded: pollers must not flood the history
  assert.deepEqual(hist.map((h) => `${h.kind}:${h.outcome}`), ['rollback:succeeded', 'update:rolled_back', 'update:succeeded']);
});

test('logs -f follows new lines until interrupted and exits 0', async (t) => {
  const live = await startLive(t);
  const child = spawn(process.execPath, [CLI, 'logs', '-f', '-n', '1', '--source', 'supervisor'], { env: { PATH: process.env.PATH, MOLT_ADMIN_URL: live.adminUrl, MOLT_ADMIN_TOKEN: LIVE_TOKEN, MOLT_APP_DIR: live.f.app }, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  let out = '';
  const waitOut = (re: RegExp, what: string) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; got: ${out}`)), 30_000);
      const check = () => re.test(out) && (clearTimeout(timer), child.stdout.off('data', check), resolve());
      child.stdout.on('data', check);
      check();
    });
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  await waitOut(/sup /, 'the backlog line (the stream is open once it is printed)');
  await live.f.release({ version: 'v2' });
  const started = await fetch(`${live.adminUrl}/api/update`, { method: 'POST', headers: { authorization: `Bearer ${LIVE_TOKEN}`, 'content-type': 'application/json' }, body: '{}' });
  assert.equal(started.status, 202);
  await waitOut(/update_succeeded/, 'the update to finish');
  child.kill('SIGINT');
  const code = await new Promise<number | null>((r) => (child.exitCode !== null ? r(child.exitCode) : child.on('exit', (c) => r(c))));
  assert.equal(code, 0);
  assert.match(out, /sup update_started id=\d+ kind=update trigger=web actor=api/);
});

test('client errors map to documented exit codes: usage 64, wrong token 4, unreachable 3', async (t) => {
  const live = await startLive(t);
  assert.equal((await live.cli(['rollback'])).code, 64);
  assert.equal((await live.cli(['rollback', 'not-a-sha'])).code, 64);
  assert.equal((await live.cli(['status', '--bogus'])).code, 64);
  const wrong = await live.cli(['status'], { MOLT_ADMIN_TOKEN: 'wrong-token-0123456789' });
  assert.equal(wrong.code, 4);
  assert.match(wrong.stderr, /MOLT_E_AUTH/);
  const port = await freePort();
  const gone = await live.cli(['status'], { MOLT_ADMIN_URL: `http://127.0.0.1:${port}` });
  assert.equal(gone.code, 3);
  assert.match(gone.stderr, /cannot reach the supervisor/);
  const invalid = await live.cli(['update', 'bad..ref']);
  assert.equal(invalid.code, 2);
  assert.match(invalid.stderr, /MOLT_E_VALIDATION|MOLT_E_REF_INVALID/);
});
