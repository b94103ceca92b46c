import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, freePort } from '../../helpers/molt-process.js';
import { startHarness, GROUP, TOKEN } from './harness.js';

test('a Telegram outage (500) does not delay the update, and the coalesced final state is delivered after recovery', async (t) => {
  const h = await startHarness(t);
  await h.bot.whenReady();
  h.fake.fail({ status: 500 });
  const { done } = await h.engine.requestUpdate({ trigger: 'app', actor: 'app', ref: 'main' });
  const row = await done;
  // Ordering, not timing: the engine finished while Telegram had accepted nothing.
  const deliveredBeforeDone = h.fake.calls.filter((c) => c.method === 'sendMessage' && c.status === 200).length;
  assert.equal(row.outcome, 'succeeded');
  assert.equal(deliveredBeforeDone, 0);
  const down = await h.waitRecord((r) => r.event === 'telegram_unavailable', 'outage logged');
  assert.equal(down.level, 'warn');
  assert.equal(down.status, 500);
  assert.equal(down.code, 'MOLT_E_TELEGRAM');
  assert.ok(h.fake.calls.some((c) => c.method === 'sendMessage' && c.status === 500), 'the bot tried during the outage');
  h.fake.recover();
  const card = await h.waitMessage(GROUP, (m) => m.text.includes('Update #1 succeeded'), 'card after recovery');
  assert.equal(card.versions.length, 1, 'progress edits made while down were coalesced into the final text');
  await h.waitMessage(GROUP, (m) => m.text.startsWith('✅ Update #1 to'), 'final notice after recovery');
  const up = await h.waitRecord((r) => r.event === 'telegram_available', 'recovery logged');
  assert.ok(Number(up.failedAttempts) >= 1);
});

test("a 429 answer is retried no sooner than Telegram's retry_after", async (t) => {
  const h = await startHarness(t);
  await h.bot.whenReady();
  h.fake.fail({ status: 429, retryAfter: 1 }, ['sendMessage', 'editMessageText']);
  h.events.emit('alert', { kind: 'disk_low', severity: 'critical', message: 'only 2% free' });
  const limited = await eventually(() => h.fake.calls.find((c) => c.method === 'sendMessage' && c.status === 429), 10_000, 'a 429');
  h.fake.recover();
  const rec = await h.waitRecord((r) => r.event === 'telegram_unavailable', 'rate limit logged');
  assert.equal(rec.status, 429);
  assert.equal(rec.retryInMs, 1000);
  await h.waitMessage(GROUP, (m) => m.text.includes('only 2% free'), 'delivered after retry_after');
  const retry = h.fake.calls.find((c) => c.method === 'sendMessage' && c.status === 200)!;
  assert.ok(retry.time - limited.time >= 1000, `retried ${retry.time - limited.time}ms after the 429`);
});

test('when the queue is full the oldest non-critical message is dropped with a log line, and critical ones survive', async (t) => {
  const h = await startHarness(t, { tuning: { queueCapacity: 3 } });
  await h.bot.whenReady();
  h.fake.fail({ status: 500 });
  const alert = (kind: string, severity: 'warning' | 'critical') => h.events.emit('alert', { kind, severity, message: `${kind} happened` });
  alert('first_warning', 'warning'); // goes in flight at once
  alert('critical_one', 'critical');
  alert('second_warning', 'warning');
  alert('third_warning', 'warning');
  alert('fourth_warning', 'warning'); // queue full: second_warning is dropped
  const dropped = await h.waitRecord((r) => r.event === 'telegram_queue_dropped', 'drop logged');
  assert.equal(dropped.critical, false);
  assert.equal(dropped.level, 'warn');
  h.fake.recover();
  await h.waitMessage(GROUP, (m) => m.text.includes('fourth_warning'), 'last message delivered');
  const texts = h.fake.messagesIn(GROUP).map((m) => m.text);
  assert.equal(texts.length, 4);
  assert.ok(texts.some((x) => x.includes('critical_one')));
  assert.ok(!texts.some((x) => x.includes('second_warning')));
  assert.ok(texts[0].includes('first_warning'), 'order is kept');
});

test('the bot token never appears in the logs, even in network errors that carry the request URL', async (t) => {
  const closed = await freePort();
  const h = await startHarness(t, { apiRoot: `http://127.0.0.1:${closed}` });
  h.events.emit('alert', { kind: 'disk_low', severity: 'critical', message: 'x' });
  const rec = await h.waitRecord((r) => r.event === 'telegram_connect_failed', 'connect failure logged');
  await h.waitRecord((r) => r.event === 'telegram_unavailable', 'send failure logged');
  await eventually(() => h.records.filter((r) => r.event === 'telegram_connect_failed').length >= 2, 10_000, 'a retry');
  assert.match(String(rec.error), /ECONNREFUSED/);
  const out = h.stdout();
  assert.ok(out.length > 0);
  assert.ok(!out.includes(TOKEN), 'full token absent');
  assert.ok(!out.includes(TOKEN.split(':')[1]), 'secret half absent');
});
