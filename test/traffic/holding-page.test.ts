import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { TrafficFront } from '../../src/traffic/front.js';
import { createLogger } from '../../src/core/logger.js';
import { ARTIFACTS } from '../helpers/paths.js';
import { Writable } from 'node:stream';

const silent = createLogger({ level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });

function get(port: number, headers: Record<string, string> = {}, method = 'GET') {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/any/page?x=1', method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function heldFront(t: { after(fn: () => unknown): void }, extra: Partial<ConstructorParameters<typeof TrafficFront>[0]> = {}) {
  const front = new TrafficFront({ port: 0, host: '127.0.0.1', appPort: 1, logger: silent, initial: { reason: 'update', targetSha: 'abc1234ffee' }, estimateSeconds: () => 40, ...extra });
  await front.listen();
  t.after(() => front.close());
  return front;
}

test('while held, every request gets 503 with Retry-After from the estimate and Cache-Control: no-store', async (t) => {
  const front = await heldFront(t);
  const r = await get(front.address());
  assert.equal(r.status, 503);
  assert.equal(r.headers['retry-after'], '40');
  assert.equal(r.headers['cache-control'], 'no-store');
  assert.match(String(r.headers['content-type']), /^text\/html/);
  assert.match(r.body, /Updating to abc1234 — usually takes ~40 s/);
  assert.match(r.body, /<meta http-equiv="refresh" content="30">/);
  assert.doesNotMatch(r.body, /(src|href)=["']?https?:/, 'no external assets');
});

test('Accept-Language picks Chinese or English by q-value', async (t) => {
  const front = await heldFront(t);
  const zh = await get(front.address(), { 'accept-language': 'en;q=0.3, zh-CN;q=0.8' });
  assert.equal(zh.headers['content-language'], 'zh-CN');
  assert.match(zh.body, /正在更新到 abc1234 — 通常需要约 40 秒/);
  const en = await get(front.address(), { 'accept-language': 'zh;q=0.1, en-US' });
  assert.equal(en.headers['content-language'], 'en');
  assert.match(en.body, /Updating to abc1234/);
});

test('Accept: application/json gets the JSON body with the same status and headers', async (t) => {
  const front = await heldFront(t, { estimateSeconds: () => 7.2 });
  const r = await get(front.address(), { accept: 'application/json' });
  assert.equal(r.status, 503);
  assert.equal(r.headers['retry-after'], '8');
  assert.equal(r.headers['cache-control'], 'no-store');
  assert.deepEqual(JSON.parse(r.body), { status: 'updating', retryAfter: 8 });
});

test('HEAD gets the holding headers without a body', async (t) => {
  const front = await heldFront(t);
  const r = await get(front.address(), {}, 'HEAD');
  assert.equal(r.status, 503);
  assert.equal(r.body, '');
  assert.equal(r.headers['retry-after'], '40');
});

test('MOLT_HOLDING_PAGE contents replace the built-in HTML', async (t) => {
  const front = await heldFront(t, { customHtml: '<html><body>Our own page, back in {{seconds}} s ({{sha}})</body></html>' });
  const r = await get(front.address());
  assert.equal(r.status, 503);
  assert.equal(r.body, '<html><body>Our own page, back in 40 s (abc1234)</body></html>');
});

test('the built-in page renders in headless Chromium with the localized sentence (screenshot saved)', async (t) => {
  const front = await heldFront(t);
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
  t.after(() => browser.close());
  await mkdir(ARTIFACTS, { recursive: true });
  for (const locale of ['en-US', 'zh-CN']) {
    const ctx = await browser.newContext({ locale, viewport: { width: 800, height: 500 } });
    const page = await ctx.newPage();
    const external: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(`http://127.0.0.1:${front.address()}`)) external.push(r.url());
    });
    const resp = await page.goto(`http://127.0.0.1:${front.address()}/`);
    assert.equal(resp?.status(), 503);
    const text = await page.locator('#what').innerText();
    assert.equal(text, locale === 'zh-CN' ? '正在更新到 abc1234 — 通常需要约 40 秒' : 'Updating to abc1234 — usually takes ~40 s');
    const file = join(ARTIFACTS, `holding-page-${locale}.png`);
    await page.screenshot({ path: file });
    assert.deepEqual(external, [], 'the page loads nothing from elsewhere');
    await ctx.close();
  }
});
