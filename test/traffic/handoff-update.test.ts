import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { startMolt, eventually, type MoltProcess } from '../helpers/molt-process.js';
import { tempDir } from '../helpers/tmp.js';
import { fixture } from '../helpers/paths.js';
import { createUpdateFixture, type UpdateFixture, type ReleaseSpec } from '../update/fixture.js';
import { startLoad } from './load.js';

// The real update engine through `molt run` with MOLT_TRAFFIC_MODE=handoff and an SDK release (listen() + ready()).

const versionOf = (body: string) => /"version":"([^"]+)"/.exec(body)?.[1] ?? null;
const at = (r: Record<string, unknown>) => Date.parse(String(r.time));

async function sdkRelease(spec: ReleaseSpec): Promise<ReleaseSpec> {
  return { ...spec, extra: { 'server.mjs': await readFile(fixture('traffic-handoff-release.mjs'), 'utf8'), ...(spec.extra ?? {}) } };
}

async function running(t: { after(fn: () => unknown): void }): Promise<{ f: UpdateFixture; m: MoltProcess }> {
  let m: MoltProcess | undefined;
  t.after(() => m?.stop());
  const f = await createUpdateFixture(await tempDir(t), await sdkRelease({ version: 'v1' }), { MOLT_TRAFFIC_MODE: 'handoff' });
  m = startMolt(['run'], f.env);
  await m.waitFor('traffic_released', 30_000);
  await m.waitFor('traffic_handoff_ready', 10_000);
  return { f, m: m! };
}

test('handoff mode, an update requested by the app: 0 connection errors, only v1, v2 or the holding page, no v2 before its gate', async (t) => {
  const { f, m } = await running(t);
  await f.release(await sdkRelease({ version: 'v2' }));
  const load = startLoad(f.port, { concurrency: 6, maxRequests: 30_000, maxMs: 60_000, path: '/version' });
  await eventually(() => load.result.responses.length > 50, 10_000, 'load warm-up');
  const trigger = await fetch(`http://127.0.0.1:${f.port}/request-update`);
  assert.equal(trigger.status, 202);
  await m.waitFor('update_succeeded', 60_000);
  await eventually(() => m.events('traffic_handoff_ready').length >= 2, 10_000, 'v2 takes connections');
  const n = load.result.responses.length;
  await eventually(() => load.result.responses.length > n + 50, 10_000, 'responses after the update');
  const r = await load.stop();
  assert.deepEqual(r.errors, [], 'no refused or reset connections');
  const v1: number[] = [];
  const v2: number[] = [];
  const other = r.responses.filter((x) => {
    const v = x.status === 200 ? versionOf(x.body) : null;
    if (v === 'v1') v1.push(x.time);
    else if (v === 'v2') v2.push(x.time);
    return !v && !x.holding;
  });
  assert.deepEqual(other, [], 'every response is an app version or the holding page');
  assert.ok(v1.length > 0 && v2.length > 0);
  const released = m.events('traffic_released');
  assert.ok(Math.min(...v2) >= at(released[released.length - 1]) - 5, 'no v2 response before its health gate released traffic');
  assert.ok(Math.max(...v1) <= Math.min(...v2), 'v1 and v2 never interleave');
  assert.ok(m.events('traffic_handoff_stopped').length >= 1, 'v1 stopped taking connections before it drained');
});

test('handoff mode, an update that rolls back: 0 connection errors, the failing release never gets a connection, v1 takes connections again', async (t) => {
  const { f, m } = await running(t);
  await f.release(await sdkRelease({ version: 'v2', health: 'never' }));
  const load = startLoad(f.port, { concurrency: 6, maxRequests: 30_000, maxMs: 90_000, path: '/version' });
  await eventually(() => load.result.responses.length > 50, 10_000, 'load warm-up');
  await fetch(`http://127.0.0.1:${f.port}/request-update`);
  await m.waitFor('update_rolled_back', 80_000);
  await eventually(() => m.events('traffic_released').length >= 2, 20_000, 'traffic back on v1');
  const n = load.result.responses.length;
  await eventually(() => load.result.responses.length > n + 50, 10_000, 'responses after the rollback');
  const r = await load.stop();
  assert.deepEqual(r.errors, [], 'no refused or reset connections');
  const versions = new Set(r.responses.filter((x) => x.status === 200).map((x) => versionOf(x.body)));
  assert.deepEqual([...versions], ['v1'], 'v2 (never healthy) answered no request');
  assert.deepEqual(r.responses.filter((x) => x.status !== 200 && !x.holding), [], 'only v1 or the holding page');
  const after = await fetch(`http://127.0.0.1:${f.port}/version`);
  assert.equal(after.headers.get('x-local-port'), String(f.port), 'the restored v1 takes connections directly');
});
