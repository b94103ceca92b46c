import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { Writable } from 'node:stream';
import { TrafficFront } from '../../src/traffic/front.js';
import type { RequestSample } from '../../src/traffic/api.js';
import { createLogger } from '../../src/core/logger.js';
import { freePort } from '../helpers/molt-process.js';
import { startApp, stopApp } from './app-process.js';

const records: Record<string, unknown>[] = [];
const logger = createLogger({ level: 'debug', destination: new Writable({ write: (c, _e, cb) => (records.push(JSON.parse(String(c))), cb()) }) });

type Res = { status: number; body: string; headers: Record<string, string | string[] | undefined> };
function call(port: number, path: string, opts: { method?: string; body?: string; agent?: Agent; headers?: Record<string, string> } = {}): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', agent: opts.agent, headers: opts.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

async function setup(t: { after(fn: () => unknown): void }, mechanism: 'splice' | 'http') {
  const appPort = await freePort();
  const front = new TrafficFront({ port: 0, host: '127.0.0.1', appPort, logger, mechanism });
  assert.equal(front.mechanism, mechanism);
  await front.listen();
  t.after(() => front.close());
  return { front, appPort, port: front.address() };
}

for (const mechanism of ['splice', 'http'] as const) {
  test(`${mechanism}: after release, requests reach the app and every response yields one exact observe() sample`, async (t) => {
    const { front, appPort, port } = await setup(t, mechanism);
    await startApp(t, appPort, { APP_VERSION: 'v1' });
    const samples: RequestSample[] = [];
    const off = front.observe((s) => samples.push(s));
    front.release();
    const ok = await call(port, '/');
    const err = await call(port, '/status?code=500');
    const missing = await call(port, '/status?code=404');
    const slow = await call(port, '/slow?ms=300');
    off();
    await call(port, '/');
    assert.equal(ok.body, 'app v1');
    assert.equal(ok.headers['x-app-version'], 'v1');
    assert.deepEqual([err.status, missing.status, slow.status], [500, 404, 200]);
    assert.deepEqual(samples.map((s) => s.status), [200, 500, 404, 200], 'one sample per response, none after unsubscribe');
    assert.ok(samples[3].durationMs >= 250, `slow request measured ${samples[3].durationMs}ms`);
    for (const s of samples) assert.ok(Math.abs(s.time - Date.now()) < 60_000 && s.durationMs >= 0);
  });

  test(`${mechanism}: request bodies and methods are forwarded (X-Forwarded-For added by the HTTP proxy, passed through by the splice)`, async (t) => {
    const { front, appPort, port } = await setup(t, mechanism);
    await startApp(t, appPort);
    front.release();
    const r = await call(port, '/echo', { method: 'POST', body: 'hello=1', headers: { 'content-type': 'text/plain', 'x-forwarded-for': '10.0.0.7' } });
    assert.equal(r.body, `echo v1 POST hello=1 fwd=${mechanism === 'http' ? '10.0.0.7, 127.0.0.1' : '10.0.0.7'}`);
  });

  test(`${mechanism}: when the app refuses the connection the client gets the holding page and the sample says status 0`, async (t) => {
    const { front, port } = await setup(t, mechanism);
    const samples: RequestSample[] = [];
    front.observe((s) => samples.push(s));
    front.release(); // nothing listens on the app port
    const r = await call(port, '/', { headers: { accept: 'application/json' } });
    assert.equal(r.status, 503);
    assert.deepEqual(JSON.parse(r.body), { status: 'updating', retryAfter: 30 });
    assert.deepEqual(samples.map((s) => s.status), [0]);
  });

  test(`${mechanism}: hold lets an in-flight request finish at the app while new requests get the holding page; drain waits for it`, async (t) => {
    const { front, appPort, port } = await setup(t, mechanism);
    await startApp(t, appPort);
    front.release();
    const order: string[] = [];
    front.observe((s) => order.push(`answered ${s.status}`));
    const slow = call(port, '/slow?ms=600');
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(front.requestsInFlight, 1);
    front.hold({ reason: 'update', targetSha: 'deadbeef' });
    const during = await call(port, '/');
    await front.drain(10_000).then(() => order.push('drained'));
    const slowRes = await slow;
    assert.equal(during.status, 503);
    assert.match(during.body, /Updating to deadbee/);
    assert.equal(slowRes.body, 'slow v1');
    assert.deepEqual(order, ['answered 200', 'drained'], 'drain resolves only after the app answered');
    assert.equal(front.requestsInFlight, 0);
    const held = records.find((r) => r.event === 'traffic_held' && r.targetSha === 'deadbeef');
    assert.equal(held?.inFlight, 1);
  });

  test(`${mechanism}: drain gives up after its timeout and reports the requests still in flight`, async (t) => {
    const { front, appPort, port } = await setup(t, mechanism);
    await startApp(t, appPort);
    front.release();
    const slow = call(port, '/slow?ms=1500');
    await new Promise((r) => setTimeout(r, 150));
    front.hold({ reason: 'update' });
    await front.drain(100);
    assert.equal(front.requestsInFlight, 1);
    assert.ok(records.some((r) => r.event === 'traffic_drain_timeout' && r.inFlight === 1));
    assert.equal((await slow).status, 200);
  });

  test(`${mechanism}: a keep-alive client connection talks to the new app after a release, never to the stopped one`, async (t) => {
    const { front, appPort, port } = await setup(t, mechanism);
    const v1 = await startApp(t, appPort, { APP_VERSION: 'v1' });
    front.release();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    t.after(() => agent.destroy());
    const first = await call(port, '/', { agent });
    front.hold({ reason: 'update', targetSha: 'abcdef1' });
    await front.drain(5000);
    await stopApp(v1);
    const held = await call(port, '/', { agent });
    await startApp(t, appPort, { APP_VERSION: 'v2' });
    front.release();
    const after = await call(port, '/', { agent });
    assert.deepEqual([first.body, held.status, after.body], ['app v1', 503, 'app v2']);
    const released = records.filter((r) => r.event === 'traffic_released');
    assert.ok(released.some((r) => r.reason === 'update' && typeof r.heldMs === 'number'));
  });
}

test('the public port being taken is a config error naming MOLT_PORT', async (t) => {
  const { port } = await setup(t, 'splice');
  const other = new TrafficFront({ port, host: '127.0.0.1', appPort: 1, logger });
  await assert.rejects(other.listen(), (e: Error & { code?: string }) => e.code === 'MOLT_E_CONFIG' && /MOLT_PORT=\d+: cannot listen \(EADDRINUSE\)/.test(e.message));
});
