import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, ADMIN, ADMIN2, GROUP, COMMITS } from './harness.js';

const short = (sha: string) => sha.slice(0, 7);

test('a failed update is one message edited through its steps, ending rolled back with the failing step, error code and last output lines', async (t) => {
  const h = await startHarness(t);
  await h.bot.whenReady();
  const tail = Array.from({ length: 15 }, (_, i) => `npm ERR! line ${i} <pkg@1.0.0>`);
  h.engine.script = { steps: ['backup', 'fetch', 'install', 'build'], failAt: 'install', error: { code: 'MOLT_E_INSTALL', message: 'npm ci exited with code 1', step: 'install', outputTail: tail } };
  const { done } = await h.engine.requestUpdate({ trigger: 'app', actor: 'app', ref: 'main' });
  await done;
  const card = await h.waitMessage(GROUP, (m) => m.text.includes('failed and was rolled back'), 'final card');
  const cards = h.fake.messagesIn(GROUP).filter((m) => m.text.includes('Update #1') && !m.text.startsWith('↩️ Update #1 to'));
  assert.equal(cards.length, 1, 'one progress message per operation');
  assert.ok(card.text.includes(`<code>${short(COMMITS[1].sha)}</code> → <code>${short(COMMITS[3].sha)}</code> Bump deps`), card.text);
  assert.match(card.text, /2 commits:\n• <code>\w{7}<\/code> Bump deps\n• <code>\w{7}<\/code> Fix &lt;b&gt;login/);
  assert.match(card.text, /Trigger: app · actor: app/);
  assert.match(card.text, /✅ backup \d+ms\n✅ fetch \d+ms\n❌ install \d+ms/);
  assert.ok(!card.text.includes('build'), 'steps after the failure are not shown');
  assert.match(card.text, /Failed step: <b>install<\/b> · <code>MOLT_E_INSTALL<\/code>/);
  assert.ok(card.text.includes('npm ERR! line 14 &lt;pkg@1.0.0&gt;'), 'last output line, escaped');
  assert.ok(card.text.includes('npm ERR! line 5 '), 'ten lines of output are kept');
  assert.ok(!card.text.includes('npm ERR! line 4 '), 'older output lines are cut');
  assert.ok(card.versions.length >= 2, 'the card was edited in place');
  const notice = await h.waitMessage(GROUP, (m) => m.text.startsWith('↩️ Update #1 to'), 'final notice');
  assert.equal(notice.reply_to, card.message_id);
  assert.match(notice.text, /failed at <b>install<\/b> \(<code>MOLT_E_INSTALL<\/code>\); rolled back to <code>\w{7}<\/code>/);
});

