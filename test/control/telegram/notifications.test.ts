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
  const crash = await h.waitMessage(GROUP, (m) => m.text.includes('crash-looping'), 'crash loop alert');
  assert.ok(crash.text.startsWith('🚨 <b>CRITICAL</b>'));
  assert.match(crash.text, /exited 5 times in a row, each within 30s/);
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
});

test('without TELEGRAM_CHAT_IDS, notifications go to the admins privately', async (t) => {
  const h = await startHarness(t, { chats: [] });
  h.events.emit('alert', { kind: 'start_failures', severity: 'critical', message: 'the app failed to start 3 times' });
  await h.waitMessage(ADMIN.id, (m) => m.text.includes('start failures'), 'admin 1');
  await h.waitMessage(ADMIN2.id, (m) => m.text.includes('start failures'), 'admin 2');
  assert.equal(h.fake.messagesIn(GROUP).length, 0);
});
