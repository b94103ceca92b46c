import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { superviseFixture } from './support.js';
import { readUpdateRequest } from '../../src/supervisor/update-request.js';
import { tempDir } from '../helpers/tmp.js';

test('exit 10 with a valid request logs the request, consumes the file and restarts the current version', async (t) => {
  const { molt, dir } = await superviseFixture(t, 'exit-10.mjs', { REQUEST: 'valid' });
  const req = await molt.waitFor('update_requested');
  assert.equal(req.ref, 'main');
  assert.equal(req.actor, 'fixture');
  assert.equal(req.trigger, 'app');
  await molt.waitForCount('app_started', 2);
  assert.equal(molt.events('app_exited')[0]?.meaning, 'update_requested');
  assert.equal(existsSync(join(dir, 'data', 'update-request.json')), false);
  assert.equal(molt.events('update_request_invalid').length, 0);
});

for (const kind of ['malformed-json', 'invalid-schema'] as const) {
  test(`exit 10 with a ${kind} request file moves it to data/rejected, logs why and restarts the app`, async (t) => {
    const { molt, dir } = await superviseFixture(t, 'exit-10.mjs', { REQUEST: kind });
    const rec = await molt.waitFor('update_request_invalid');
    assert.equal(rec.level, 'error');
    assert.equal(rec.code, 'MOLT_E_REQUEST_INVALID');
    const problems = rec.problems as string[];
    if (kind === 'malformed-json') assert.match(problems[0], /not valid JSON/);
    else {
      assert.ok(problems.some((p) => p.startsWith('sha:')), problems.join('; '));
      assert.ok(problems.some((p) => /extra/.test(p)), problems.join('; '));
    }
    const rejected = await readdir(join(dir, 'data', 'rejected'));
    assert.equal(rejected.length, 1);
    assert.equal(join(dir, 'data', 'rejected', rejected[0]), rec.movedTo);
    const kept = await readFile(rec.movedTo as string, 'utf8');
    assert.ok(kept.length > 0, 'the rejected file keeps its content');
    assert.equal(existsSync(join(dir, 'data', 'update-request.json')), false);
    await molt.waitForCount('app_started', 2);
    assert.equal(molt.events('update_requested').length, 0);
  });
}

test('exit 10 without a request file is an update request without a target', async (t) => {
  const { molt } = await superviseFixture(t, 'exit-10.mjs', { REQUEST: 'none' });
  const req = await molt.waitFor('update_requested');
  assert.equal(req.ref, undefined);
  assert.equal(req.sha, undefined);
  await molt.waitForCount('app_started', 2);
});

test('exit 10 restarts the app even under MOLT_RESTART=never', async (t) => {
  const { molt } = await superviseFixture(t, 'exit-10.mjs', { REQUEST: 'valid', MOLT_RESTART: 'never' });
  await molt.waitForCount('app_started', 2);
  assert.equal(molt.events('supervisor_exit').length, 0);
});

test('the request reader accepts ref or sha, rejects both at once and never deletes what it rejects', async (t) => {
  const dir = await tempDir(t);
  await mkdir(dir, { recursive: true });
  assert.deepEqual(await readUpdateRequest(dir), { kind: 'none' });
  await writeFile(join(dir, 'update-request.json'), JSON.stringify({ sha: 'abc1234', actor: 'ops' }));
  const ok = await readUpdateRequest(dir);
  assert.equal(ok.kind, 'ok');
  assert.equal(ok.kind === 'ok' && ok.request.sha, 'abc1234');
  await writeFile(join(dir, 'update-request.json'), JSON.stringify({ ref: 'main', sha: 'abc1234' }));
  const both = await readUpdateRequest(dir, Date.UTC(2026, 0, 2, 3, 4, 5));
  assert.equal(both.kind, 'invalid');
  if (both.kind !== 'invalid') return;
  assert.match(both.problems.join(), /either ref or sha/);
  assert.equal(both.movedTo, join(dir, 'rejected', 'update-request.2026-01-02T03-04-05-000Z.json'));
  assert.deepEqual(JSON.parse(await readFile(both.movedTo, 'utf8')), { ref: 'main', sha: 'abc1234' });
});
