import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { GitFixture, git } from '../helpers/git-fixture.js';
import { tempDir } from '../helpers/tmp.js';
import { MoltError } from '../../src/core/errors.js';
import { ManualClock, RecordingEngine, baseConfig, makeUpdater } from './harness.js';

const H = 3_600_000;

async function setup(t: Parameters<typeof tempDir>[0]) {
  const root = await tempDir(t, 'molt-auto-');
  const fx = await GitFixture.create(root, { 'server.mjs': 'console.log(1)\n' });
  const engine = new RecordingEngine(fx.appHead());
  const commitTime = (sha: string) => Number(git(fx.publisher, 'log', '-1', '--format=%ct', sha)) * 1000;
  return { root, fx, engine, dataDir: join(root, 'data'), commitTime };
}

test('polling finds a new commit on the remote and notify mode announces it once without applying it', async (t) => {
  const { fx, engine, dataDir } = await setup(t);
  const clock = new ManualClock(Date.now());
  const h = makeUpdater({ appDir: fx.app, engine, clock, config: baseConfig(dataDir, { autoUpdate: 'notify' }) });
  assert.equal(await h.updater.checkNow(), 'up_to_date');
  assert.equal(h.updater.autoUpdateStatus().pending, null);

  const sha = await fx.release({ 'server.mjs': 'console.log(2)\n' }, 'feat: version two');
  assert.equal(await h.updater.checkNow(), 'notify');
  const announced = h.events.filter((e) => e.type === 'release_available');
  assert.deepEqual(announced.map((e) => e.type === 'release_available' && { sha: e.sha, subject: e.subject, canary: e.canary, applyAfter: e.applyAfter }), [{ sha, subject: 'feat: version two', canary: true, applyAfter: null }]);
  assert.equal(await h.updater.checkNow(), 'notify');
  assert.equal(h.events.filter((e) => e.type === 'release_available').length, 1);
  assert.equal(engine.calls.length, 0);
  const st = h.updater.autoUpdateStatus();
  assert.deepEqual(st.pending, { sha, subject: 'feat: version two', canary: true, applyAfter: null });
  assert.equal(st.mode, 'notify');
  assert.equal(st.lastCheck?.result, 'notify');
  assert.equal(st.lastCheck?.tip, sha);
});

test('apply mode on a canary instance requests the update at once with trigger auto', async (t) => {
  const { fx, engine, dataDir } = await setup(t);
  const h = makeUpdater({ appDir: fx.app, engine, clock: new ManualClock(Date.now()), config: baseConfig(dataDir, { canaryProbability: 1 }) });
  const sha = await fx.release({ 'a.txt': 'a' }, 'feat: a');
  assert.equal(await h.updater.checkNow(), 'apply');
  assert.deepEqual(engine.calls.map((c) => ({ sha: c.sha, trigger: c.trigger, actor: c.actor })), [{ sha, trigger: 'auto', actor: 'auto' }]);
  const rec = h.logs.find((r) => r.event === 'auto_update_requested');
  assert.equal(rec?.sha, sha);
  assert.equal(rec?.canary, true);
});

test('a non-canary instance waits until the commit is MOLT_CANARY_BAKE old, then applies it', async (t) => {
  const { fx, engine, dataDir, commitTime } = await setup(t);
  const sha = await fx.release({ 'b.txt': 'b' }, 'feat: b');
  const clock = new ManualClock(commitTime(sha) + 60_000);
  const h = makeUpdater({ appDir: fx.app, engine, clock, config: baseConfig(dataDir, { canaryProbability: 0, canaryBakeMs: H }) });
  assert.equal(await h.updater.checkNow(), 'wait');
  const pending = h.updater.autoUpdateStatus().pending;
  assert.equal(pending?.canary, false);
  // Bake clock = max(commit time, first seen) + bake: first seen is 1 min after the commit.
  assert.equal(pending?.applyAfter, new Date(commitTime(sha) + 60_000 + H).toISOString());
  clock.t += H - 1000;
  assert.equal(await h.updater.checkNow(), 'wait');
  assert.equal(engine.calls.length, 0);
  clock.t += 1000;
  assert.equal(await h.updater.checkNow(), 'apply');
  assert.equal(engine.calls[0]?.sha, sha);
});

