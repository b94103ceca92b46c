import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, ADMIN, STRANGER, GROUP, COMMITS } from './harness.js';

const short = (sha: string) => sha.slice(0, 7);

test('a command from a user outside TELEGRAM_ADMIN_IDS is refused with their id, audited, and never reaches the engine', async (t) => {
  const h = await startHarness(t);
  h.fake.sendText(STRANGER, `/rollback ${short(COMMITS[0].sha)}`, GROUP);
  const refusal = await h.waitMessage(GROUP, (m) => m.text.includes('Not allowed'), 'refusal');
  assert.match(refusal.text, new RegExp(String(STRANGER.id)));
  const audit = await h.waitRecord((r) => r.event === 'telegram_unauthorized', 'audit record');
  assert.equal(audit.userId, STRANGER.id);
  assert.equal(audit.command, '/rollback');
  assert.equal(audit.level, 'warn');
  assert.deepEqual(h.engine.requests, []);
  assert.deepEqual(h.engine.log, [], 'the engine (and git) was not consulted');
});

test('/status shows the release as a short sha with its subject, the app state and pending commits', async (t) => {
  const h = await startHarness(t);
  h.fake.sendText(ADMIN, '/status');
  const m = await h.waitMessage(ADMIN.id, (x) => x.text.includes('molt status'), 'status reply');
  assert.ok(m.text.includes(`<code>${short(COMMITS[1].sha)}</code> Add invoices page`), m.text);
  assert.match(m.text, /up \(pid 4321/);
  assert.match(m.text, /restarts: 2/);
  assert.match(m.text, /Pending: 2 new commits on main/);
  assert.ok(!m.text.includes(COMMITS[1].sha), 'full shas are not shown');
  const rec = await h.waitRecord((r) => r.event === 'telegram_command' && r.command === 'status', 'command audit');
  assert.equal(rec.actor, `telegram:${ADMIN.id}`);
});

test('/history lists operations newest first with short shas, outcomes, trigger and actor', async (t) => {
  const h = await startHarness(t);
  h.engine.rows.push(
    { id: 1, kind: 'update', trigger: 'web', actor: 'web:admin', fromSha: COMMITS[0].sha, toSha: COMMITS[1].sha, fromSubject: null, toSubject: COMMITS[1].subject, outcome: 'succeeded', startedAt: '2026-11-25T10:00:00.000Z', finishedAt: '2026-11-25T10:01:00.000Z', steps: [], error: null },
    { id: 2, kind: 'update', trigger: 'app', actor: 'app', fromSha: COMMITS[1].sha, toSha: COMMITS[2].sha, fromSubject: null, toSubject: COMMITS[2].subject, outcome: 'rolled_back', startedAt: '2026-11-26T09:00:00.000Z', finishedAt: '2026-11-26T09:01:00.000Z', steps: [], error: { code: 'MOLT_E_BUILD', message: 'tsc failed', step: 'build' } },
  );
  h.fake.sendText(ADMIN, '/history 5');
  const m = await h.waitMessage(ADMIN.id, (x) => x.text.includes('History'), 'history reply');
  const i2 = m.text.indexOf('#2 update rolled_back');
  const i1 = m.text.indexOf('#1 update succeeded');
  assert.ok(i2 !== -1 && i1 !== -1 && i2 < i1, m.text);
  assert.ok(m.text.includes(`<code>${short(COMMITS[2].sha)}</code> Fix &lt;b&gt;login&lt;/b&gt; &amp; logout`), 'subjects are escaped');
  assert.ok(m.text.includes('<code>MOLT_E_BUILD</code> at build'));
  assert.ok(m.text.includes('web:admin'));
});

test('/logs shows the last n app log lines, HTML-escaped, and refuses n above the bound', async (t) => {
  const h = await startHarness(t);
  for (let i = 0; i < 30; i++) h.appLogs.push({ time: Date.UTC(2026, 10, 26, 11, 0, i), stream: i % 2 ? 'stderr' : 'stdout', line: `line ${i} <script>alert(1)</script>` });
  h.fake.sendText(ADMIN, '/logs 3');
  const m = await h.waitMessage(ADMIN.id, (x) => x.text.includes('app log lines'), 'logs reply');
  assert.ok(m.text.includes('line 29 &lt;script&gt;'), m.text);
  assert.ok(m.text.includes('line 27'));
  assert.ok(!m.text.includes('line 26'));
  assert.ok(!m.text.includes('<script>'));
  h.fake.sendText(ADMIN, '/logs 1000');
  const bad = await h.waitMessage(ADMIN.id, (x) => x.text.includes('Bad argument'), 'bound reply');
  assert.match(bad.text, /from 1 to 100/);
});

test('a malformed sha or ref gets a clear reply naming the argument and never reaches the engine or git', async (t) => {
  const h = await startHarness(t);
  h.fake.sendText(ADMIN, '/rollback 12;rm -rf');
  const a = await h.waitMessage(ADMIN.id, (x) => x.text.includes('Bad argument'), 'sha reply');
  assert.match(a.text, /sha &quot;12;rm&quot;|sha "12;rm"/);
  assert.match(a.text, /7 to 40 hex digits/);
  h.fake.sendText(ADMIN, '/update --upload-pack=evil');
  const b = await h.waitMessage(ADMIN.id, (x) => x.text.includes('ref'), 'ref reply');
  assert.match(b.text, /must not start with "-"|must not start with &quot;-&quot;/);
  h.fake.sendText(ADMIN, '/rollback');
  await h.waitMessage(ADMIN.id, (x) => x.text.includes('Usage: /rollback &lt;sha&gt;'), 'missing sha reply');
  assert.deepEqual(h.engine.log, [], 'describe() (git) was never called');
  assert.deepEqual(h.engine.requests, []);
});

test('in a group, commands addressed to this bot by @name are answered and those for another bot are ignored', async (t) => {
  const h = await startHarness(t);
  h.fake.sendText(ADMIN, '/status@other_bot', GROUP);
  h.fake.sendText(ADMIN, 'just chatting about /status', GROUP);
  h.fake.sendText(ADMIN, '/help@molt_test_bot', GROUP);
  const help = await h.waitMessage(GROUP, (x) => x.text.includes('/rollback'), 'help reply');
  assert.ok(help.reply_to !== undefined, 'group replies quote the command');
  h.fake.sendText(ADMIN, '/status@Molt_Test_Bot', GROUP);
  await h.waitMessage(GROUP, (x) => x.text.includes('molt status'), 'status reply');
  assert.equal(h.fake.messagesIn(GROUP).length, 2, 'only the two commands for this bot were answered');
});

test('on start the bot registers its command menu with Telegram', async (t) => {
  const h = await startHarness(t);
  await h.bot.whenReady();
  const menu = h.fake.callsOf('setMyCommands')[0];
  assert.deepEqual(menu.payload.commands.map((c: { command: string }) => c.command), ['status', 'history', 'update', 'rollback', 'logs', 'help']);
});

test('/restore is not offered in chat and unknown commands point to /help', async (t) => {
  const h = await startHarness(t);
  h.fake.sendText(ADMIN, '/restore latest');
  await h.waitMessage(ADMIN.id, (x) => x.text.includes('not available in chat'), 'restore refusal');
  h.fake.sendText(ADMIN, '/frobnicate');
  await h.waitMessage(ADMIN.id, (x) => x.text.includes('Unknown command /frobnicate'), 'unknown reply');
  assert.deepEqual(h.engine.requests, []);
});
