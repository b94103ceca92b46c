import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startHarness, TOKEN, type Harness } from './admin-harness.js';
import { resolveAdminToken } from '../../src/control/admin/token.js';
import { tempDir } from '../helpers/tmp.js';
import { eventually } from '../helpers/molt-process.js';

/** Cookie jar of one browser-like client. */
class Jar {
  cookies = new Map<string, string>();
  setCookies: string[] = [];
  take(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      this.setCookies.push(c);
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      const v = pair.slice(i + 1);
      if (v) this.cookies.set(pair.slice(0, i), v);
      else this.cookies.delete(pair.slice(0, i));
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

async function req(h: Harness, jar: Jar, path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (jar.cookies.size) headers.set('cookie', jar.header());
  const res = await fetch(h.url + path, { ...init, headers, redirect: 'manual' });
  jar.take(res);
  return res;
}

const form = (o: Record<string, string>) => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, body: new URLSearchParams(o).toString() });

async function login(h: Harness, jar: Jar): Promise<Response> {
  return req(h, jar, '/login', form({ token: TOKEN, next: '/update' }));
}

const csrfOf = async (res: Response) => /name="csrf-token" content="([^"]+)"/.exec(await res.text())![1];

test('missing, wrong and malformed credentials all get the same 401 without a hint', async (t) => {
  const h = await startHarness(t);
  const answers = await Promise.all([
    h.api('/api/status', { token: null }),
    h.api('/api/status', { token: 'wrong-token-0123456789' }),
    h.api('/api/status', { token: null, headers: { authorization: `Basic ${TOKEN}` } }),
  ]);
  for (const a of answers) {
    assert.equal(a.status, 401);
    assert.deepEqual(a.body, { error: { code: 'MOLT_E_AUTH', message: 'authentication required' } });
  }
});

test('console pages redirect to the login form without a session', async (t) => {
  const h = await startHarness(t);
  const res = await req(h, new Jar(), '/history');
  assert.equal(res.status, 303);
  assert.equal(res.headers.get('location'), '/login?next=%2Fhistory');
});

test('login sets an HttpOnly SameSite=Strict session cookie that opens pages and the API as web:<session>', async (t) => {
  const h = await startHarness(t);
  const jar = new Jar();
  const bad = await req(h, jar, '/login', form({ token: 'not-the-token-123456' }));
  assert.equal(bad.status, 401);
  assert.equal(jar.cookies.has('molt_session'), false);
  const ok = await login(h, jar);
  assert.equal(ok.status, 303);
  assert.equal(ok.headers.get('location'), '/update');
  const cookie = jar.setCookies.find((c) => c.startsWith('molt_session='))!;
  assert.match(cookie, /HttpOnly/i);
  assert.match(cookie, /SameSite=Strict/i);
  const page = await req(h, jar, '/update');
  assert.equal(page.status, 200);
  const html = await page.text();
  assert.match(html, /second release/);
  assert.match(html, /dependencies change/);
  const status = await req(h, jar, '/api/status');
  assert.equal(status.status, 200);
  const rec = h.records.find((r) => r.event === 'admin_login');
  assert.match(String(rec?.actor), /^web:[0-9a-f]{8}$/);
});

test('a login redirect target outside the console is replaced by /', async (t) => {
  const h = await startHarness(t);
  const res = await req(h, new Jar(), '/login', form({ token: TOKEN, next: '//evil.example/' }));
  assert.equal(res.headers.get('location'), '/');
});

test('form posts without the CSRF token are refused with 403 and change nothing', async (t) => {
  const h = await startHarness(t);
  const jar = new Jar();
  await login(h, jar);
  const noToken = await req(h, jar, '/ui/update', form({ sha: h.engine.tip.sha }));
  assert.equal(noToken.status, 403);
  const apiNoToken = await req(h, jar, '/api/update', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.equal(apiNoToken.status, 403);
  assert.equal(((await apiNoToken.json()) as { error: { code: string } }).error.code, 'MOLT_E_CSRF');
  assert.equal(h.engine.commands.length, 0);
});

test('a form post with the page CSRF token starts the update as web:<session> and redirects to Status', async (t) => {
  const h = await startHarness(t);
  const jar = new Jar();
  await login(h, jar);
  const csrf = await csrfOf(await req(h, jar, '/update'));
  const res = await req(h, jar, '/ui/update', form({ _csrf: csrf, sha: h.engine.tip.sha }));
  assert.equal(res.status, 303);
  assert.match(res.headers.get('location')!, /^\/\?op=\d+$/);
  const cmd = h.engine.commands[0] as { actor: string; trigger: string; sha: string };
  assert.match(cmd.actor, /^web:[0-9a-f]{8}$/);
  assert.equal(cmd.trigger, 'web');
  assert.equal(cmd.sha, h.engine.tip.sha);
  const api = await req(h, jar, '/api/rollback', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: JSON.stringify({ sha: 'abcdef1' }) });
  assert.equal(api.status, 409); // reached the engine (busy), so CSRF passed
});

test('logout ends the session', async (t) => {
  const h = await startHarness(t);
  const jar = new Jar();
  await login(h, jar);
  const csrf = await csrfOf(await req(h, jar, '/'));
  const old = jar.cookies.get('molt_session')!;
  const out = await req(h, jar, '/logout', form({ _csrf: csrf }));
  assert.equal(out.status, 303);
  const res = await fetch(h.url + '/api/status', { headers: { cookie: `molt_session=${old}` } });
  assert.equal(res.status, 401);
});

