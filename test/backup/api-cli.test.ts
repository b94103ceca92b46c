import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Registry } from 'prom-client';
import { startAdminServer } from '../../src/control/admin/server.js';
import { backupRoutes } from '../../src/backup/admin-routes.js';
import type { BackupSummary } from '../../src/backup/summary.js';
import type { RestoreResult } from '../../src/backup/restore.js';
import { CLI } from '../helpers/paths.js';
import { freePort } from '../helpers/molt-process.js';
import { harness, state } from './app-harness.js';
import { recordingLogger } from './support.js';

const run = promisify(execFile);
const TOKEN = 'test-token-0123456789abcdef';

/** `molt <args>` as a real child process (async: the API it talks to lives in this process). */
async function molt(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', ...env }, timeout: 60_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function setup(t: Parameters<typeof harness>[0]) {
  const h = await harness(t);
  const adminPort = await freePort();
  const server = await startAdminServer({
    host: '127.0.0.1',
    port: adminPort,
    token: TOKEN,
    supervisor: h.supervisor,
    events: h.events,
    metrics: new Registry(),
    logger: recordingLogger().logger,
    plugins: [{ name: 'backups', plugin: (app) => backupRoutes(app, { service: h.svc }) }],
  });
  t.after(() => server.close());
  const env = {
    MOLT_APP_DIR: h.config.appDir,
    MOLT_BACKUP_DIR: h.config.backupDir,
    MOLT_ADMIN_URL: server.url,
    MOLT_ADMIN_TOKEN: TOKEN,
    MOLT_ADMIN_PORT: String(adminPort),
  };
  const api = (method: string, path: string, body?: unknown, auth = true) =>
    fetch(server.url + path, {
      method,
      headers: { ...(auth ? { authorization: `Bearer ${TOKEN}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  return { h, env, api };
}

test('the admin API takes a backup, lists it, and refuses unauthenticated and malformed requests', async (t) => {
  const { api } = await setup(t);
  assert.equal((await api('GET', '/api/backups', undefined, false)).status, 401);
  const created = await api('POST', '/api/backups');
  assert.equal(created.status, 201);
  const body = (await created.json()) as { backup: BackupSummary; drill: { ok: boolean } };
  assert.equal(body.drill.ok, true);
  assert.equal(body.backup.actor, 'api');
  const list = (await (await api('GET', '/api/backups')).json()) as { backups: BackupSummary[] };
  assert.deepEqual(list.backups.map((b) => b.id), [body.backup.id]);
  assert.equal(list.backups[0].drill?.ok, true);

  const bad = await api('POST', `/api/backups/${body.backup.id}/restore`, { dryRun: 'maybe' });
  assert.equal(bad.status, 400);
  assert.equal(((await bad.json()) as { error: { code: string } }).error.code, 'MOLT_E_VALIDATION');
  const badId = await api('POST', '/api/backups/not-an-id/restore', { dryRun: true });
  assert.equal(badId.status, 400);
  const unknown = await api('POST', '/api/backups/20200101T000000Z-abcd/restore', { dryRun: true });
  assert.equal(unknown.status, 404);
  assert.equal(((await unknown.json()) as { error: { code: string } }).error.code, 'MOLT_E_NOT_FOUND');
});

test('molt backups lists the backup dir directly, and molt restore drives a dry run and a real restore through the API', async (t) => {
  const { h, env, api } = await setup(t);
  const { backup } = (await (await api('POST', '/api/backups')).json()) as { backup: BackupSummary };
  h.addRows(3);

  const listed = await molt(['backups', '--json'], env);
  assert.equal(listed.code, 0, listed.stderr);
  const rows = (JSON.parse(listed.stdout) as { backups: BackupSummary[] }).backups;
  assert.equal(rows.length, 1);
  assert.deepEqual(Object.keys(rows[0]).sort(), ['actor', 'ageMs', 'createdAt', 'drill', 'files', 'id', 'releaseSha', 'sizeBytes', 'trigger']);
  assert.equal(rows[0].id, backup.id);
  assert.ok(rows[0].sizeBytes > 0);
  const table = await molt(['backups'], env);
  assert.equal(table.code, 0);
  assert.ok(table.stdout.split('\n')[1].startsWith(backup.id));
  assert.equal((await molt(['backups', '--yaml'], env)).code, 64);

  const dry = await molt(['restore', backup.id, '--dry-run', '--json'], env);
  assert.equal(dry.code, 0, dry.stderr);
  assert.equal((JSON.parse(dry.stdout) as RestoreResult).outcome, 'verified');
  assert.equal((await state(h.port))?.items, 13, 'dry run changed nothing');

  const real = await molt(['restore', backup.id, '--json'], env);
  assert.equal(real.code, 0, real.stderr);
  const r = JSON.parse(real.stdout) as RestoreResult;
  assert.equal(r.outcome, 'succeeded');
  assert.equal((await state(h.port))?.items, 10);
  assert.equal(h.history.at(-1)?.actor, 'cli');
  assert.equal(h.history.at(-1)?.trigger, 'cli');

  const usage = await molt(['restore', 'nonsense'], env);
  assert.equal(usage.code, 64);
  assert.match(usage.stderr, /backup id "nonsense": expected an id like/);
});

test('the console Backups page lists backups and its restore form runs a dry run', async (t) => {
  const { h, api } = await setup(t);
  const { backup } = (await (await api('POST', '/api/backups')).json()) as { backup: BackupSummary };
  const page = await api('GET', '/backups');
  assert.equal(page.status, 200);
  const body = await page.text();
  assert.ok(body.includes(`data-id="${backup.id}"`));
  assert.ok(body.includes(`id="confirm-restore-${backup.id}"`));
  assert.ok(body.includes('href="/backups"'), 'nav entry');
  const form = await fetch(page.url.replace(/\/backups$/, '') + `/ui/backups/${backup.id}/restore`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: 'unused-with-bearer', dryRun: 'true' }).toString(),
  });
  assert.equal(form.status, 200);
  const result = await form.text();
  assert.match(result, /dry run: verified/);
  assert.equal(h.history.length, 0, 'a dry run is not an operation');
});

