import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../helpers/paths.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { freePort, eventually } from '../helpers/molt-process.js';

test('the demo creates its remote, serves the app, and a broken demo release is rolled back automatically', async (t) => {
  // Inside the repository (data/ is git-ignored), like the real demo: examples/app resolves fastify and
  // better-sqlite3 from the repository's node_modules.
  const parent = await mkdtemp(join(ROOT, 'data', 'test-demo-'));
  t.after(() => rm(parent, { recursive: true, force: true }));
  const dir = join(parent, 'demo');
  const [port, adminPort] = [await freePort(), await freePort()];
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'src', 'demo', 'start.js'), '--dir', dir], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, MOLT_PORT: String(port), MOLT_APP_PORT: String(await freePort()), MOLT_ADMIN_PORT: String(adminPort), MOLT_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdout.resume();
  t.after(async () => {
    if (child.exitCode !== null) return;
    child.kill('SIGTERM');
    await new Promise((r) => child.on('exit', r));
  });
  const token = await eventually(() => /console:\s+\S+\s+token: (\S+)/.exec(stderr)?.[1], 30_000, 'the demo banner with the token');
  assert.match(stderr, new RegExp(`app:\\s+http://127\\.0\\.0\\.1:${port}`));
  const v1Page = /version <b>1<\/b>|release v1/;
  const app = await eventually(async () => (await fetch(`http://127.0.0.1:${port}/`)).text().then((b) => (v1Page.test(b) ? b : '')), 20_000, 'the demo app v1');
  assert.match(app, /molt (demo|example) app/);

  const api = (path: string, body?: unknown) =>
    fetch(`http://127.0.0.1:${adminPort}${path}`, { method: body === undefined ? 'GET' : 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const status = (await (await api('/api/status')).json()) as { demo: boolean; currentSha: string };
  assert.equal(status.demo, true);
  const published = await api('/api/demo/release', { broken: true });
  assert.equal(published.status, 201);
  const rel = (await published.json()) as { sha: string; subject: string };
  assert.match(rel.subject, /broken/);
  const pending = (await (await api('/api/releases/pending')).json()) as { commits: { sha: string }[] };
  assert.deepEqual(pending.commits.map((c) => c.sha), [rel.sha]);
  const started = await api('/api/update', {});
  assert.equal(started.status, 202);
  const { id } = (await started.json()) as { id: number };
  const row = await eventually(async () => {
    const rows = (await (await api('/api/history')).json()) as { id: number; outcome: string; error: { code: string } | null }[];
    const r = rows.find((x) => x.id === id);
    return r && r.outcome !== 'running' ? r : undefined;
  }, 60_000, 'the broken update to finish');
  assert.equal(row.outcome, 'rolled_back');
  // examples/app breaks with a failing migration (exit 12), the built-in template with a 500 on /health
  assert.ok(['MOLT_E_MIGRATE', 'MOLT_E_HEALTH'].includes(row.error?.code ?? ''), JSON.stringify(row.error));
  const after = (await (await api('/api/status')).json()) as { currentSha: string };
  assert.equal(after.currentSha, status.currentSha);
  assert.match(await (await fetch(`http://127.0.0.1:${port}/`)).text(), v1Page);
});
