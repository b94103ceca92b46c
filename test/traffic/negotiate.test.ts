import { test } from 'node:test';
import assert from 'node:assert/strict';
import { negotiateLanguage, parseWeighted, wantsJson } from '../../src/traffic/negotiate.js';
import { holdingSentence, renderHolding } from '../../src/traffic/holding-page.js';
import { nextFrontState } from '../../src/traffic/front.js';

test('Accept-Language entries are ordered by q-value, ties keep header order, q=0 is dropped', () => {
  assert.deepEqual(parseWeighted('en;q=0.4, zh-CN, fr;q=0, de;q=0.4').map((e) => e.value), ['zh-cn', 'en', 'de']);
});

test('the language with the higher q-value wins even when listed later', () => {
  assert.equal(negotiateLanguage('en-US;q=0.5, zh-CN;q=0.9'), 'zh');
  assert.equal(negotiateLanguage('zh;q=0.2, en-GB'), 'en');
  assert.equal(negotiateLanguage('fr, zh-TW;q=0.1'), 'zh');
  assert.equal(negotiateLanguage(undefined), 'en');
  assert.equal(negotiateLanguage('fr, de'), 'en');
});

test('JSON is chosen only when application/json outranks text/html', () => {
  assert.equal(wantsJson('application/json'), true);
  assert.equal(wantsJson('text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'), false);
  assert.equal(wantsJson('text/html;q=0.5, application/json'), true);
  assert.equal(wantsJson('application/json;q=0.1, text/html'), false);
  assert.equal(wantsJson(undefined), false);
});

test('the sentence names the action, the short sha and the estimate in both languages', () => {
  assert.equal(holdingSentence({ reason: 'update', targetSha: 'ABC1234def5678' }, 40, 'en'), 'Updating to abc1234 — usually takes ~40 s');
  assert.equal(holdingSentence({ reason: 'update', targetSha: 'abc1234def' }, 40, 'zh'), '正在更新到 abc1234 — 通常需要约 40 秒');
  assert.equal(holdingSentence({ reason: 'restart' }, 5, 'en'), 'Restarting — usually takes ~5 s');
});

test('a custom page gets the sha and seconds substituted, and HTML in the sha is never injected', () => {
  const r = renderHolding({}, { info: { reason: 'update', targetSha: '<script>' }, retryAfter: 12.2, customHtml: '<p>{{sha}} in {{seconds}}s</p>' });
  assert.equal(r.body, '<p> in 13s</p>');
  assert.equal(r.headers['retry-after'], '13');
});

test('front state: holding again keeps the window start, releasing twice is a no-op', () => {
  const held = nextFrontState({ kind: 'released', since: 0 }, { type: 'hold', info: { reason: 'restart' }, now: 10 });
  const again = nextFrontState(held, { type: 'hold', info: { reason: 'update', targetSha: 'abc' }, now: 20 });
  assert.deepEqual(again, { kind: 'held', info: { reason: 'update', targetSha: 'abc' }, since: 10 });
  const rel = nextFrontState(again, { type: 'release', now: 30 });
  assert.deepEqual(rel, { kind: 'released', since: 30 });
  assert.equal(nextFrontState(rel, { type: 'release', now: 40 }), rel);
});
