import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MoltError } from '../../../src/core/errors.js';
import { eventually } from '../../helpers/molt-process.js';
import { startHarness, ADMIN, ADMIN2, STRANGER, GROUP, COMMITS } from './harness.js';

const short = (sha: string) => sha.slice(0, 7);

test('/rollback <sha> → confirm runs the rollback as telegram:<id>, and the prompt is edited in place through every step to the final state', async (t) => {
  const h = await startHarness(t);
  const target = COMMITS[0];
  let promptId = 0;
  // Between steps, wait until the chat shows the previous step as done: proves progress is edited in place.
  h.engine.script = {
    steps: ['backup', 'migrate_down', 'checkout', 'start', 'health'],
    gate: async (step) => {
      if (step !== 'checkout') return;
      await eventually(() => h.fake.messages.find((m) => m.message_id === promptId)?.text.match(/✅ migrate_down \d+ms/), 10_000, 'migrate_down shown as done');
    },
  };
  h.fake.sendText(ADMIN, `/rollback ${short(target.sha).toUpperCase()}`);
  const prompt = await h.waitMessage(ADMIN.id, (m) => m.text.includes('Roll back?'), 'confirmation prompt');
  promptId = prompt.message_id;
  assert.ok(prompt.text.includes(`<code>${short(target.sha)}</code> ${target.subject}`), prompt.text);
  assert.ok(prompt.text.includes('Ada Admin'), 'author shown');
  assert.match(prompt.text, /Data rule: the down migrations/);
  assert.match(prompt.text, /Only @ada can confirm; expires in/);
  const q = h.fake.pressButton(ADMIN, prompt, 'Roll back to');
  await eventually(() => h.fake.answerOf(q), 10_000, 'callback answered');
  const card = await h.waitMessage(ADMIN.id, (m) => m.message_id === promptId && m.text.includes('Rollback #1 succeeded'), 'final card');
  assert.deepEqual(h.engine.requests, [{ sha: target.sha, force: false, trigger: 'telegram', actor: `telegram:${ADMIN.id}` }]);
  assert.ok(card.versions.some((v) => v.includes('Rollback #1</b> running') && v.includes('✅ migrate_down') && !v.includes('health')), 'an intermediate edit showed the progress');
  assert.match(card.text, /✅ backup \d+ms\n✅ migrate_down \d+ms\n✅ checkout \d+ms\n✅ start \d+ms\n✅ health \d+ms/);
  assert.equal(card.reply_markup, undefined, 'the keyboard is gone after confirming');
  const notice = await h.waitMessage(ADMIN.id, (m) => m.text.startsWith('✅ Rollback #1'), 'final notice');
  assert.equal(notice.reply_to, promptId, 'the final notice replies to the card');
  const group = await h.waitMessage(GROUP, (m) => m.text.includes('Rollback #1 succeeded'), 'notification chat card');
  assert.ok(group.text.includes(`actor: telegram:${ADMIN.id}`));
  await h.waitRecord((r) => r.event === 'telegram_operation_started' && r.id === 1 && r.actor === `telegram:${ADMIN.id}`, 'audit of the start');
});

test('a confirmation pressed after it expired does nothing and the prompt says so', async (t) => {
  const h = await startHarness(t);
  h.fake.sendText(ADMIN, `/rollback ${short(COMMITS[0].sha)}`);
  const prompt = await h.waitMessage(ADMIN.id, (m) => m.text.includes('Roll back?'), 'prompt');
  h.clock.offset += 121_000; // the default TTL is 2 minutes
  const q = h.fake.pressButton(ADMIN, prompt, 'Roll back to');
  const answer = await eventually(() => h.fake.answerOf(q), 10_000, 'answer');
  assert.match(String(answer.payload.text), /expired/);
  assert.equal(answer.payload.show_alert, true);
  const edited = await h.waitMessage(ADMIN.id, (m) => m.message_id === prompt.message_id && m.text.includes('Expired'), 'expired prompt');
  assert.equal(edited.reply_markup, undefined);
  await h.waitRecord((r) => r.event === 'telegram_confirm_expired', 'expiry log');
  assert.deepEqual(h.engine.requests, []);
});

