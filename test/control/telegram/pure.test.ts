import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCommand, parseRollbackArgs, parseUpdateArgs, parseCountArgs } from '../../../src/control/telegram/args.js';
import { applyCardEvent, type CardEvent } from '../../../src/control/telegram/update-card.js';
import { ConfirmationStore } from '../../../src/control/telegram/confirmations.js';
import { clip, esc, MAX_TEXT, renderCard } from '../../../src/control/telegram/render.js';
import { backoffMs, classifyFailure } from '../../../src/control/telegram/api-errors.js';

const cmd = (text: string, bot = 'molt_bot') => parseCommand(text, text.startsWith('/') ? [{ type: 'bot_command', offset: 0, length: text.split(/\s/)[0].length }] : undefined, bot);

test('commands parse with or without this bot\'s @name, and commands for other bots or plain text yield nothing', () => {
  assert.deepEqual(cmd('/rollback abc1234 force'), { name: 'rollback', args: ['abc1234', 'force'] });
  assert.deepEqual(cmd('/Status@Molt_Bot'), { name: 'status', args: [] });
  assert.equal(cmd('/status@other_bot'), null);
  assert.equal(cmd('hello /status'), null);
});

test('refs that git could read as options, ranges or reflog expressions are rejected; branch, tag and sha refs pass', () => {
  for (const bad of ['--upload-pack=x', 'a..b', 'main@{1}', 'x y', 'feature/', 'v1.lock', '/abs', 'a//b', '$(id)']) {
    const r = parseUpdateArgs(bad.split(' '));
    assert.equal(r.ok, false, bad);
  }
  for (const good of ['main', 'release/2026-11', 'v1.2.3', 'abc1234']) assert.deepEqual(parseUpdateArgs([good]), { ok: true, value: { ref: good } });
});

test('rollback needs a 7 to 40 hex sha, lower-cases it, and accepts only "force" after it', () => {
  assert.deepEqual(parseRollbackArgs(['ABCDEF1']), { ok: true, value: { sha: 'abcdef1', force: false } });
  assert.deepEqual(parseRollbackArgs(['abcdef1', 'force']), { ok: true, value: { sha: 'abcdef1', force: true } });
  const short = parseRollbackArgs(['abc12']);
  assert.ok(!short.ok && short.problem.includes('sha "abc12"') && short.problem.includes('7 to 40 hex digits'));
  assert.equal(parseRollbackArgs(['abcdef1', 'please']).ok, false);
  assert.equal(parseCountArgs(['0'], 'history', 5, 20).ok, false);
  assert.deepEqual(parseCountArgs([], 'history', 5, 20), { ok: true, value: 5 });
});

test('a retried step gets a new row, a finished step its duration, and a rollback marks the failing step', () => {
  const ev = (e: Record<string, unknown>, time = 1000) => ({ time, ...e }) as CardEvent;
  let c = applyCardEvent(undefined, ev({ type: 'update_started', id: 1, kind: 'update', trigger: 'cli', actor: 'me', fromSha: 'a'.repeat(40), toSha: 'b'.repeat(40), toSubject: 'New', commits: [] }));
  c = applyCardEvent(c, ev({ type: 'update_step', id: 1, step: 'install', status: 'started' }, 1000));
  c = applyCardEvent(c, ev({ type: 'update_step', id: 1, step: 'install', status: 'done' }, 1500));
  c = applyCardEvent(c, ev({ type: 'update_step', id: 1, step: 'install', status: 'started' }, 2000));
  assert.deepEqual(c.steps.map((s) => [s.status, s.durationMs]), [['done', 500], ['started', undefined]]);
  c = applyCardEvent(c, ev({ type: 'update_rolled_back', id: 1, kind: 'update', fromSha: null, toSha: null, failedStep: 'install', error: { code: 'MOLT_E_INSTALL', message: 'x' }, durationMs: 9 }));
  assert.equal(c.steps[1].status, 'failed');
  assert.equal(c.outcome.kind, 'rolled_back');
  assert.ok(renderCard(c).includes('❌ install'));
});

test('a confirmation is single-use, only for its requester, and expires by the injected clock', () => {
  const store = new ConfirmationStore(1000);
  const action = { kind: 'rollback' as const, sha: 'a'.repeat(40), force: false, subject: 's', author: 'a' };
  const c = store.create({ userId: 1, userLabel: '@a', chatId: 1, action, prompt: 'p' }, 0);
  assert.equal(store.take(c.id, 2, 10).kind, 'wrong_user');
  assert.equal(store.take(c.id, 1, 10).kind, 'ok');
  assert.equal(store.take(c.id, 1, 10).kind, 'missing');
  const d = store.create({ userId: 1, userLabel: '@a', chatId: 1, action, prompt: 'p' }, 0);
  assert.equal(store.take(d.id, 1, 1000).kind, 'expired');
});

test('long messages are clipped below Telegram\'s 4096 limit without leaving broken markup', () => {
  const long = `<b>x</b>${esc('<&>'.repeat(2000))}`;
  const out = clip(long);
  assert.ok(out.length <= MAX_TEXT);
  assert.ok(!out.includes('<b>'));
  assert.ok(!/&[a-z]*…$/.test(out), 'no half entity at the cut');
});

test('429 failures wait retry_after, 5xx and network errors back off, other 4xx are permanent, and tokens are masked', () => {
  const tg = (code: number, description = '', parameters?: object) => Object.assign(new Error(`${code}: ${description}`), { response: { error_code: code, description, parameters } });
  assert.deepEqual(classifyFailure(tg(429, 'Too Many Requests', { retry_after: 7 }), 't').kind, 'retry');
  assert.equal((classifyFailure(tg(429, 'x', { retry_after: 7 }), 't') as { afterMs?: number }).afterMs, 7000);
  assert.equal(classifyFailure(tg(502, 'Bad Gateway'), 't').kind, 'retry');
  assert.equal(classifyFailure(tg(400, 'Bad Request: message is not modified'), 't').kind, 'not_modified');
  assert.equal(classifyFailure(tg(403, 'Forbidden: bot was blocked by the user'), 't').kind, 'reject');
  const token = '123456789:AAHsecretsecretsecretsecretsecret12345';
  const net = classifyFailure(new Error(`request to http://x/bot${token}/getMe failed`), token);
  assert.equal(net.kind, 'retry');
  assert.ok(!net.message.includes('AAHsecret'));
  assert.deepEqual([1, 2, 3, 10].map((a) => backoffMs(a, 100, 1000)), [100, 200, 400, 1000]);
});