test('a succeeded update reports its duration', async (t) => {
  const h = await startHarness(t);
  const { done } = await h.engine.requestUpdate({ trigger: 'auto', actor: 'auto-updater', ref: 'main' });
  await done;
  const card = await h.waitMessage(GROUP, (m) => m.text.includes('Update #1 succeeded</b> in'), 'final card');
  assert.match(card.text, /succeeded<\/b> in \d+(ms|\.\ds)/);
  await h.waitMessage(GROUP, (m) => /^✅ Update #1 to <code>\w{7}<\/code> Bump deps succeeded in/.test(m.text), 'final notice');
});

test('severe conditions are sent as clearly marked alerts: crash loop, recovery, rollback failure and critical alerts', async (t) => {
  const h = await startHarness(t);
  h.events.emit('crash_loop', { restarts: 5, windowMs: 30_000 });
  h.events.emit('recovery', { id: 7, action: 'rolled_back', step: 'install', attempts: 3 });
  h.events.emit('alert', { kind: 'disk_low', severity: 'critical', message: 'only 3% free on /data: backups are refused', details: { freeBytes: 123, path: '/data' } });
  h.events.emit('alert', { kind: 'error_rate', severity: 'warning', message: '5xx at 7% over 60s' });
  h.events.emit('update_started', { id: 9, kind: 'rollback', trigger: 'crash_loop', actor: 'molt', fromSha: COMMITS[2].sha, toSha: COMMITS[1].sha, toSubject: COMMITS[1].subject, commits: [] });
  h.events.emit('rollback_failed', { id: 9, severity: 'critical', error: { code: 'MOLT_E_ROLLBACK_FAILED', message: 'backup checksum mismatch', outputTail: ['sha256 mismatch'] } });
  h.events.emit('alert', { kind: 'rollback_failed', severity: 'critical', message: 'backup checksum mismatch', details: { id: 9, step: 'restore' } });
  h.events.emit('alert', { kind: 'sentinel', severity: 'info', message: 'last one' });
  const crash = await h.waitMessage(GROUP, (m) => m.text.includes('crash-looping') && m.text.includes('<b>Automatic rollback</b> #9'), 'crash loop alert answered by the rollback');
  assert.ok(crash.text.startsWith('🚨 <b>CRITICAL</b>'));
  assert.match(crash.text, /exited 5 times in a row, each within 30s/);
  assert.ok(crash.text.includes(`to <code>${short(COMMITS[1].sha)}</code> Add invoices page started`));
  const rec = await h.waitMessage(GROUP, (m) => m.text.includes('Recovery after restart'), 'recovery alert');
  assert.ok(rec.text.startsWith('🚨 <b>CRITICAL</b>'));
  assert.match(rec.text, /Operation #7 was interrupted .*during <b>install<\/b>.*rolled it back \(attempt 3\)/);
  const disk = await h.waitMessage(GROUP, (m) => m.text.includes('disk low'), 'disk alert');
  assert.ok(disk.text.startsWith('🚨 <b>CRITICAL</b>'));
  assert.ok(disk.text.includes('freeBytes: <code>123</code>'));
  const warn = await h.waitMessage(GROUP, (m) => m.text.includes('error rate'), 'warning alert');
  assert.ok(warn.text.startsWith('⚠️ <b>Warning</b>'));
  const card = await h.waitMessage(GROUP, (m) => m.text.includes('Rollback #9 — rollback failed'), 'rollback_failed card');
  assert.ok(card.text.includes('🚨 <b>CRITICAL'));
  assert.ok(card.text.includes('🚨 <b>Automatic rollback</b> (crash loop)'));
  assert.ok(card.text.includes('<code>MOLT_E_ROLLBACK_FAILED</code>: backup checksum mismatch'));
  const notice = await h.waitMessage(GROUP, (m) => m.text.startsWith('🚨 <b>CRITICAL</b>: Rollback #9 could not be rolled back'), 'critical notice');
  assert.equal(notice.reply_to, card.message_id);
  await h.waitMessage(GROUP, (m) => m.text.includes('last one'), 'sentinel');
  assert.ok(!h.fake.messagesIn(GROUP).some((m) => m.text.includes('— <b>rollback failed</b>')), 'the engine\'s duplicate rollback_failed alert is folded into the card');
});

test('a crash loop that no automatic rollback answers says so and points to the commands', async (t) => {
  const h = await startHarness(t);
  h.events.emit('crash_loop', { restarts: 3, windowMs: 10_000 });
  const m = await h.waitMessage(GROUP, (x) => x.text.includes('crash-looping'), 'alert');
  assert.match(m.text, /No automatic rollback has started/);
  assert.match(m.text, /\/rollback &lt;sha&gt;/);
});

test('a new release found by the auto-updater is announced with when it will be applied', async (t) => {
  const h = await startHarness(t);
  h.events.emit('release_available', { sha: COMMITS[3].sha, subject: 'Bump deps', canary: true, applyAfter: '2026-11-27T03:00:00.000Z' });
  h.events.emit('release_available', { sha: COMMITS[3].sha, subject: 'Bump deps', canary: false, applyAfter: null });
  const auto = await h.waitMessage(GROUP, (m) => m.text.includes('applies it automatically'), 'auto mode');
  assert.ok(auto.text.includes(`<code>${short(COMMITS[3].sha)}</code> Bump deps`));
  assert.match(auto.text, /after 2026-11-27 03:00 UTC \(this instance is a canary\)/);
  await h.waitMessage(GROUP, (m) => m.text.includes('Send /update to apply it'), 'notify mode');
});

test('an operation resumed after a restart gets a full card from its history row although its start was before the bot', async (t) => {
  const h = await startHarness(t);
  h.engine.rows.push({ id: 42, kind: 'update', trigger: 'web', actor: 'web:ada', fromSha: COMMITS[1].sha, toSha: COMMITS[2].sha, fromSubject: null, toSubject: 'Fix login', outcome: 'running', startedAt: '2026-11-26T10:00:00.000Z', finishedAt: null, steps: [], error: null });
  h.events.emit('recovery', { id: 42, action: 'resumed', step: 'install', attempts: 2 });
  h.events.emit('update_step', { id: 42, step: 'install', status: 'started' });
  h.events.emit('update_step', { id: 42, step: 'install', status: 'done', durationMs: 900 });
  h.events.emit('update_succeeded', { id: 42, kind: 'update', fromSha: COMMITS[1].sha, toSha: COMMITS[2].sha, durationMs: 5000 });
  const card = await h.waitMessage(GROUP, (m) => m.text.includes('Update #42 succeeded'), 'card');
  assert.ok(card.text.includes(`<code>${short(COMMITS[1].sha)}</code> → <code>${short(COMMITS[2].sha)}</code> Fix login`), card.text);
  assert.match(card.text, /Trigger: web · actor: web:ada/);
  assert.match(card.text, /✅ install 900ms/);
});

test('without TELEGRAM_CHAT_IDS, notifications go to the admins privately', async (t) => {
  const h = await startHarness(t, { chats: [] });
  h.events.emit('alert', { kind: 'start_failures', severity: 'critical', message: 'the app failed to start 3 times' });
  await h.waitMessage(ADMIN.id, (m) => m.text.includes('start failures'), 'admin 1');
  await h.waitMessage(ADMIN2.id, (m) => m.text.includes('start failures'), 'admin 2');
  assert.equal(h.fake.messagesIn(GROUP).length, 0);
});
