import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { connect } from 'node:net';
import { eventually } from '../helpers/molt-process.js';
import { handoffHarness, get } from './handoff-harness.js';
import { parseSamples } from '../../src/traffic/handoff.js';

const released = (r: Record<string, unknown>[]) => r.some((x) => x.event === 'traffic_released');
const handoffReady = (r: Record<string, unknown>[]) => r.some((x) => x.event === 'traffic_handoff_ready');

test('in handoff mode an SDK app gets the client connection itself (its local port is the public port)', async (t) => {
  const h = await handoffHarness(t, 'handoff');
  await eventually(() => released(h.records) && handoffReady(h.records), 15_000, 'released with hand-off');
  const answers = await Promise.all(Array.from({ length: 5 }, () => get(h.port)));
  for (const a of answers) {
    assert.equal(a.status, 200);
    assert.equal(a.body, 'app v1');
    assert.equal(a.localPort, h.port, 'the app served the accepted connection directly');
  }
});

test('requests served on handed-off connections reach observe() as samples, so a release answering 500 is seen', async (t) => {
  const h = await handoffHarness(t, 'handoff', { STATUS: '500' });
  await eventually(() => released(h.records) && handoffReady(h.records), 15_000, 'released with hand-off');
  const agent = new Agent({ keepAlive: true, maxSockets: 2 });
  t.after(() => agent.destroy());
  for (let i = 0; i < 30; i++) {
    const a = await get(h.port, '/', agent);
    assert.equal(a.status, 500);
    assert.equal(a.localPort, h.port);
  }
  // the app counts answers per (status, latency bin) and sends the counts: every request counted once, none twice
  const counted = () => h.samples.filter((s) => s.status === 500).reduce((n, s) => n + (s.count ?? 1), 0);
  await eventually(() => counted() >= 30, 5000, '30 status-500 answers counted');
  await new Promise((r) => setTimeout(r, 400)); // one more flush interval: nothing arrives twice
  assert.equal(counted(), 30, 'each request counted exactly once');
  for (const s of h.samples.filter((x) => x.status === 500)) assert.ok(s.durationMs >= 0 && s.time > 0 && Number.isInteger(s.count ?? 1));
});

test('an app that never announces hand-off is spliced as before, and the front samples its answers', async (t) => {
  const h = await handoffHarness(t, 'handoff', { HANDOFF: '0' });
  await eventually(() => released(h.records), 15_000, 'released');
  const a = await get(h.port);
  assert.equal(a.status, 200);
  assert.equal(a.localPort, h.appPort, 'the connection was spliced to the internal port');
  assert.ok(!handoffReady(h.records));
  await eventually(() => h.samples.some((s) => s.status === 200), 5000, 'a splice sample');
});

test('splice mode ignores the app\'s hand-off announcement', async (t) => {
  const h = await handoffHarness(t, 'splice');
  await eventually(() => released(h.records), 15_000, 'released');
  await new Promise((r) => setTimeout(r, 200));
  const a = await get(h.port);
  assert.equal(a.localPort, h.appPort);
  assert.ok(!handoffReady(h.records));
});

test('hold and release reach the running app over IPC: its maintenance plugin switches on and off', async (t) => {
  const h = await handoffHarness(t, 'handoff');
  await eventually(() => released(h.records) && handoffReady(h.records), 15_000, 'released with hand-off');
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  t.after(() => agent.destroy());
  const before = await get(h.port, '/', agent);
  assert.equal(before.localPort, h.port);
  h.front.hold({ reason: 'update', targetSha: 'abc1234def' });
  await eventually(() => h.appLines.includes('maintenance active=true'), 5000, 'the app reports maintenance on');
  // the kept-alive connection belongs to the app: its plugin answers the holding page and closes the connection
  const during = await get(h.port, '/', agent, { accept: 'application/json' });
  assert.equal(during.status, 503);
  assert.deepEqual(JSON.parse(during.body).status, 'updating');
  assert.equal(during.headers.connection, 'close');
  const fresh = await get(h.port);
  assert.equal(fresh.status, 503, 'a new connection gets molt\'s holding page');
  assert.equal(fresh.localPort, 0, 'answered by molt, not the app');
  h.front.release();
  await eventually(() => h.appLines.includes('maintenance active=false'), 5000, 'the app reports maintenance off');
  const after = await get(h.port);
  assert.equal(after.status, 200);
});

test('a samples batch from the app is validated: malformed entries reject the whole batch', () => {
  assert.deepEqual(parseSamples({ samples: [{ time: 1, status: 200, durationMs: 2 }] }), [{ time: 1, status: 200, durationMs: 2 }]);
  assert.equal(parseSamples({ samples: [{ time: 1, status: 'x', durationMs: 2 }] }), null);
  assert.equal(parseSamples({ samples: [{ time: 1, status: 200, durationMs: -1 }] }), null);
  assert.equal(parseSamples({ samples: 'nope' }), null);
  assert.equal(parseSamples({ samples: Array.from({ length: 1001 }, () => ({ time: 1, status: 200, durationMs: 1 })) }), null);
});

/** One raw GET on a fresh connection that stays open: what arrived, and how the connection ended (≤ 5 s). */
function rawKeepAlive(t: { after(fn: () => unknown): void }, port: number): { data: () => string; outcome: Promise<string> } {
  const socket = connect(port, '127.0.0.1');
  t.after(() => socket.destroy());
  let data = '';
  socket.on('data', (d) => (data += d));
  const outcome = new Promise<string>((resolve) => {
    socket.once('end', () => resolve('end'));
    socket.once('error', (e: NodeJS.ErrnoException) => resolve(`error ${e.code}`));
    setTimeout(() => resolve('still open after 5 s'), 5000).unref();
  });
  socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  return { data: () => data, outcome };
}

test('an app on the first hand-off protocol (no close reports) owns its connections alone: when it drops one, the client sees the close', async (t) => {
  const h = await handoffHarness(t, 'handoff', {}, 'handoff-v1-app.mjs');
  await eventually(() => released(h.records) && handoffReady(h.records), 15_000, 'released with hand-off');
  const c = rawKeepAlive(t, h.port);
  const outcome = await c.outcome;
  assert.equal(Number(/x-local-port: (\d+)/i.exec(c.data())?.[1]), h.port, 'handed off');
  assert.equal(outcome, 'end', 'the app closed the idle connection after its keep-alive timeout and molt kept no copy');
  assert.equal(h.link.handedOpen, 0);
});

test('while the app serves, a connection it drops between requests is closed for the client too (molt lets its copy go)', async (t) => {
  const h = await handoffHarness(t, 'handoff', { KEEPALIVE_MS: '300' });
  await eventually(() => released(h.records) && handoffReady(h.records), 15_000, 'released with hand-off');
  const c = rawKeepAlive(t, h.port);
  await eventually(() => h.link.handedOpen === 1 || undefined, 5000, 'molt holds a copy while the app owns it');
  const outcome = await c.outcome;
  assert.match(c.data(), /^HTTP\/1.1 200/);
  assert.equal(outcome, 'end', 'closed after the app\'s keep-alive timeout, not held open by molt');
  await eventually(() => h.link.handedOpen === 0 || undefined, 5000, 'molt dropped its copy');
});
