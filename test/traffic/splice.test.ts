import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { TrafficFront } from '../../src/traffic/front.js';
import type { RequestSample } from '../../src/traffic/api.js';
import { createLogger } from '../../src/core/logger.js';
import { freePort } from '../helpers/molt-process.js';
import { startApp } from './app-process.js';

const logger = createLogger({ level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });

/** Writes raw bytes on one connection and collects everything until the server closes or `until` matches. */
function raw(port: number, data: string, until: (text: string) => boolean, timeoutMs = 10_000): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port });
    let text = '';
    const timer = setTimeout(() => (s.destroy(), reject(new Error(`no complete answer within ${timeoutMs}ms; got: ${text}`))), timeoutMs);
    s.on('data', (c) => {
      text += c.toString();
      if (until(text)) (clearTimeout(timer), s.destroy(), resolve({ text, closed: false }));
    });
    s.on('close', () => (clearTimeout(timer), resolve({ text, closed: true })));
    s.on('error', reject);
    s.write(data);
  });
}

async function spliced(t: { after(fn: () => unknown): void }) {
  const appPort = await freePort();
  const front = new TrafficFront({ port: 0, host: '127.0.0.1', appPort, logger, mechanism: 'splice' });
  await front.listen();
  t.after(() => front.close());
  await startApp(t, appPort);
  const samples: RequestSample[] = [];
  front.observe((s) => samples.push(s));
  front.release();
  return { front, port: front.address(), samples };
}

test('pipelined GET, HEAD and chunked answers on one connection are framed right: one sample each, in order', async (t) => {
  const { port, samples } = await spliced(t);
  const req = ['GET /status?code=201 HTTP/1.1', 'HEAD / HTTP/1.1', 'GET /chunked HTTP/1.1', 'GET /status?code=503 HTTP/1.1'].map((l) => `${l}\r\nHost: x\r\n\r\n`).join('');
  const r = await raw(port, req, (text) => (text.match(/HTTP\/1\.1 /g) ?? []).length === 4 && text.endsWith('0\r\n\r\n'));
  assert.deepEqual(r.text.match(/HTTP\/1\.1 (\d+)/g), ['HTTP/1.1 201', 'HTTP/1.1 200', 'HTTP/1.1 200', 'HTTP/1.1 503']);
  assert.match(r.text, /part1 .*part2/s);
  assert.deepEqual(samples.map((s) => s.status), [201, 200, 200, 503]);
});

test('an app that dies before answering: the client gets the holding page, not a reset, and the sample says 0', async (t) => {
  const { port, samples } = await spliced(t);
  const r = await raw(port, 'GET /die HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\n\r\n', () => false);
  assert.equal(r.closed, true);
  assert.match(r.text, /^HTTP\/1\.1 503 Service Unavailable\r\n/);
  assert.match(r.text, /retry-after: 30\r\n/);
  assert.match(r.text, /\{"status":"updating","retryAfter":30\}$/);
  assert.deepEqual(samples.map((s) => s.status), [0]);
});

test('a request split across TCP segments while held still gets the negotiated holding page', async (t) => {
  const appPort = await freePort();
  const front = new TrafficFront({ port: 0, host: '127.0.0.1', appPort, logger, mechanism: 'splice', initial: { reason: 'update', targetSha: 'abcdef12' } });
  await front.listen();
  t.after(() => front.close());
  const text = await new Promise<string>((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port: front.address() });
    let got = '';
    s.on('data', (c) => (got += c.toString()));
    s.on('close', () => resolve(got));
    s.on('error', reject);
    s.write('GET / HTTP/1.1\r\nHost: x\r\nAccept-Lang');
    setTimeout(() => s.write('uage: zh-CN\r\n\r\n'), 100);
  });
  assert.match(text, /^HTTP\/1\.1 503/);
  assert.match(text, /正在更新到 abcdef1/);
  assert.equal(front.requestsInFlight, 0);
});
