import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { request } from 'node:http';
import { GitFixture } from '../helpers/git-fixture.js';
import { startMolt, freePort, eventually, type MoltProcess } from '../helpers/molt-process.js';
import { fixture } from '../helpers/paths.js';
import { tempDir } from '../helpers/tmp.js';
import { load } from './load.js';

// End to end: a real `molt run` (traffic front, update engine, probation controller) supervising a git working tree
// whose releases are the probation-app fixture with settings in release.json.

const TOKEN = 'probation-e2e-token-0123456789';

function post(port: number, path: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}

function getJson(port: number, path: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { authorization: `Bearer ${TOKEN}` }, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(body) as Record<string, unknown>) : reject(new Error(`${path}: ${res.statusCode} ${body}`))));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', reject);
    req.end();
  });
}

function releaseHeader(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.headers['x-release'] as string | undefined));
    });
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

async function start(t: { after(fn: () => unknown): void }, v1: object, env: Record<string, string>) {
  const root = await tempDir(t, 'molt-probation-e2e-');
  const server = await readFile(fixture('probation-app.mjs'), 'utf8');
  const git = await GitFixture.create(root, { 'server.mjs': server, 'release.json': JSON.stringify(v1), '.gitignore': 'node_modules\n' });
  await mkdir(join(git.app, 'node_modules')); // no lockfile and an existing tree: the install step is skipped
  const [port, appPort, adminPort] = [await freePort(), await freePort(), await freePort()];
  const molt = startMolt(['run', '--', process.execPath, 'server.mjs'], {
    MOLT_APP_DIR: git.app, MOLT_DATA_DIR: join(root, 'data'), MOLT_PORT: String(port), MOLT_APP_PORT: String(appPort),
    MOLT_ADMIN_PORT: String(adminPort), MOLT_ADMIN_TOKEN: TOKEN, MOLT_TINI: 'off', MOLT_HEALTH_INTERVAL: '200ms', MOLT_HEALTH_SUCCESSES: '1',
    MOLT_ANALYSIS_WINDOW: '3s', MOLT_PROBATION: '20s', ...env,
  });
  t.after(() => molt.stop());
  await eventually(async () => (await releaseHeader(port)) === (v1 as { name: string }).name, 20_000, 'first release serving');
  return { git, molt, port, adminPort };
}

/** Publishes `files` and asks for the update the way an app does: it exits with code 10. */
async function update(molt: MoltProcess, git: GitFixture, port: number, v2: object): Promise<string> {
  const sha = await git.release({ 'release.json': JSON.stringify(v2) }, `release ${(v2 as { name: string }).name}`);
  assert.equal(await post(port, '/exit-10'), 200);
  await molt.waitFor((r) => r.event === 'probation_started' && r.toSha === sha, 60_000);
  return sha;
}

test('molt run rolls a release answering 500 to 30 % of its requests back to its predecessor', async (t) => {
  const { git, molt, port, adminPort } = await start(t, { name: 'v1', errorRate: 0 }, {});
  const v1 = git.appHead();
  await load(port, { total: 60, concurrency: 4 });
  const v2 = await update(molt, git, port, { name: 'v2', errorRate: 0.3 });
  const status = await getJson(adminPort, '/api/status');
  const probation = status.probation as Record<string, unknown>;
  assert.equal(probation.active, true);
  assert.equal(probation.toSha, v2);
  await load(port, { total: 120, concurrency: 4, pauseMs: 5 });
  const rb = await molt.waitFor('probation_rollback', 30_000);
  assert.equal(rb.toSha, v2);
  assert.equal(rb.fromSha, v1);
  assert.ok((rb.errorRate as number) > 0.1);
  const started = molt.events('probation_started')[0];
  assert.ok(Date.parse(rb.time as string) < Date.parse(started.endsAt as string), 'rolled back within the probation window');
  const back = await molt.waitFor((r) => r.event === 'update_succeeded' && r.kind === 'rollback', 60_000);
  assert.equal(back.toSha, v1);
  assert.equal(git.appHead(), v1);
  await eventually(async () => (await releaseHeader(port)) === 'v1', 20_000, 'v1 serving again');
  const rows = (await getJson(adminPort, '/api/history')) as unknown as { trigger: string; kind: string; outcome: string; actor: string; fromSha: string; toSha: string; details?: { reason?: string; errorRate?: number; requests?: number } }[];
  const row = rows.find((r) => r.trigger === 'probation');
  assert.ok(row, 'the rollback is in history with trigger probation');
  assert.deepEqual([row.kind, row.actor, row.outcome, row.fromSha, row.toSha], ['rollback', 'probation', 'succeeded', v2, v1]);
  // the measured numbers travel with the rollback into history
  assert.match(String(row.details?.reason), /^probation: /);
  assert.ok((row.details?.errorRate ?? 0) > 0.1, `recorded error rate ${row.details?.errorRate} is above the 10 % threshold`);
  assert.ok((row.details?.requests ?? 0) >= 20, 'recorded request count meets the minimum');
});