test('login attempts are rate limited per client with 429', async (t) => {
  const h = await startHarness(t, { loginLimit: { max: 3, windowMs: 60_000 } });
  const codes: number[] = [];
  for (let i = 0; i < 4; i++) codes.push((await req(h, new Jar(), '/login', { ...form({ token: 'wrong-token-0123456789' }), headers: { 'content-type': 'application/x-www-form-urlencoded' } })).status);
  assert.deepEqual(codes, [401, 401, 401, 429]);
  const blocked = await fetch(h.url + '/login', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${TOKEN}`, redirect: 'manual' });
  assert.equal(blocked.status, 429);
  assert.equal(((await blocked.json()) as { error: { code: string } }).error.code, 'MOLT_E_RATE_LIMITED');
  assert.ok(h.records.some((r) => r.event === 'admin_login_failed'));
});

test('history detail offers a rollback whose confirmation states the data rule', async (t) => {
  const h = await startHarness(t);
  await h.api('/api/update', { method: 'POST', body: '{}' });
  h.engine.release();
  await eventually(() => h.engine.running() === null, 5000, 'update to finish');
  const jar = new Jar();
  await login(h, jar);
  const list = await (await req(h, jar, '/history')).text();
  assert.match(list, /href="\/history\/1"/);
  const detail = await (await req(h, jar, '/history/1')).text();
  assert.match(detail, /Roll back to the release before this one/);
  assert.match(detail, new RegExp(`name="sha" value="${h.engine.rows[0].fromSha}"`));
  assert.match(detail, /Data rule/);
  assert.match(detail, /discards every write made since/);
  const missing = await req(h, jar, '/history/99', { headers: { accept: 'text/html' } });
  assert.equal(missing.status, 404);
});

test('the generated admin token is written once with mode 0600 and reused', async (t) => {
  const dir = await tempDir(t);
  const a = await resolveAdminToken(undefined, dir);
  assert.equal(a.source, 'generated');
  assert.ok(a.token.length >= 32);
  const st = await stat(join(dir, 'admin-token'));
  assert.equal(st.mode & 0o777, 0o600);
  const b = await resolveAdminToken(undefined, dir);
  assert.equal(b.source, 'file');
  assert.equal(b.token, a.token);
  assert.equal((await readFile(join(dir, 'admin-token'), 'utf8')).trim(), a.token);
  assert.deepEqual(await resolveAdminToken('configured-token-0123456', dir), { token: 'configured-token-0123456', source: 'env' });
});

test('plugin routes run under the console auth: pages redirect to login, form posts need and accept the CSRF field', async (t) => {
  const h = await startHarness(t, {
    plugins: [{
      name: 'echo',
      nav: { href: '/echo', label: 'Echo' },
      plugin: async (app) => {
        app.get('/echo', async (req, reply) => reply.type('text/html').send(`<meta name="csrf-token" content="${reply.generateCsrf()}">echo for ${req.principal?.actor}`));
        app.post('/ui/echo', async (req) => ({ actor: req.principal?.actor, body: req.body }));
      },
    }],
  });
  const anon = await fetch(h.url + '/echo', { headers: { accept: 'text/html' }, redirect: 'manual' });
  assert.equal(anon.status, 303);
  assert.equal(anon.headers.get('location'), '/login?next=%2Fecho');
  assert.equal((await h.api('/echo', { token: null })).status, 401);
  const jar = new Jar();
  await login(h, jar);
  const nav = await (await req(h, jar, '/')).text();
  assert.match(nav, /href="\/echo"/);
  const page = await req(h, jar, '/echo');
  const csrf = await csrfOf(page);
  const refused = await req(h, jar, '/ui/echo', form({ note: 'x' }));
  assert.equal(refused.status, 403);
  const ok = await req(h, jar, '/ui/echo', form({ _csrf: csrf, note: 'x' }));
  assert.equal(ok.status, 200);
  const body = (await ok.json()) as { actor: string; body: { note: string } };
  assert.match(body.actor, /^web:[0-9a-f]{8}$/);
  assert.equal(body.body.note, 'x');
});

test('in demo mode the Update page offers demo releases and its form publishes one', async (t) => {
  const published: string[] = [];
  const h = await startHarness(t, { demo: async (kind) => (published.push(kind), { sha: 'f'.repeat(40), subject: `demo ${kind}` }) });
  const jar = new Jar();
  await login(h, jar);
  const page = await req(h, jar, '/update');
  const html = await page.text();
  assert.match(html, /id="demo-broken"/);
  const csrf = /name="csrf-token" content="([^"]+)"/.exec(html)![1];
  const res = await req(h, jar, '/ui/demo-release', form({ _csrf: csrf, kind: 'broken' }));
  assert.equal(res.status, 303);
  assert.deepEqual(published, ['broken']);
  const api = await h.api('/api/demo/release', { method: 'POST', body: '{}' });
  assert.equal(api.status, 201);
  assert.deepEqual(published, ['broken', 'good']);
  assert.ok(h.records.some((r) => r.event === 'demo_release_published' && r.broken === true));
});