test('only the admin who asked can confirm: another admin and a stranger are refused and audited', async (t) => {
  const h = await startHarness(t);
  h.fake.sendText(ADMIN, `/rollback ${short(COMMITS[0].sha)}`, GROUP);
  const prompt = await h.waitMessage(GROUP, (m) => m.text.includes('Roll back?'), 'prompt');
  const q2 = h.fake.pressButton(ADMIN2, prompt, 'Roll back to');
  const a2 = await eventually(() => h.fake.answerOf(q2), 10_000, 'answer to admin 2');
  assert.match(String(a2.payload.text), /Only @ada \(who asked\) can confirm/);
  const refused = await h.waitRecord((r) => r.event === 'telegram_confirm_refused', 'audit');
  assert.equal(refused.userId, ADMIN2.id);
  assert.equal(refused.requesterId, ADMIN.id);
  const q3 = h.fake.pressButton(STRANGER, prompt, 'Roll back to');
  const a3 = await eventually(() => h.fake.answerOf(q3), 10_000, 'answer to stranger');
  assert.match(String(a3.payload.text), /Not allowed/);
  await h.waitRecord((r) => r.event === 'telegram_unauthorized' && r.userId === STRANGER.id, 'stranger audit');
  assert.deepEqual(h.engine.requests, [], 'nothing ran yet');
  const q1 = h.fake.pressButton(ADMIN, prompt, 'Roll back to');
  await eventually(() => h.fake.answerOf(q1), 10_000, 'answer to requester');
  await h.waitMessage(GROUP, (m) => m.text.includes('Rollback #1 succeeded'), 'rollback ran for the requester');
  assert.equal(h.engine.requests.length, 1);
  // In a notification chat the card is its own message; the prompt points to it.
  await h.waitMessage(GROUP, (m) => m.message_id === prompt.message_id && m.text.includes('rollback #1 started; progress in the message below'), 'prompt points to the card');
});

test('/update without a ref shows the pending commits and applies exactly the confirmed sha', async (t) => {
  const h = await startHarness(t);
  h.fake.sendText(ADMIN, '/update');
  const prompt = await h.waitMessage(ADMIN.id, (m) => m.text.includes('Update?'), 'prompt');
  assert.ok(prompt.text.includes(`Target: <code>${short(COMMITS[3].sha)}</code> Bump deps`), prompt.text);
  assert.match(prompt.text, /2 commits · migrations change/);
  assert.ok(prompt.text.includes('Fix &lt;b&gt;login&lt;/b&gt; &amp; logout'), 'subjects escaped');
  h.fake.pressButton(ADMIN, prompt, 'Update to');
  await h.waitMessage(ADMIN.id, (m) => m.message_id === prompt.message_id && m.text.includes('Update #1 succeeded'), 'final card');
  assert.deepEqual(h.engine.requests, [{ sha: COMMITS[3].sha, trigger: 'telegram', actor: `telegram:${ADMIN.id}`, reason: undefined }]);
});

test('a rollback refused for a missing down migration explains the data rule, and "force" asks again with a clear warning', async (t) => {
  const h = await startHarness(t);
  h.engine.script = { ...h.engine.script, refuse: new MoltError('MOLT_E_DOWN_MIGRATION_MISSING', 'migration 0042_add_invoices has no down step') };
  h.fake.sendText(ADMIN, `/rollback ${short(COMMITS[0].sha)}`);
  const prompt = await h.waitMessage(ADMIN.id, (m) => m.text.includes('Roll back?'), 'prompt');
  h.fake.pressButton(ADMIN, prompt, 'Roll back to');
  const refused = await h.waitMessage(ADMIN.id, (m) => m.message_id === prompt.message_id && m.text.includes('Refused'), 'refusal');
  assert.ok(refused.text.includes('<code>MOLT_E_DOWN_MIGRATION_MISSING</code>'));
  assert.ok(refused.text.includes(`/rollback ${short(COMMITS[0].sha)} force`));
  h.engine.script = { steps: ['restore', 'start'] };
  h.fake.sendText(ADMIN, `/rollback ${short(COMMITS[0].sha)} force`);
  const forced = await h.waitMessage(ADMIN.id, (m) => m.text.includes('Roll back (FORCED)?'), 'forced prompt');
  assert.match(forced.text, /data written since that release is <b>discarded<\/b>/);
  h.fake.pressButton(ADMIN, forced, 'Force rollback');
  await h.waitMessage(ADMIN.id, (m) => m.message_id === forced.message_id && m.text.includes('succeeded'), 'forced rollback done');
  assert.equal((h.engine.requests[1] as { force?: boolean }).force, true);
});

test('cancelling a confirmation runs nothing', async (t) => {
  const h = await startHarness(t);
  h.fake.sendText(ADMIN, `/update ${short(COMMITS[2].sha)}`);
  const prompt = await h.waitMessage(ADMIN.id, (m) => m.text.includes('Update to'), 'prompt');
  const okData = prompt.reply_markup!.inline_keyboard[0][0].callback_data;
  h.fake.pressButton(ADMIN, prompt, 'Cancel');
  await h.waitMessage(ADMIN.id, (m) => m.message_id === prompt.message_id && m.text.includes('Cancelled by @ada'), 'cancelled');
  const again = h.fake.press(ADMIN, prompt, okData);
  const a = await eventually(() => h.fake.answerOf(again), 10_000, 'answer');
  assert.match(String(a.payload.text), /no longer valid/);
  assert.deepEqual(h.engine.requests, []);
});
