import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { startMolt, freePort, eventually, type MoltProcess } from '../helpers/molt-process.js';
import { tempDir } from '../helpers/tmp.js';
import { fixture } from '../helpers/paths.js';
import { startLoad } from './load.js';

function get(port: number, path = '/'): Promise<{ status: number; body: string; retryAfter?: string; version?: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, retryAfter: res.headers['retry-after'] as string | undefined, version: res.headers['x-app-version'] as string | undefined }));
    });
    req.on('error', reject);
    req.end();
  });
}

// after-hooks run in registration order: stop molt first, then remove its temp dir
async function molt(t: { after(fn: () => unknown): void }, env: Record<string, string> = {}): Promise<{ m: MoltProcess; port: number; appPort: number; dir: string }> {
  const stops: (() => Promise<void>)[] = [];
  t.after(() => Promise.all(stops.map((f) => f())));
  const dir = await tempDir(t);
  const port = await freePort();
  const appPort = await freePort();
  const m = startMolt(['run', '--', process.execPath, fixture('traffic-app.mjs')], {
    MOLT_PORT: String(port), MOLT_APP_PORT: String(appPort), MOLT_ADMIN_PORT: '0', MOLT_DATA_DIR: join(dir, 'data'), MOLT_APP_DIR: dir, MOLT_TINI: 'off',
    MOLT_BACKOFF_INITIAL: '600ms', MOLT_HEALTH_INTERVAL: '50ms', MOLT_HEALTH_SUCCESSES: '2', MOLT_STOP_TIMEOUT: '5s', ...env,
  });
  stops.push(() => m.stop());
  return { m, port, appPort, dir };
}

test('the app gets PORT (the internal port) and the public port answers the holding page until its first health gate passes', async (t) => {
  const { m, port, appPort } = await molt(t, { START_DELAY_MS: '1500' });
  await m.waitFor('traffic_listening');
  const early = await eventually(() => get(port).catch(() => undefined), 5000, 'an answer on MOLT_PORT');
  assert.equal(early.status, 503, 'answered by the holding page, not refused');
  assert.ok(early.retryAfter);
  await m.waitFor('traffic_released', 20_000);
  const later = await get(port);
  assert.equal(later.body, 'app v1');
  assert.ok(m.appLines.some((l) => l.includes(`listening on ${appPort}`)), 'the app listened on MOLT_APP_PORT');
  const gate = await m.waitFor('restart_gate_passed');
  assert.equal(gate.via, 'health');
});

test('a bounded load during a crash-restart sees 0 connection errors and only app answers or the 503 holding page', async (t) => {
  const { m, port } = await molt(t);
  await m.waitFor('traffic_released', 20_000);
  const load = startLoad(port, { concurrency: 6, maxRequests: 20_000, maxMs: 25_000 });
  await eventually(() => load.result.responses.length > 50, 10_000, 'load warm-up');
  await get(port, '/crash');
  await m.waitFor('app_exited');
  await m.waitForCount('traffic_released', 2, 20_000);
  const countAfter = load.result.responses.length;
  await eventually(() => load.result.responses.length > countAfter + 50, 10_000, 'responses after the restart');
  const r = await load.stop();
  assert.deepEqual(r.errors, [], 'no refused or reset connections');
  const foreign = r.responses.filter((x) => !(x.status === 200 && x.version === 'v1') && !x.holding);
  assert.deepEqual(foreign, [], 'every response is the app or the holding page');
  assert.ok(r.responses.some((x) => x.holding), 'the backoff window was covered by the holding page');
  assert.ok(r.responses.filter((x) => x.version === 'v1').length > 100);
  const held = m.events('traffic_held');
  assert.equal(held[0]?.reason, 'restart');
});

test('SIGTERM drains: an in-flight request finishes at the app, new requests get the holding page, then molt exits', async (t) => {
  const { m, port } = await molt(t);
  await m.waitFor('traffic_released', 20_000);
  const slow = get(port, '/slow?ms=1200');
  await new Promise((r) => setTimeout(r, 200));
  m.kill('SIGTERM');
  await m.waitFor('traffic_held');
  const during = await get(port);
  const slowRes = await slow;
  const exit = await m.exited;
  assert.equal(slowRes.body, 'slow v1');
  assert.equal(during.status, 503);
  assert.equal(m.events('traffic_held')[0].reason, 'stopped');
  assert.equal(exit.code, 0);
});

test('an unreadable MOLT_HOLDING_PAGE stops the start with exit 78 naming the variable', async (t) => {
  const { m, dir } = await molt(t, { MOLT_HOLDING_PAGE: '/nonexistent/holding.html' });
  const exit = await m.exited;
  assert.equal(exit.code, 78);
  assert.match(m.stderr, /MOLT_HOLDING_PAGE=\/nonexistent\/holding\.html: cannot read the file \(ENOENT\)/);
  assert.ok(dir);
});

test('a readable MOLT_HOLDING_PAGE is what held requests get', async (t) => {
  const dir = await tempDir(t);
  const page = join(dir, 'page.html');
  await writeFile(page, '<html><body>custom {{seconds}}</body></html>');
  const { m, port } = await molt(t, { MOLT_HOLDING_PAGE: page, START_DELAY_MS: '2000' });
  await m.waitFor('traffic_listening');
  const r = await get(port);
  assert.equal(r.status, 503);
  assert.equal(r.body, '<html><body>custom 30</body></html>');
});
