import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startMolt, eventually, type MoltProcess } from '../helpers/molt-process.js';
import { tempDir } from '../helpers/tmp.js';
import { createUpdateFixture, type UpdateFixture } from '../update/fixture.js';
import { startLoad, type LoadResult } from './load.js';

// Load tests against the real update engine (src/update/engine.ts) through the real `molt run` CLI.

const versionOf = (body: string) => /"version":"([^"]+)"/.exec(body)?.[1] ?? null;
const at = (r: Record<string, unknown>) => Date.parse(String(r.time));

async function running(t: { after(fn: () => unknown): void }): Promise<{ f: UpdateFixture; m: MoltProcess }> {
  let m: MoltProcess | undefined;
  t.after(() => m?.stop()); // registered before the temp dir, so molt stops before its files are removed
  const f = await createUpdateFixture(await tempDir(t));
  m = startMolt(['run'], f.env);
  await m.waitFor('traffic_released', 30_000);
  return { f, m: m! };
}

function classify(r: LoadResult) {
  const byVersion = new Map<string, number[]>();
  const other: unknown[] = [];
  let holding = 0;
  for (const x of r.responses) {
    const v = x.status === 200 ? versionOf(x.body) : null;
    if (v) byVersion.set(v, [...(byVersion.get(v) ?? []), x.time]);
    else if (x.holding) holding++;
    else other.push(x);
  }
  return { byVersion, other, holding };
}

test('a bounded load during an update: 0 connection errors, only v1, v2 or the holding page, and no v2 answer before its gate passed', async (t) => {
  const { f, m } = await running(t);
  await f.release({ version: 'v2' });
  const load = startLoad(f.port, { concurrency: 6, maxRequests: 30_000, maxMs: 60_000, path: '/version' });
  await eventually(() => load.result.responses.length > 50, 10_000, 'load warm-up');
  const trigger = await fetch(`http://127.0.0.1:${f.port}/request-update`);
  assert.equal(trigger.status, 202);
  const succeeded = await m.waitFor('update_succeeded', 60_000);
  const n = load.result.responses.length;
  await eventually(() => load.result.responses.length > n + 50, 10_000, 'responses after the update');
  const r = await load.stop();
  assert.deepEqual(r.errors, [], 'no refused or reset connections');
  const { byVersion, other, holding } = classify(r);
  assert.deepEqual(other, [], 'every response is an app version or the holding page');
  assert.ok(holding > 0, 'the update window was covered by the holding page');
  const released = m.records.filter((x) => x.event === 'traffic_released');
  const gateOpen = at(released[released.length - 1]);
  const v1 = byVersion.get('v1') ?? [];
  const v2 = byVersion.get('v2') ?? [];
  assert.ok(v1.length > 0 && v2.length > 0);
  assert.ok(Math.min(...v2) >= gateOpen - 5, 'no v2 response before the release after its health gate'); // pino time has ms resolution
  assert.ok(Math.max(...v1) <= Math.min(...v2), 'v1 and v2 never interleave');
  const held = m.records.find((x) => x.event === 'traffic_held' && x.reason === 'update');
  assert.ok(held, 'the engine held the port for the update');
  assert.equal(succeeded.event, 'update_succeeded');
});

test('a bounded load during an update that rolls back: 0 connection errors, the failing release never gets a request', async (t) => {
  const { f, m } = await running(t);
  await f.release({ version: 'v2', health: 'never' });
  const load = startLoad(f.port, { concurrency: 6, maxRequests: 30_000, maxMs: 90_000, path: '/version' });
  await eventually(() => load.result.responses.length > 50, 10_000, 'load warm-up');
  await fetch(`http://127.0.0.1:${f.port}/request-update`);
  await m.waitFor('update_rolled_back', 80_000);
  await eventually(() => m.records.filter((x) => x.event === 'traffic_released').length >= 2, 20_000, 'traffic back on v1');
  const n = load.result.responses.length;
  await eventually(() => load.result.responses.length > n + 50, 10_000, 'responses after the rollback');
  const r = await load.stop();
  assert.deepEqual(r.errors, []);
  const { byVersion, other, holding } = classify(r);
  assert.deepEqual(other, []);
  assert.ok(holding > 0);
  assert.deepEqual([...byVersion.keys()], ['v1'], 'v2 (never healthy) answered no request');
});