test('the bake clock survives a restart of the supervisor', async (t) => {
  const { fx, engine, dataDir } = await setup(t);
  await fx.release({ 'c.txt': 'c' }, 'feat: c');
  const t0 = Date.now() + 24 * H; // far after the commit time, so only first-seen matters
  const first = makeUpdater({ appDir: fx.app, engine, clock: new ManualClock(t0), config: baseConfig(dataDir, { canaryProbability: 0 }) });
  assert.equal(await first.updater.checkNow(), 'wait');
  const second = makeUpdater({ appDir: fx.app, engine, clock: new ManualClock(t0 + H / 2), config: baseConfig(dataDir, { canaryProbability: 0 }) });
  assert.equal(await second.updater.checkNow(), 'wait');
  assert.equal(second.updater.autoUpdateStatus().pending?.applyAfter, new Date(t0 + H).toISOString());
  assert.equal(second.events.filter((e) => e.type === 'release_available').length, 0, 'announced once across restarts');
});

test('outside MOLT_UPDATE_WINDOW a canary waits for the window (in MOLT_TZ) and applies inside it', async (t) => {
  const { fx, engine, dataDir } = await setup(t);
  const sha = await fx.release({ 'd.txt': 'd' }, 'feat: d');
  // Window 02:00-05:00 Asia/Shanghai = 18:00-21:00 UTC.
  const clock = new ManualClock(Date.parse('2027-01-05T12:00:00Z'));
  const h = makeUpdater({ appDir: fx.app, engine, clock, config: baseConfig(dataDir, { updateWindow: { startMin: 120, endMin: 300 }, tz: 'Asia/Shanghai' }) });
  assert.equal(await h.updater.checkNow(), 'wait');
  const st = h.updater.autoUpdateStatus();
  assert.equal(st.pending?.applyAfter, '2027-01-05T18:00:00.000Z');
  assert.deepEqual(st.window, { start: '02:00', end: '05:00', tz: 'Asia/Shanghai', open: false });
  clock.t = Date.parse('2027-01-05T18:00:00Z');
  assert.equal(await h.updater.checkNow(), 'apply');
  assert.equal(engine.calls[0]?.sha, sha);
  assert.equal(h.updater.autoUpdateStatus().window?.open, true);
});

test('a pinned commit is not re-applied automatically, but a newer commit on the branch is', async (t) => {
  const { fx, engine, dataDir } = await setup(t);
  const bad = await fx.release({ 'e.txt': 'e' }, 'feat: e (bad)');
  engine.pins = [{ sha: bad, reason: 'manual rollback by alice', since: new Date().toISOString() }];
  const h = makeUpdater({ appDir: fx.app, engine, clock: new ManualClock(Date.now()), config: baseConfig(dataDir) });
  assert.equal(await h.updater.checkNow(), 'blocked');
  assert.equal(await h.updater.checkNow(), 'blocked');
  assert.equal(engine.calls.length, 0);
  assert.match(h.updater.autoUpdateStatus().pending?.blocked ?? '', /pinned: manual rollback by alice/);
  assert.equal(h.events.filter((e) => e.type === 'release_available').length, 0);
  const fixed = await fx.release({ 'e.txt': 'e2' }, 'fix: e');
  assert.equal(await h.updater.checkNow(), 'apply');
  assert.deepEqual(engine.calls.map((c) => c.sha), [fixed]);
});

test('a commit rolled back automatically is blocked by history until an admin unpins it', async (t) => {
  const { fx, engine, dataDir } = await setup(t);
  const bad = await fx.release({ 'f.txt': 'f' }, 'feat: f');
  const from = engine.currentSha;
  engine.rows = [{ id: 4, kind: 'update', trigger: 'auto', actor: 'auto', fromSha: from, toSha: bad, fromSubject: null, toSubject: null, outcome: 'rolled_back', startedAt: '', finishedAt: '', steps: [], error: { code: 'MOLT_E_HEALTH', message: 'unhealthy' } }];
  engine.pins = [{ sha: bad, reason: 'automatic rollback', since: '' }];
  const h = makeUpdater({ appDir: fx.app, engine, clock: new ManualClock(Date.now()), config: baseConfig(dataDir) });
  assert.equal(await h.updater.checkNow(), 'blocked');
  engine.pins = [];
  assert.equal(await h.updater.checkNow(), 'apply', 'the unpin is noticed and the history rollback no longer blocks');
  assert.deepEqual(engine.calls.map((c) => c.sha), [bad]);
});

