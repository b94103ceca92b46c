import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Socket } from 'node:net';
import { HandedConns, parseClosed, parseExitReport, type ConnFront } from '../../src/traffic/handoff-conns.js';
import { parseSamples } from '../../src/traffic/handoff.js';
import { HandoffStats, MAX_KEYS } from '../../src/sdk/handoff-stats.js';
import { binOf } from '../../src/probation/latency-histogram.js';

/** A real TCP connection: `server` is the accepted side (what molt keeps a copy of), `client` the peer. */
async function pair(t: { after(fn: () => unknown): void }): Promise<{ server: Socket; client: Socket; outcome: Promise<string> }> {
  const srv = createServer({ pauseOnConnect: true });
  t.after(() => srv.close());
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const accepted = new Promise<Socket>((r) => srv.once('connection', r));
  const client = connect((srv.address() as { port: number }).port, '127.0.0.1');
  t.after(() => client.destroy());
  const server = await accepted;
  let data = '';
  client.on('data', (d) => (data += d));
  const outcome = new Promise<string>((resolve) => {
    client.once('error', (e: NodeJS.ErrnoException) => resolve(`error ${e.code}`));
    client.once('end', () => resolve(`end ${data}`));
  });
  return { server, client, outcome };
}

function recordingFront(held = false): ConnFront & { adopted: Socket[]; answered: Array<{ socket: Socket; head: boolean }> } {
  const adopted: Socket[] = [];
  const answered: Array<{ socket: Socket; head: boolean }> = [];
  return {
    adopted,
    answered,
    held,
    adopt: (s) => void adopted.push(s),
    answerWaiting: (socket, req) => {
      answered.push({ socket, head: req.head });
      socket.end('HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    },
  };
}

test('a connection the app ended is closed here too, one it aborted is reset, one it dropped idle while serving is closed', async (t) => {
  const front = recordingFront();
  const conns = new HandedConns(() => front);
  const ended = await pair(t);
  const aborted = await pair(t);
  const idle = await pair(t);
  const ids = [conns.add(ended.server, 7), conns.add(aborted.server, 7), conns.add(idle.server, 7)];
  conns.closed(7, [[ids[0], 'ended'], [ids[1], 'aborted'], [ids[2], 'idle']]);
  assert.equal(await ended.outcome, 'end ');
  assert.equal(await aborted.outcome, 'error ECONNRESET');
  assert.equal(await idle.outcome, 'end ');
  assert.equal(front.adopted.length, 0, 'nothing is served on while the app serves');
  assert.equal(conns.size, 0);
});

test('idle connections the app drops while stopping (or while held) are served on by the front', async (t) => {
  const front = recordingFront();
  const conns = new HandedConns(() => front);
  const a = await pair(t);
  const id = conns.add(a.server, 9);
  conns.markStopping(9);
  conns.closed(9, [[id, 'idle']]);
  assert.deepEqual(front.adopted, [a.server]);
  const heldFront = recordingFront(true);
  const conns2 = new HandedConns(() => heldFront);
  const b = await pair(t);
  conns2.closed(3, [[conns2.add(b.server, 3), 'idle']]);
  assert.deepEqual(heldFront.adopted, [b.server]);
});

test('when the app is gone its exit report decides: idle → served on, waiting → holding page, unlisted → reset', async (t) => {
  const front = recordingFront();
  const conns = new HandedConns(() => front);
  const idle = await pair(t);
  const waiting = await pair(t);
  const unknown = await pair(t);
  const other = await pair(t);
  const [i1, i2] = [conns.add(idle.server, 5), conns.add(waiting.server, 5)];
  conns.add(unknown.server, 5);
  conns.add(other.server, 6);
  conns.report(5, { idle: [i1], waiting: [{ id: i2, head: true }] });
  conns.gone(5);
  assert.deepEqual(front.adopted, [idle.server]);
  assert.equal(front.answered.length, 1);
  assert.equal(front.answered[0].head, true);
  assert.match(await waiting.outcome, /^end HTTP\/1.1 503/);
  assert.equal(await unknown.outcome, 'error ECONNRESET');
  assert.equal(conns.size, 1, "another app's connection is untouched");
  conns.closed(5, [[i1, 'aborted']]); // a late report about a settled connection changes nothing
  assert.equal(idle.server.destroyed, false);
});

test('without an exit report (SIGKILL) every connection of that app is reset, never left hanging', async (t) => {
  const conns = new HandedConns(() => recordingFront());
  const a = await pair(t);
  conns.add(a.server, 11);
  conns.gone(11);
  assert.equal(await a.outcome, 'error ECONNRESET');
});

test('connection reports from the app are validated before use', () => {
  assert.deepEqual(parseClosed({ conns: [[1, 'ended'], [2, 'idle'], [3, 'aborted']] }), [[1, 'ended'], [2, 'idle'], [3, 'aborted']]);
  assert.equal(parseClosed({ conns: [[1, 'gone']] }), null);
  assert.equal(parseClosed({ conns: [['1', 'ended']] }), null);
  assert.equal(parseClosed({ conns: 'x' }), null);
  assert.deepEqual(parseExitReport({ idle: [1], waiting: [{ id: 2, head: false, accept: 'text/html' }] }), { idle: [1], waiting: [{ id: 2, head: false, accept: 'text/html', acceptLanguage: undefined }] });
  assert.equal(parseExitReport({ idle: ['1'], waiting: [] }), null);
  assert.equal(parseExitReport({ idle: [], waiting: [{ head: true }] }), null);
  assert.equal(parseExitReport({ idle: [] }), null);
  assert.equal(parseExitReport({ idle: [], waiting: [{ id: 1, accept: 'x'.repeat(5000) }] })?.waiting[0].accept, undefined, 'oversized header dropped');
});

test('aggregated samples carry a positive integer count; anything else rejects the batch', () => {
  assert.deepEqual(parseSamples({ samples: [{ time: 1, status: 200, durationMs: 2, count: 40 }] }), [{ time: 1, status: 200, durationMs: 2, count: 40 }]);
  assert.deepEqual(parseSamples({ samples: [{ time: 1, status: 200, durationMs: 2, count: 1 }] }), [{ time: 1, status: 200, durationMs: 2 }]);
  for (const count of [0, -1, 1.5, '3', 1e9]) assert.equal(parseSamples({ samples: [{ time: 1, status: 200, durationMs: 2, count }] }), null, `count ${count}`);
});

test('the app-side counter keeps one entry per (status, latency bin) and asks for a flush when a batch is full', () => {
  const s = new HandoffStats();
  assert.equal(s.empty, true);
  for (let i = 0; i < 100; i++) s.record(200, 1.5);
  s.record(200, 1.52); // same bin
  s.record(500, 80);
  const out = s.drain(1234);
  assert.equal(s.empty, true);
  const ok = out.find((x) => x.status === 200)!;
  assert.equal(ok.count, 101);
  assert.equal(binOf(ok.durationMs), binOf(1.5), 'the reported value falls in the same bin molt uses');
  assert.deepEqual(out.find((x) => x.status === 500)!.count, 1);
  assert.ok(out.every((x) => x.time === 1234));
  let full = false;
  for (let status = 100; status < 100 + MAX_KEYS && !full; status++) full = s.record(status, 1);
  assert.equal(full, true);
});
