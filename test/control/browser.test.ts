import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { ARTIFACTS } from '../helpers/paths.js';
import { head } from '../update/fixture.js';
import { startLive, LIVE_TOKEN } from './live-supervisor.js';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'];

test('an admin logs in, sees the pending commit, updates to it, watches it land and rolls back from History', async (t) => {
  const live = await startLive(t);
  const v1 = head(live.f);
  const v2 = await live.f.release({ version: 'v2' }, 'release v2: nicer home page');
  const shots = join(ARTIFACTS, 'console');
  await mkdir(shots, { recursive: true });
  const browser: Browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  const external: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(live.adminUrl)) external.push(r.url());
  });

  await page.goto(`${live.adminUrl}/update`);
  assert.match(page.url(), /\/login\?next=%2Fupdate$/);
  await page.fill('input[name=token]', LIVE_TOKEN);
  await page.screenshot({ path: join(shots, '01-login.png') });
  await Promise.all([page.waitForURL(/\/update$/), page.click('button[type=submit]')]);

  const pending = await page.locator('#pending tr').allTextContents();
  assert.equal(pending.length, 1);
  assert.match(pending[0], /release v2: nicer home page/);
  assert.equal(await page.locator('#deps-change').textContent(), 'dependencies unchanged');
  await page.screenshot({ path: join(shots, '02-update-pending.png'), fullPage: true });

  await page.click('#update-now');
  assert.match((await page.locator('.confirm-body').first().textContent()) ?? '', /rolls code, dependencies and database back/);
  await Promise.all([page.waitForURL(/\/\?op=\d+$/), page.click('#confirm-update')]);
  await page.locator(`#current-sha[data-current-sha="${v2}"]`).waitFor({ timeout: 60_000 });
  await page.locator('#operation[data-outcome="succeeded"]').waitFor({ timeout: 10_000 });
  const steps = await page.locator('#op-steps tr').evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-step'), r.children[1].textContent, r.children[2].textContent]));
  assert.ok(steps.some(([step, status, elapsed]) => step === 'health' && status === 'done' && /\d+(\.\d+)? (ms|s)$/.test(elapsed ?? '')), JSON.stringify(steps));
  await page.locator('#current-subject', { hasText: 'release v2: nicer home page' }).waitFor({ timeout: 10_000 });
  await page.screenshot({ path: join(shots, '03-status-updated.png'), fullPage: true });
  assert.equal(head(live.f), v2);

  await page.goto(`${live.adminUrl}/history`);
  const firstRow = page.locator('table.history tbody tr').first();
  assert.match((await firstRow.textContent()) ?? '', /succeeded/);
  await page.screenshot({ path: join(shots, '04-history.png'), fullPage: true });
  await Promise.all([page.waitForURL(/\/history\/\d+$/), firstRow.locator('a').click()]);
  await page.click('#rollback');
  const confirm = (await page.locator('.confirm-body').textContent()) ?? '';
  assert.match(confirm, /Data rule/);
  assert.match(confirm, new RegExp(v1.slice(0, 7)));
  await page.screenshot({ path: join(shots, '05-rollback-confirm.png'), fullPage: true });
  await Promise.all([page.waitForURL(/\/\?op=\d+$/), page.click('#confirm-rollback')]);
  await page.locator(`#current-sha[data-current-sha="${v1}"]`).waitFor({ timeout: 60_000 });
  await page.locator('#operation[data-outcome="succeeded"]').waitFor({ timeout: 10_000 });
  assert.match((await page.locator('#op-title').textContent()) ?? '', /Rollback #\d+/);
  assert.equal(head(live.f), v1);

  await page.goto(`${live.adminUrl}/logs`);
  await page.locator('#log-view .log.app', { hasText: 'release v1 listening' }).first().waitFor({ timeout: 10_000 });
  assert.ok((await page.locator('#log-view .log.supervisor', { hasText: 'update_succeeded' }).count()) >= 1);
  await page.screenshot({ path: join(shots, '06-logs.png') });

  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${live.adminUrl}/history`);
  // Evaluated in the page (string form: the test build has no DOM typings).
  const overflow = (await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number;
  assert.ok(overflow <= 0, `History overflows a phone screen by ${overflow}px`);
  await page.screenshot({ path: join(shots, '07-history-phone.png'), fullPage: true });
  const hist = (await (await fetch(`${live.adminUrl}/api/history`, { headers: { authorization: `Bearer ${LIVE_TOKEN}` } })).json()) as { kind: string; actor: string }[];
  assert.deepEqual(hist.map((r) => r.kind), ['rollback', 'update']);
  assert.ok(hist.every((r) => /^web:[0-9a-f]{8}$/.test(r.actor)), JSON.stringify(hist.map((r) => r.actor)));
  assert.deepEqual(external, [], 'the console loads nothing from outside');
});
