import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CLI, fixture } from '../helpers/paths.js';
import { eventually, freePort, startMolt } from '../helpers/molt-process.js';
import { git } from '../helpers/git-fixture.js';
import { tempDir } from '../helpers/tmp.js';
import { makeApp } from './support.js';
import type { BackupSummary } from '../../src/backup/summary.js';
import type { HistoryRow } from '../../src/update/api.js';

const TOKEN = 'backup-e2e-token-0123456789';

function cli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, timeout: 120_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0, stdout, stderr }),
    );
  });
}

test('molt run takes scheduled backups with drills, serves them on the API and metrics, and restores through molt restore', async (t) => {
  const root = await tempDir(t);
  const c = await makeApp(root, 10);
  await writeFile(join(c.appDir, '.gitignore'), 'data/\n');
  git(c.appDir, 'init', '-q', '--initial-branch=main');
  git(c.appDir, 'add', '-A');
  git(c.appDir, 'commit', '-q', '-m', 'app v1');
  const [port, appPort, adminPort] = [await freePort(), await freePort(), await freePort()];
  const env = {
    MOLT_APP_DIR: c.appDir,
    MOLT_PORT: String(port),
    MOLT_APP_PORT: String(appPort),
    MOLT_ADMIN_PORT: String(adminPort),
    MOLT_ADMIN_TOKEN: TOKEN,
    MOLT_SQLITE_PATHS: 'data/app.db',
    MOLT_BACKUP_PATHS: 'uploads,config.json',
    MOLT_BACKUP_SCHEDULE: '*/2 * * * * *',
    MOLT_BACKUP_MIN_FREE: '0',
    MOLT_HEALTH_INTERVAL: '50ms',
    MOLT_HEALTH_TIMEOUT: '10s',
  };
  const molt = startMolt(['run', '--', process.execPath, fixture('backup-app.mjs')], env, { cwd: c.appDir });
  t.after(() => molt.stop());
  const created = await molt.waitFor('backup_created', 30_000);
  const drilled = await molt.waitFor((r) => r.event === 'restore_drill_finished' && r.id === created.id, 30_000);
  assert.equal(drilled.ok, true);
  assert.equal(created.trigger, 'schedule');
  assert.equal(created.releaseSha, git(c.appDir, 'rev-parse', 'HEAD'));

  const adminUrl = `http://127.0.0.1:${adminPort}`;
  const metrics = await (await fetch(`${adminUrl}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
  assert.match(metrics, /^molt_restore_drill_success 1$/m);
  assert.match(metrics, /^molt_backup_last_success_timestamp [1-9]\d+$/m);

  const listed = await cli(['backups', '--json'], { MOLT_APP_DIR: c.appDir });
  assert.equal(listed.code, 0, listed.stderr);
  const ids = (JSON.parse(listed.stdout) as { backups: BackupSummary[] }).backups.map((b) => b.id);
  assert.ok(ids.includes(String(created.id)));

  const r = await cli(['restore', String(created.id), '--json'], { MOLT_APP_DIR: c.appDir, MOLT_ADMIN_URL: adminUrl, MOLT_ADMIN_TOKEN: TOKEN });
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.equal((JSON.parse(r.stdout) as { outcome: string }).outcome, 'succeeded');
  await molt.waitFor((x) => x.event === 'restore_finished' && x.outcome === 'succeeded', 30_000);
  const history = await eventually(async () => {
    const res = await fetch(`${adminUrl}/api/history`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const body = (await res.json()) as { history?: HistoryRow[] } | HistoryRow[];
    const rows = Array.isArray(body) ? body : body.history ?? [];
    return rows.find((h) => h.kind === 'restore');
  }, 10_000, 'restore row in history');
  assert.equal(history.actor, 'cli');
  assert.equal(history.outcome, 'succeeded');
  assert.equal(history.details?.backupId, created.id);
  // the scheduled backup and its drill are history rows too
  const res = await fetch(`${adminUrl}/api/history?limit=100`, { headers: { authorization: `Bearer ${TOKEN}` } });
  const rows = (await res.json()) as HistoryRow[];
  const backupRow = rows.find((h) => h.kind === 'backup' && h.details?.backupId === created.id);
  assert.ok(backupRow, 'the backup is in history');
  assert.equal(backupRow.outcome, 'succeeded');
  assert.ok(rows.some((h) => h.kind === 'drill' && h.details?.backupId === created.id && h.outcome === 'succeeded'), 'its restore drill is in history');
});
