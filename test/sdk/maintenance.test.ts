import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFile, rm } from 'node:fs/promises';
import { fork } from 'node:child_process';
import Fastify from 'fastify';
import { maintenance } from '../../src/sdk/maintenance.js';
import { MaintenanceWatcher } from '../../src/sdk/maintenance-state.js';
import { tempDir } from '../helpers/tmp.js';
import { atomicWriteFile } from '../../src/core/atomic-write.js';
import { eventually, freePort } from '../helpers/molt-process.js';
import { fixture } from '../helpers/paths.js';

async function status(port: number, path: string, headers: Record<string, string> = {}) {
  const r = await fetch(`http://127.0.0.1:${port}${path}`, { headers });
  return { status: r.status, body: await r.text(), headers: r.headers };
}

async function appWith(t: { after(fn: () => unknown): void }, dataDir: string) {
  const app = Fastify();
  // pollMs is huge so only fs.watch can flip the state within the test's bounds
  await app.register(maintenance, { dataDir, allow: ['/health', '/admin/*', /^\/public\//], pollMs: 600_000 });
  app.get('/', async () => 'home');
  app.get('/health', async () => 'healthy');
  app.get('/admin/panel', async () => 'admin');
  app.get('/public/x', async () => 'public');
  await app.listen({ port: 0, host: '127.0.0.1' });
  t.after(() => app.close());
  return (app.server.address() as { port: number }).port;
}

test('the plugin switches to the holding page within 2 s after UPDATE_LOCK.json appears, and back after it is removed', async (t) => {
  const dir = await tempDir(t);
  const port = await appWith(t, dir);
  assert.equal((await status(port, '/')).status, 200);
  await writeFile(join(dir, 'UPDATE_LOCK.json'), JSON.stringify({ kind: 'update', toSha: 'feedface123' }));
  const held = await eventually(async () => {
    const r = await status(port, '/', { 'accept-language': 'en' });
    return r.status === 503 ? r : undefined;
  }, 2000, 'maintenance on');
  assert.equal(held.headers.get('retry-after'), '30');
  assert.equal(held.headers.get('cache-control'), 'no-store');
  assert.match(held.body, /Updating to feedfac/);
  const json = await status(port, '/?q=1', { accept: 'application/json' });
  assert.deepEqual(JSON.parse(json.body), { status: 'updating', retryAfter: 30 });
  assert.equal((await status(port, '/health')).body, 'healthy', 'exact allowlist entry');
  assert.equal((await status(port, '/admin/panel?tab=1')).body, 'admin', 'prefix allowlist entry, query ignored');
  assert.equal((await status(port, '/public/x')).body, 'public', 'regex allowlist entry');
  await rm(join(dir, 'UPDATE_LOCK.json'));
  await eventually(async () => (await status(port, '/')).status === 200, 2000, 'maintenance off');
});

test('a lock present at startup is in effect for the very first request', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'UPDATE_LOCK.json'), '{}');
  const port = await appWith(t, dir);
  const r = await status(port, '/', { 'accept-language': 'zh-CN' });
  assert.equal(r.status, 503);
  assert.match(r.body, /正在更新/);
});

test('the watcher coalesces bursts of file events into the final state', async (t) => {
  const dir = await tempDir(t);
  const w = new MaintenanceWatcher({ dataDir: dir, pollMs: 600_000, ipc: false }).start();
  t.after(() => w.close());
  for (let i = 0; i < 20; i++) {
    await writeFile(join(dir, 'UPDATE_LOCK.json'), String(i));
    await rm(join(dir, 'UPDATE_LOCK.json'));
  }
  await writeFile(join(dir, 'UPDATE_LOCK.json'), '{"targetSha":"0123456789"}');
  await eventually(() => w.active && w.snapshot().targetSha === '0123456789', 2000, 'final state: active');
  assert.deepEqual(w.snapshot(), { active: true, source: 'lock', targetSha: '0123456789' });
});

test('the supervisor can switch maintenance on and off over IPC', async (t) => {
  const dir = await tempDir(t);
  const port = await freePort();
  const child = fork(fixture('traffic-sdk-app.mjs'), [], { env: { PATH: process.env.PATH ?? '', PORT: String(port), MOLT_DATA_DIR: dir }, stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  t.after(() => child.kill('SIGKILL'));
  const messages: unknown[] = [];
  child.on('message', (m) => messages.push(m));
  await eventually(() => messages.some((m) => (m as { molt?: string }).molt === 'ready'), 10_000, 'ready() over IPC');
  assert.equal((await status(port, '/')).status, 200);
  child.send({ molt: 'maintenance', active: true, targetSha: 'abcdef0123' });
  const on = await eventually(async () => {
    const r = await status(port, '/');
    return r.status === 503 ? r : undefined;
  }, 2000, 'maintenance on via IPC');
  assert.match(on.body, /Updating to abcdef0/);
  assert.deepEqual(JSON.parse((await status(port, '/admin/state')).body), { maintenance: true });
  child.send({ molt: 'maintenance', active: false });
  await eventually(async () => (await status(port, '/')).status === 200, 2000, 'maintenance off via IPC');
});

test('under molt, the lock of the update that started the app is ignored until it is gone; a later lock counts', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'UPDATE_LOCK.json'), '{"toSha":"1111111"}');
  const w = new MaintenanceWatcher({ dataDir: dir, pollMs: 600_000, ipc: false, ignoreInitialLock: true }).start();
  t.after(() => w.close());
  await w.refresh();
  assert.equal(w.active, false, 'the journal of our own update does not switch us to maintenance');
  await rm(join(dir, 'UPDATE_LOCK.json'));
  await eventually(async () => (await w.refresh(), true), 1000);
  // written the way the engine writes its journal: tmp + fsync + rename, so the watcher never sees a half file
  await atomicWriteFile(join(dir, 'UPDATE_LOCK.json'), '{"toSha":"2222222"}');
  await eventually(() => w.active && w.snapshot().targetSha === '2222222', 2000, 'a new lock counts, with its target');
  assert.equal(w.snapshot().targetSha, '2222222');
});
