import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFile, readdir } from 'node:fs/promises';
import { requestUpdate } from '../../src/sdk/request-update.js';
import { tempDir } from '../helpers/tmp.js';
import { eventually, freePort, startMolt } from '../helpers/molt-process.js';
import { fixture } from '../helpers/paths.js';
import { runFixture } from './sdk-process.js';

test('invalid input is rejected with MOLT_E_REQUEST_INVALID naming the field, and nothing is written', async (t) => {
  const dir = await tempDir(t);
  await assert.rejects(requestUpdate({ sha: 'not-hex' }, { dataDir: dir, exit: false }), (e: Error & { code?: string }) => e.code === 'MOLT_E_REQUEST_INVALID' && /sha: expected 4 to 40 hex characters/.test(e.message));
  await assert.rejects(requestUpdate({ ref: 'main', sha: 'abcd' }, { dataDir: dir, exit: false }), /give either ref or sha, not both/);
  await assert.rejects(requestUpdate({ ref: 'main', extra: 1 } as never, { dataDir: dir, exit: false }), /Unrecognized key/);
  assert.deepEqual(await readdir(dir), []);
});

test('an unsupervised app: the request file is written atomically, the server drains and the process exits 10', async (t) => {
  const dir = await tempDir(t);
  const port = await freePort();
  const run = runFixture(t, 'traffic-sdk-app.mjs', [], { PORT: String(port), MOLT_DATA_DIR: dir });
  await eventually(() => run.child.stdout && fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok), 10_000, 'app up');
  const res = await fetch(`http://127.0.0.1:${port}/update`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sha: 'abc1234', actor: 'tester', reason: 'fix' }) });
  assert.equal(res.status, 202, 'the calling request is still answered');
  const r = await run.done;
  assert.equal(r.code, 10);
  assert.deepEqual(JSON.parse(await readFile(join(dir, 'update-request.json'), 'utf8')), { sha: 'abc1234', actor: 'tester', reason: 'fix' });
  assert.deepEqual((await readdir(dir)).filter((f) => f.endsWith('.tmp')), [], 'no temp file left');
});

test('end to end through a real supervisor: the app exits 10 and molt picks up the request', async (t) => {
  const dir = await tempDir(t);
  const [port, appPort] = [await freePort(), await freePort()];
  const m = startMolt(['run', '--', process.execPath, fixture('traffic-sdk-app.mjs')], {
    MOLT_PORT: String(port), MOLT_APP_PORT: String(appPort), MOLT_ADMIN_PORT: '0', MOLT_DATA_DIR: join(dir, 'data'), MOLT_APP_DIR: dir, MOLT_TINI: 'off', MOLT_HEALTH_INTERVAL: '50ms',
  });
  t.after(() => m.stop());
  const ready = await m.waitFor('app_ready');
  assert.equal(ready.via, 'ipc');
  await m.waitFor('traffic_released');
  const res = await fetch(`http://127.0.0.1:${port}/update`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ref: 'main', actor: 'app-user', reason: 'new version' }) });
  assert.equal(res.status, 202);
  const exited = await m.waitFor((r) => r.event === 'app_exited' && r.exitCode === 10);
  assert.equal(exited.exitCode, 10);
  const requested = await m.waitFor('update_requested');
  assert.deepEqual({ trigger: requested.trigger, ref: requested.ref, actor: requested.actor, reason: requested.reason }, { trigger: 'app', ref: 'main', actor: 'app-user', reason: 'new version' });
  await m.stop(); // before the temp dir is removed (after-hooks run in registration order)
});
