import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { eventually, freePort, startMolt } from '../helpers/molt-process.js';
import { createUpdateFixture } from '../update/fixture.js';

test('molt run with MOLT_AUTO_UPDATE=notify persists an instance id, polls the remote and logs release_available', async (t) => {
  const f = await createUpdateFixture(await tempDir(t));
  const adminPort = await freePort();
  const token = 'auto-update-test-token-0123456789';
  const molt = startMolt(['run'], { ...f.env, MOLT_AUTO_UPDATE: 'notify', MOLT_POLL_INTERVAL: '1s', UPDATE_CANARY_PROBABILITY: '0.5', MOLT_ADMIN_PORT: String(adminPort), MOLT_ADMIN_TOKEN: token });
  t.after(() => molt.stop());
  const started = await molt.waitFor('auto_update_started', 30_000);
  assert.equal(started.mode, 'notify');
  assert.equal(started.instanceIdSource, 'generated');
  assert.equal((await readFile(join(f.dataDir, 'instance-id'), 'utf8')).trim(), started.instanceId);
  await molt.waitFor('app_started', 30_000);
  const sha = await f.release({ version: 'v2' }, 'feat: v2 for everyone');
  const rec = await molt.waitFor((r) => r.event === 'release_available' && r.sha === sha, 30_000);
  assert.equal(rec.subject, 'feat: v2 for everyone');
  assert.equal(typeof rec.canary, 'boolean');
  assert.equal(rec.applyAfter, null);
  assert.equal(molt.events('update_started').length, 0, 'notify mode does not update');
  // The console and `molt status` read the same status through /api/status.
  const status = await eventually(async () => {
    const r = await fetch(`http://127.0.0.1:${adminPort}/api/status`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await r.json()) as { autoUpdate: { mode: string; instanceId: string; pending: { sha: string; canary: boolean } | null; nextCheckAt: string | null } | null };
    return body.autoUpdate?.pending?.sha === sha ? body.autoUpdate : null;
  }, 15_000, 'autoUpdate in /api/status');
  assert.equal(status.mode, 'notify');
  assert.equal(status.instanceId, started.instanceId);
  assert.equal(status.pending?.canary, rec.canary);
  assert.ok(status.nextCheckAt);
});

test('molt run with MOLT_AUTO_UPDATE=apply updates a canary instance to the new commit by itself', async (t) => {
  const f = await createUpdateFixture(await tempDir(t));
  const molt = startMolt(['run'], { ...f.env, MOLT_AUTO_UPDATE: 'apply', MOLT_POLL_INTERVAL: '1s', UPDATE_CANARY_PROBABILITY: '1', MOLT_INSTANCE_ID: 'e2e-0' });
  t.after(() => molt.stop());
  await molt.waitFor('app_started', 30_000);
  const sha = await f.release({ version: 'v2' }, 'feat: v2 applied automatically');
  const requested = await molt.waitFor((r) => r.event === 'auto_update_requested' && r.sha === sha, 30_000);
  assert.equal(requested.canary, true);
  const finished = await molt.waitFor((r) => r.event === 'auto_update_finished' && r.sha === sha, 90_000);
  assert.equal(finished.outcome, 'succeeded');
  const version = await eventually(async () => {
    const r = await fetch(`http://127.0.0.1:${f.port}/version`);
    return r.ok ? ((await r.json()) as { version: string }).version : null;
  }, 15_000, 'v2 served on the public port');
  assert.equal(version, 'v2');
});