test('a commit the engine refuses is not requested again on the next poll', async (t) => {
  const { fx, engine, dataDir } = await setup(t);
  await fx.release({ 'g.txt': 'g' }, 'feat: g');
  engine.reject = new MoltError('MOLT_E_UNSIGNED', 'commit is not signed');
  const h = makeUpdater({ appDir: fx.app, engine, clock: new ManualClock(Date.now()), config: baseConfig(dataDir) });
  assert.equal(await h.updater.checkNow(), 'refused');
  engine.reject = undefined;
  assert.equal(await h.updater.checkNow(), 'blocked');
  assert.equal(engine.calls.length, 0);
  assert.ok(h.logs.some((r) => r.event === 'auto_update_refused' && r.code === 'MOLT_E_UNSIGNED'));
});

test('no remote check happens while the engine runs an operation', async (t) => {
  const { fx, engine, dataDir } = await setup(t);
  await fx.release({ 'h.txt': 'h' }, 'feat: h');
  engine.busy = true;
  const h = makeUpdater({ appDir: fx.app, engine, clock: new ManualClock(Date.now()), config: baseConfig(dataDir) });
  assert.equal(await h.updater.checkNow(), 'busy');
  assert.equal(engine.calls.length, 0);
  assert.equal(h.updater.autoUpdateStatus().lastCheck?.tip, null);
});

test('an unreachable remote is reported in lastCheck and the log, and never throws out of the check', async (t) => {
  const { fx, engine, dataDir } = await setup(t);
  git(fx.app, 'remote', 'set-url', 'origin', join(fx.root, 'does-not-exist.git'));
  const h = makeUpdater({ appDir: fx.app, engine, clock: new ManualClock(Date.now()), config: baseConfig(dataDir) });
  assert.equal(await h.updater.checkNow(), 'error');
  assert.match(h.updater.autoUpdateStatus().lastCheck?.detail ?? '', /MOLT_E_GIT/);
  assert.ok(h.logs.some((r) => r.event === 'auto_update_check_failed' && r.code === 'MOLT_E_GIT'));
});

test('the polling loop checks after the first delay, reports the next check time and stops on abort', async (t) => {
  const { fx, engine, dataDir } = await setup(t);
  const { systemClock } = await import('../../src/core/clock.js');
  const sha = await fx.release({ 'i.txt': 'i' }, 'feat: i');
  const h = makeUpdater({ appDir: fx.app, engine, clock: systemClock, config: baseConfig(dataDir, { autoUpdate: 'notify', pollIntervalMs: 60_000 }), firstCheckMs: 10 });
  const ac = new AbortController();
  const loop = h.updater.run(ac.signal);
  t.after(() => ac.abort());
  const { eventually } = await import('../helpers/molt-process.js');
  await eventually(() => h.events.find((e) => e.type === 'release_available'), 15_000, 'release_available');
  const st = await eventually(() => (h.updater.autoUpdateStatus().lastCheck ? h.updater.autoUpdateStatus() : null), 5000, 'status');
  assert.equal(st.pending?.sha, sha);
  const next = Date.parse(st.nextCheckAt ?? '');
  assert.ok(next > Date.parse(st.lastCheck!.at), 'next check is scheduled after the last one');
  ac.abort();
  await loop;
  assert.equal(h.updater.autoUpdateStatus().nextCheckAt, null);
});

test('a branch tip that the running release already contains is not applied (no automatic downgrade)', async (t) => {
  const { fx, engine, dataDir } = await setup(t);
  const tip = await fx.release({ 'j.txt': 'j' }, 'feat: j');
  git(fx.app, 'fetch', '-q', 'origin');
  git(fx.app, 'reset', '-q', '--hard', tip);
  git(fx.app, 'commit', '-q', '--allow-empty', '-m', 'hotfix applied manually on top of the tip');
  engine.currentSha = fx.appHead();
  const h = makeUpdater({ appDir: fx.app, engine, clock: new ManualClock(Date.now()), config: baseConfig(dataDir) });
  assert.equal(await h.updater.checkNow(), 'blocked');
  assert.match(h.updater.autoUpdateStatus().pending?.blocked ?? '', /already contains/);
  assert.equal(engine.calls.length, 0);
});