test('molt run rolls back a release three times slower than its predecessor', async (t) => {
  const { git, molt, port } = await start(t, { name: 'v1', delayMs: 40 }, {});
  const v1 = git.appHead();
  await load(port, { total: 60, concurrency: 4 });
  await update(molt, git, port, { name: 'v2', delayMs: 120 });
  const started = molt.events('probation_started')[0];
  assert.ok((started.baselineP95Ms as number) >= 38, `baseline p95 ${started.baselineP95Ms}`);
  await load(port, { total: 60, concurrency: 4 });
  const rb = await molt.waitFor('probation_rollback', 30_000);
  assert.deepEqual(rb.kinds, ['probation_latency']);
  await molt.waitFor((r) => r.event === 'update_succeeded' && r.kind === 'rollback', 60_000);
  assert.equal(git.appHead(), v1);
});

test('molt run keeps a release with 7 % errors and raises one alert', async (t) => {
  const { git, molt, port, adminPort } = await start(t, { name: 'v1' }, { MOLT_PROBATION: '5s' });
  const v2 = await update(molt, git, port, { name: 'v2', errorRate: 0.07 });
  await load(port, { total: 150, concurrency: 4, pauseMs: 5 });
  const passed = await molt.waitFor('probation_passed', 30_000);
  assert.equal(passed.toSha, v2);
  assert.equal(molt.events('probation_alert').length, 1);
  assert.equal(molt.events('probation_rollback').length, 0);
  assert.equal(git.appHead(), v2);
  const probation = (await getJson(adminPort, '/api/status')).probation as Record<string, unknown>;
  assert.equal(probation.state, 'passed');
  assert.equal((probation.alerts as unknown[]).length, 1);
});

test('molt run keeps a release with 2 % errors without an alert', async (t) => {
  const { git, molt, port } = await start(t, { name: 'v1' }, { MOLT_PROBATION: '5s' });
  const v2 = await update(molt, git, port, { name: 'v2', errorRate: 0.02 });
  const result = await load(port, { total: 150, concurrency: 4, pauseMs: 5 });
  assert.ok(result.byStatus[500] >= 2, 'the release did answer some 500s');
  await molt.waitFor('probation_passed', 30_000);
  assert.equal(molt.events('probation_alert').length, 0);
  assert.equal(molt.events('probation_rollback').length, 0);
  assert.equal(git.appHead(), v2);
});

test('molt run never judges a release on too few requests, even if all of them fail', async (t) => {
  const { git, molt, port } = await start(t, { name: 'v1' }, { MOLT_PROBATION: '4s' });
  const v2 = await update(molt, git, port, { name: 'v2', errorRate: 1 });
  const result = await load(port, { total: 15, concurrency: 1, pauseMs: 20 });
  assert.equal(result.byStatus[500], 15);
  await molt.waitFor('probation_passed', 30_000);
  assert.equal(molt.events('probation_alert').length, 0);
  assert.equal(molt.events('probation_rollback').length, 0);
  assert.equal(git.appHead(), v2);
});
