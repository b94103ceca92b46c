import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, collectEvents, TOKEN } from './admin-harness.js';
import { eventually } from '../helpers/molt-process.js';

test('healthz answers without credentials and readyz reflects app state and running updates', async (t) => {
  const h = await startHarness(t);
  assert.deepEqual((await h.api('/healthz', { token: null })).body, { ok: true });
  const ready = await h.api('/readyz', { token: null });
  assert.equal(ready.status, 200);
  assert.equal(ready.body.ready, true);
  h.app.up = false;
  const down = await h.api('/readyz', { token: null });
  assert.equal(down.status, 503);
  assert.deepEqual(down.body, { ready: false, appUp: false, updateRunning: false });
  h.app.up = true;
  await h.api('/api/update', { method: 'POST', body: '{}' });
  const busy = await h.api('/readyz', { token: null });
  assert.equal(busy.status, 503);
  assert.equal(busy.body.updateRunning, true);
});

test('status has the contract fields and shows a running update with its step', async (t) => {
  const h = await startHarness(t);
  const s = (await h.api('/api/status')).body;
  assert.equal(s.state, 'running');
  assert.equal(s.currentSha, h.engine.head.sha);
  assert.equal(s.currentSubject, 'initial release');
  assert.deepEqual(Object.keys(s.app).sort(), ['pid', 'restarts', 'since', 'up']);
  assert.equal(s.app.pid, 4242);
  assert.equal(s.update, null);
  assert.equal(s.probation, null);
  assert.equal(s.autoUpdate, null);
  assert.equal(s.canary, null);
  const { body } = await h.api('/api/update', { method: 'POST', body: '{}' });
  const during = (await h.api('/api/status')).body;
  assert.equal(during.state, 'updating');
  assert.equal(during.update.id, body.id);
  assert.equal(during.update.step, 'fetch');
  assert.equal(during.update.toSha, h.engine.tip.sha);
  assert.ok(during.update.startedAt);
});

test('status carries probation, auto-update and canary data from their providers', async (t) => {
  const h = await startHarness(t, { providers: { probation: () => ({ remainingMs: 1000, errorRate: 0.01 }), autoUpdate: () => ({ mode: 'notify' }), canary: () => { throw new Error('broken provider'); } } });
  const s = (await h.api('/api/status')).body;
  assert.deepEqual(s.probation, { remainingMs: 1000, errorRate: 0.01 });
  assert.deepEqual(s.autoUpdate, { mode: 'notify' });
  assert.equal(s.canary, null);
});

test('pending lists commits and whether the lockfile and migrations change', async (t) => {
  const h = await startHarness(t);
  const p = (await h.api('/api/releases/pending')).body;
  assert.equal(p.commits.length, 1);
  assert.deepEqual(Object.keys(p.commits[0]).sort(), ['author', 'date', 'sha', 'subject']);
  assert.equal(p.lockfileChanged, true);
  assert.equal(p.migrationsChanged, false);
});

test('update answers 202 with an id, records the api actor, and a second update gets 409', async (t) => {
  const h = await startHarness(t);
  const first = await h.api('/api/update', { method: 'POST', body: JSON.stringify({ ref: 'main' }) });
  assert.equal(first.status, 202);
  assert.equal(typeof first.body.id, 'number');
  assert.deepEqual(h.engine.commands[0], { ref: 'main', trigger: 'web', actor: 'api' });
  const second = await h.api('/api/update', { method: 'POST', body: '{}' });
  assert.equal(second.status, 409);
  assert.equal(second.body.error.code, 'MOLT_E_UPDATE_IN_PROGRESS');
  h.engine.release();
  await eventually(() => h.engine.running() === null, 5000, 'update to finish');
  const rec = h.records.find((r) => r.event === 'admin_update_requested');
  assert.equal(rec?.actor, 'api');
});

test('the CLI header records the cli actor and trigger', async (t) => {
  const h = await startHarness(t);
  await h.api('/api/update', { method: 'POST', body: '{}', headers: { 'x-molt-client': 'cli' } });
  assert.equal((h.engine.commands[0] as { actor: string }).actor, 'cli');
  assert.equal(h.engine.commands[0].trigger, 'cli');
});

test('invalid bodies and refs are refused with 400 and a message naming the field', async (t) => {
  const h = await startHarness(t);
  const cases: [string, string, string][] = [
    ['/api/update', JSON.stringify({ ref: '--upload-pack=evil' }), 'body.ref'],
    ['/api/update', JSON.stringify({ sha: 'xyz' }), 'body.sha'],
    ['/api/update', JSON.stringify({ ref: 'main', sha: 'abcdef1' }), 'either ref or sha'],
    ['/api/update', JSON.stringify({ branch: 'main' }), 'branch'],
    ['/api/rollback', JSON.stringify({}), 'body.sha'],
    ['/api/rollback', JSON.stringify({ sha: 'abcdef1', force: 'yes' }), 'body.force'],
  ];
  for (const [path, body, mention] of cases) {
    const r = await h.api(path, { method: 'POST', body });
    assert.equal(r.status, 400, `${path} ${body}`);
    assert.equal(r.body.error.code, 'MOLT_E_VALIDATION');
    assert.match(r.body.error.message, new RegExp(mention.replace('.', '\\.')), r.body.error.message);
  }
  const unknown = await h.api('/api/update', { method: 'POST', body: JSON.stringify({ ref: 'nope' }) });
  assert.equal(unknown.status, 400);
  assert.equal(unknown.body.error.code, 'MOLT_E_REF_UNKNOWN');
  const badJson = await h.api('/api/update', { method: 'POST', body: '{not json' });
  assert.equal(badJson.status, 400);
  assert.equal(badJson.body.error.code, 'MOLT_E_VALIDATION');
  const badLimit = await h.api('/api/history?limit=0');
  assert.equal(badLimit.status, 400);
  assert.match(badLimit.body.error.message, /query\.limit/);
  assert.equal(h.engine.commands.length, 0);
});

