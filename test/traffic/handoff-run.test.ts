import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Agent } from 'node:http';
import { connect } from 'node:net';
import { startMolt, freePort, eventually, type MoltProcess } from '../helpers/molt-process.js';
import { tempDir } from '../helpers/tmp.js';
import { fixture } from '../helpers/paths.js';
import { startLoad } from './load.js';
import { get } from './handoff-harness.js';

// Real `molt run` with MOLT_TRAFFIC_MODE=handoff around the SDK fixture app.
async function molt(t: { after(fn: () => unknown): void }, env: Record<string, string> = {}): Promise<{ m: MoltProcess; port: number; appPort: number }> {
  let m: MoltProcess | undefined;
  t.after(() => m?.stop());
  const dir = await tempDir(t);
  const port = await freePort();
  const appPort = await freePort();
  m = startMolt(['run', '--', process.execPath, fixture('traffic-handoff-app.mjs')], {
    MOLT_PORT: String(port), MOLT_APP_PORT: String(appPort), MOLT_ADMIN_PORT: '0', MOLT_DATA_DIR: join(dir, 'data'), MOLT_APP_DIR: dir, MOLT_TINI: 'off',
    MOLT_TRAFFIC_MODE: 'handoff', MOLT_BACKOFF_INITIAL: '600ms', MOLT_HEALTH_INTERVAL: '50ms', MOLT_HEALTH_SUCCESSES: '2', MOLT_STOP_TIMEOUT: '5s', ...env,
  });
  await m.waitFor('traffic_listening');
  return { m, port, appPort };
}

test('molt run in handoff mode: the app serves handed-off connections and reports the maintenance switch during a SIGTERM drain', async (t) => {
  const { m, port } = await molt(t);
  await m.waitFor('traffic_released', 20_000);
  await m.waitFor('traffic_handoff_ready');
  const first = await get(port);
  assert.equal(first.localPort, port, 'handed off');
  const slow = get(port, '/slow?ms=1500');
  await new Promise((r) => setTimeout(r, 200));
  m.kill('SIGTERM');
  await m.waitFor('traffic_held');
  await eventually(() => m.appLines.includes('maintenance active=true'), 5000, 'the app reports maintenance on');
  const during = await get(port);
  assert.equal(during.status, 503, 'molt answers new connections while held');
  const slowRes = await slow;
  assert.equal(slowRes.body, 'slow v1', 'the in-flight request on a handed-off connection finished');
  const exit = await m.exited;
  assert.equal(exit.code, 0);
});

// molt keeps its copy of every handed-off connection, so a crash does not take them with the app: the app's exit
// hook reports which were idle (served on by molt) and which had a request waiting (molt answers the holding page).
test('molt run in handoff mode: a crash costs no connection — idle ones are served on, waiting requests get the holding page, the new app takes connections again', async (t) => {
  const { m, port } = await molt(t);
  await m.waitFor('traffic_released', 20_000);
  await m.waitFor('traffic_handoff_ready');
  const load = startLoad(port, { concurrency: 6, maxRequests: 20_000, maxMs: 25_000 });
  await eventually(() => load.result.responses.length > 50, 10_000, 'load warm-up');
  const slow = get(port, '/slow?ms=3000'); // in flight on a handed-off connection when the app crashes
  await new Promise((r) => setTimeout(r, 100));
  await get(port, '/crash');
  await m.waitFor('app_exited');
  await m.waitForCount('traffic_released', 2, 20_000);
  await m.waitForCount('traffic_handoff_ready', 2, 20_000);
  const countAfter = load.result.responses.length;
  await eventually(() => load.result.responses.length > countAfter + 50, 10_000, 'responses after the restart');
  const r = await load.stop();
  const foreign = r.responses.filter((x) => !(x.status === 200 && x.version === 'v1') && !x.holding);
  assert.deepEqual(foreign, [], 'every response is the app or the holding page');
  assert.ok(r.responses.some((x) => x.holding), 'the restart window was covered by the holding page');
  assert.deepEqual(r.errors, [], 'no refused, reset or timed-out connection');
  const waited = await slow;
  assert.equal(waited.status, 503, 'the request the app never answered got the holding page');
  assert.equal(waited.headers.connection, 'close');
  assert.ok(m.records.some((x) => x.event === 'app_exited' && x.exitCode === 1), 'it was a crash');
  const after = await get(port);
  assert.equal(after.localPort, port, 'the restarted app takes connections directly again');
});

