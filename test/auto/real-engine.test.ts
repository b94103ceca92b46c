import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { eventually } from '../helpers/molt-process.js';
import { systemClock } from '../../src/core/clock.js';
import { createUpdateFixture, head } from '../update/fixture.js';
import { appVersion, startEngine } from '../update/engine-harness.js';
import { baseConfig, makeUpdater } from './harness.js';

test('apply mode updates a canary instance through the real update engine, recorded as trigger auto', async (t) => {
  const f = await createUpdateFixture(await tempDir(t));
  const run = await startEngine(t, f);
  await eventually(() => appVersion(f.appPort), 10_000, 'v1 up');
  const h = makeUpdater({ appDir: f.app, engine: run.engine, clock: systemClock, config: baseConfig(join(f.dataDir, 'auto'), { canaryProbability: 1 }) });
  assert.equal(await h.updater.checkNow(), 'up_to_date', JSON.stringify(h.updater.autoUpdateStatus().lastCheck));
  const v2 = await f.release({ version: 'v2' });
  assert.equal(await h.updater.checkNow(), 'apply');
  const row = await eventually(() => run.engine.history(5).find((r) => r.toSha === v2 && r.outcome !== 'running'), 60_000, 'auto update finished');
  assert.equal(row.outcome, 'succeeded', JSON.stringify(row.error));
  assert.equal(row.trigger, 'auto');
  assert.equal(row.actor, 'auto');
  assert.equal(head(f), v2);
  assert.equal((await appVersion(f.appPort))?.version, 'v2');
  await eventually(() => run.engine.running() === null, 30_000, 'engine idle');
  assert.equal(await h.updater.checkNow(), 'up_to_date');
});

test('a release the engine rolled back automatically is not re-applied by later polls, and a newer release is', async (t) => {
  const f = await createUpdateFixture(await tempDir(t));
  const run = await startEngine(t, f);
  await eventually(() => appVersion(f.appPort), 10_000, 'v1 up');
  const h = makeUpdater({ appDir: f.app, engine: run.engine, clock: systemClock, config: baseConfig(join(f.dataDir, 'auto'), { canaryProbability: 1 }) });
  const bad = await f.release({ version: 'v2-bad', health: 'never' });
  assert.equal(await h.updater.checkNow(), 'apply');
  const failed = await eventually(() => run.engine.history(5).find((r) => r.toSha === bad && r.outcome !== 'running'), 60_000, 'bad update finished');
  assert.equal(failed.outcome, 'rolled_back');
  await eventually(() => run.engine.running() === null, 30_000, 'engine idle');
  for (let i = 0; i < 3; i++) assert.equal(await h.updater.checkNow(), 'blocked');
  assert.equal(run.engine.history(20).filter((r) => r.toSha === bad).length, 1, 'no second attempt of the rolled-back sha');
  const good = await f.release({ version: 'v3' });
  assert.equal(await h.updater.checkNow(), 'apply');
  const ok = await eventually(() => run.engine.history(5).find((r) => r.toSha === good && r.outcome !== 'running'), 60_000, 'v3 finished');
  assert.equal(ok.outcome, 'succeeded', JSON.stringify(ok.error));
  assert.equal((await appVersion(f.appPort))?.version, 'v3');
});
