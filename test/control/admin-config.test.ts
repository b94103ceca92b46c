import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { startMolt, freePort } from '../helpers/molt-process.js';
import { fixture } from '../helpers/paths.js';
import { tempDir } from '../helpers/tmp.js';

const base = async (t: { after(fn: () => unknown): void }) => ({
  MOLT_APP_DIR: await tempDir(t),
  MOLT_PORT: String(await freePort()),
  MOLT_APP_PORT: String(await freePort()),
  MOLT_TINI: 'off',
});

test('a non-loopback admin host without MOLT_ADMIN_TOKEN refuses to start with exit 78 and a clear message', async (t) => {
  const molt = startMolt(['run', '--', process.execPath, fixture('print-lines.mjs')], { ...(await base(t)), MOLT_ADMIN_HOST: '0.0.0.0' });
  t.after(() => molt.stop());
  const { code } = await molt.exited;
  assert.equal(code, 78);
  assert.match(molt.stderr, /MOLT_ADMIN_TOKEN: required when MOLT_ADMIN_HOST=0\.0\.0\.0 is not a loopback address/);
});

test('an admin port that is already taken is a configuration error (exit 78) naming the variables', async (t) => {
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
  t.after(() => new Promise((r) => blocker.close(r)));
  const port = (blocker.address() as { port: number }).port;
  const molt = startMolt(['run', '--', process.execPath, fixture('print-lines.mjs')], { ...(await base(t)), MOLT_ADMIN_PORT: String(port) });
  t.after(() => molt.stop());
  const { code } = await molt.exited;
  assert.equal(code, 78);
  assert.match(molt.stderr, new RegExp(`MOLT_ADMIN_PORT=${port}: cannot listen`));
});

test('without MOLT_ADMIN_TOKEN on loopback the supervisor generates data/admin-token and prints the console URL with it', async (t) => {
  const env = await base(t);
  const adminPort = await freePort();
  const molt = startMolt(['run', '--', process.execPath, fixture('print-lines.mjs')], { ...env, MOLT_ADMIN_PORT: String(adminPort) });
  t.after(() => molt.stop());
  const rec = await molt.waitFor('admin_token_file', 20_000);
  assert.equal(rec.generated, true);
  assert.equal(JSON.stringify(molt.records).includes('token:'), false, 'the token never reaches the JSON log');
  const deadline = Date.now() + 10_000;
  while (!/admin console http:\/\/127\.0\.0\.1:\d+ {2}token: (\S+)/.test(molt.stderr) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const token = /token: (\S+)/.exec(molt.stderr)?.[1];
  assert.ok(token, molt.stderr);
  const ok = await fetch(`http://127.0.0.1:${adminPort}/api/status`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(ok.status, 200);
  const body = (await ok.json()) as { app: { up: boolean } };
  assert.equal(typeof body.app.up, 'boolean');
});