test('molt run in handoff mode: an idle keep-alive connection outlives a crash of the app that owned it and reaches the restarted app', async (t) => {
  const { m, port, appPort } = await molt(t);
  await m.waitFor('traffic_released', 20_000);
  await m.waitFor('traffic_handoff_ready');
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  t.after(() => agent.destroy());
  const first = await get(port, '/', agent);
  assert.equal(first.localPort, port, 'handed off to the first app');
  await get(port, '/crash');
  await m.waitFor('app_exited');
  await m.waitForCount('traffic_released', 2, 20_000);
  const next = await get(port, '/', agent);
  assert.equal(next.reused, true, 'the same client connection');
  assert.equal(next.status, 200);
  assert.equal(next.localPort, appPort, 'molt served it on (spliced to the restarted app)');
});

test('molt run in handoff mode: an upgraded (WebSocket-like) connection is never served on as HTTP after a crash: it ends with the app', async (t) => {
  const { m, port } = await molt(t);
  await m.waitFor('traffic_released', 20_000);
  await m.waitFor('traffic_handoff_ready');
  const socket = connect(port, '127.0.0.1');
  t.after(() => socket.destroy());
  let data = '';
  socket.on('data', (d) => (data += d));
  const ended = new Promise<string>((resolve) => {
    socket.once('close', () => resolve('closed'));
    socket.once('error', () => undefined);
  });
  socket.write('GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n');
  await eventually(() => data.includes('101 Switching Protocols') || undefined, 5000, 'upgraded');
  socket.write('ping');
  await eventually(() => data.endsWith('ping') || undefined, 5000, 'echo works');
  await get(port, '/crash');
  await m.waitFor('app_exited');
  await new Promise((r) => setTimeout(r, 1500)); // past molt's wait for the exit report
  const before = data.length;
  if (!socket.destroyed) socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  const outcome = await Promise.race([ended, new Promise<string>((r) => setTimeout(() => r('open'), 3000))]);
  assert.equal(outcome, 'closed', 'the upgraded connection ended with the app that owned it');
  assert.equal(data.slice(before), '', 'molt never answered HTTP on it');
});

test('molt run in handoff mode: an app killed with SIGKILL cannot report, so only the connections it owned are reset and nothing hangs', async (t) => {
  const { m, port } = await molt(t);
  await m.waitFor('traffic_released', 20_000);
  await m.waitFor('traffic_handoff_ready');
  const load = startLoad(port, { concurrency: 4, maxRequests: 20_000, maxMs: 25_000 });
  await eventually(() => load.result.responses.length > 50, 10_000, 'load warm-up');
  const state = JSON.parse((await get(port, '/admin/state')).body) as { pid: number };
  process.kill(state.pid, 'SIGKILL');
  await m.waitFor('app_exited');
  await m.waitForCount('traffic_released', 2, 20_000);
  const countAfter = load.result.responses.length;
  await eventually(() => load.result.responses.length > countAfter + 50, 10_000, 'responses after the restart');
  const r = await load.stop();
  assert.deepEqual(r.errors.filter((e) => e.code !== 'ECONNRESET'), [], 'no timeouts (nothing hangs), only resets');
  assert.ok(r.errors.length <= 8, `resets are bounded by the connections the app owned (saw ${r.errors.length})`);
  assert.deepEqual(r.responses.filter((x) => !(x.status === 200 && x.version === 'v1') && !x.holding), [], 'only the app or the holding page');
});