test('rollback answers 202, and the engine refusal (missing down migration) comes back as 409 JSON', async (t) => {
  const h = await startHarness(t);
  const refused = await h.api('/api/rollback', { method: 'POST', body: JSON.stringify({ sha: 'deadbeef' }) });
  assert.equal(refused.status, 409);
  assert.equal(refused.body.error.code, 'MOLT_E_DOWN_MIGRATION_MISSING');
  assert.match(refused.body.error.message, /force/);
  const forced = await h.api('/api/rollback', { method: 'POST', body: JSON.stringify({ sha: 'deadbeef', force: true }) });
  assert.equal(forced.status, 202);
  assert.deepEqual(h.engine.commands[0], { sha: 'deadbeef', force: true, trigger: 'web', actor: 'api' });
});

test('history returns rows with the contract fields, limited by ?limit', async (t) => {
  const h = await startHarness(t);
  for (let i = 0; i < 2; i++) {
    await h.api('/api/update', { method: 'POST', body: '{}' });
    h.engine.release();
    await eventually(() => h.engine.running() === null, 5000, 'update to finish');
  }
  const all = (await h.api('/api/history')).body;
  assert.equal(all.length, 2);
  for (const k of ['id', 'trigger', 'actor', 'fromSha', 'toSha', 'outcome', 'startedAt', 'finishedAt', 'steps', 'error']) assert.ok(k in all[0], k);
  assert.equal((await h.api('/api/history?limit=1')).body.length, 1);
});

test('the event stream delivers an update as started, its steps in order, then succeeded', async (t) => {
  const h = await startHarness(t);
  let id = 0;
  const evs = await collectEvents(h.url, TOKEN, async () => {
    id = (await h.api('/api/update', { method: 'POST', body: '{}' })).body.id;
    setTimeout(() => h.engine.release(), 50);
  }, (type) => type === 'update_succeeded');
  const seq = evs.filter((e) => e.type.startsWith('update_')).map((e) => (e.type === 'update_step' ? `${e.data.step}:${e.data.status}` : e.type));
  assert.deepEqual(seq, ['update_started', 'backup:started', 'backup:done', 'fetch:started', 'fetch:done', 'install:started', 'install:done', 'update_succeeded']);
  assert.ok(evs.filter((e) => e.type.startsWith('update_')).every((e) => e.data.id === id));
});

test('metrics expose the documented names and count outcomes, rollbacks and step durations', async (t) => {
  const h = await startHarness(t);
  h.engine.failNext = true;
  await h.api('/api/update', { method: 'POST', body: '{}' });
  h.engine.release();
  await eventually(() => h.engine.running() === null, 5000, 'update to finish');
  h.events.emit('crash_loop', { restarts: 5, windowMs: 30000 });
  h.events.emit('app_restart_scheduled', { delayMs: 1000, restarts: 1 });
  const unauth = await h.api('/metrics', { token: null });
  assert.equal(unauth.status, 401);
  const text = (await h.api('/metrics')).body as string;
  for (const name of ['molt_updates_total', 'molt_rollbacks_total', 'molt_rollback_failed_total', 'molt_update_duration_seconds_bucket', 'molt_app_restarts_total', 'molt_app_up', 'molt_crash_loops_total', 'molt_release_info'])
    assert.match(text, new RegExp(`^${name}`, 'm'), name);
  assert.match(text, /^molt_updates_total\{outcome="rolled_back"\} 1$/m);
  assert.match(text, /^molt_rollbacks_total 1$/m);
  assert.match(text, /^molt_crash_loops_total 1$/m);
  assert.match(text, /^molt_app_up 1$/m);
  assert.match(text, new RegExp(`^molt_release_info\\{sha="${h.engine.head.sha}"\\} 1$`, 'm'));
  assert.match(text, /^molt_update_duration_seconds_count\{step="install"\} 1$/m);
});

test('logs merge app lines with supervisor lines derived from events', async (t) => {
  const h = await startHarness(t);
  h.logs.push({ time: Date.now(), source: 'app', stream: 'stdout', line: 'hello from the app' });
  h.events.emit('crash_loop', { restarts: 5, windowMs: 30000 });
  const lines = (await h.api('/api/logs?limit=10')).body;
  assert.deepEqual(lines.map((l: { source: string }) => l.source), ['app', 'supervisor']);
  assert.match(lines[1].line, /^crash_loop restarts=5/);
  assert.equal((await h.api('/api/logs?source=app')).body.length, 1);
});

test('without an engine, update routes answer 503 with MOLT_E_UNAVAILABLE while status still works', async (t) => {
  const h = await startHarness(t, { engine: undefined });
  const s = (await h.api('/api/status')).body;
  assert.equal(s.engine, false);
  assert.equal(s.currentSha, null);
  const r = await h.api('/api/update', { method: 'POST', body: '{}' });
  assert.equal(r.status, 503);
  assert.equal(r.body.error.code, 'MOLT_E_UNAVAILABLE');
});

test('unknown routes answer 404 JSON', async (t) => {
  const h = await startHarness(t);
  const r = await h.api('/api/nope');
  assert.equal(r.status, 404);
  assert.equal(r.body.error.code, 'MOLT_E_NOT_FOUND');
});
