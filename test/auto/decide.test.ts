import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyAfter, blockReason, decide, jittered, type DecisionInput } from '../../src/auto/decide.js';
import type { HistoryRow } from '../../src/update/api.js';

const H = 3_600_000;
const NOW = Date.parse('2026-03-10T12:00:00Z');
const TIP = 'b'.repeat(40);
const CUR = 'a'.repeat(40);

function input(over: Partial<DecisionInput> = {}): DecisionInput {
  return { mode: 'apply', now: NOW, tip: { sha: TIP, subject: 'feat', committedAt: NOW - 10 * 60_000 }, currentSha: CUR, firstSeenAt: NOW, blocked: null, canary: false, bakeMs: H, window: null, tz: 'UTC', ...over };
}

function row(over: Partial<HistoryRow>): HistoryRow {
  return { id: 1, kind: 'update', trigger: 'auto', actor: 'auto', fromSha: CUR, toSha: TIP, fromSubject: null, toSubject: null, outcome: 'succeeded', startedAt: '', finishedAt: null, steps: [], error: null, ...over };
}

test('the tip that already runs needs nothing, in any mode', () => {
  assert.deepEqual(decide(input({ currentSha: TIP })), { kind: 'up_to_date' });
  assert.deepEqual(decide(input({ currentSha: TIP, mode: 'notify' })), { kind: 'up_to_date' });
});

test('notify mode never applies, even for a canary inside the window', () => {
  assert.deepEqual(decide(input({ mode: 'notify', canary: true })), { kind: 'notify' });
});

test('a canary applies at once while a non-canary waits until the commit is MOLT_CANARY_BAKE old', () => {
  assert.deepEqual(decide(input({ canary: true })), { kind: 'apply' });
  const d = decide(input({ canary: false, firstSeenAt: NOW - 10 * 60_000 }));
  assert.deepEqual(d, { kind: 'wait', until: NOW - 10 * 60_000 + H, reason: 'bake' });
  assert.deepEqual(decide(input({ now: NOW + 50 * 60_000, firstSeenAt: NOW - 10 * 60_000 })), { kind: 'apply' });
  assert.equal(decide(input({ now: NOW + 50 * 60_000 - 1, firstSeenAt: NOW - 10 * 60_000 })).kind, 'wait');
});

test('an old commit that was pushed late still bakes from the time it was first seen', () => {
  const old = input({ tip: { sha: TIP, subject: 'old', committedAt: NOW - 48 * H }, firstSeenAt: NOW });
  assert.deepEqual(decide(old), { kind: 'wait', until: NOW + H, reason: 'bake' });
});

test('outside the update window even a canary waits for the next opening, and a baked commit waits for the window too', () => {
  const win = { startMin: 2 * 60, endMin: 5 * 60 };
  assert.deepEqual(decide(input({ canary: true, window: win })), { kind: 'wait', until: Date.parse('2026-03-11T02:00:00Z'), reason: 'window' });
  // Baked at 13:00, window opens 02:00 next day.
  assert.equal(applyAfter(input({ window: win })).at, Date.parse('2026-03-11T02:00:00Z'));
  // Inside the window at 03:00 but only baked at 03:30 → wait for the bake, still inside the window.
  const inWin = input({ now: Date.parse('2026-03-11T03:00:00Z'), firstSeenAt: Date.parse('2026-03-11T02:30:00Z'), window: win });
  assert.deepEqual(decide(inWin), { kind: 'wait', until: Date.parse('2026-03-11T03:30:00Z'), reason: 'bake' });
});

test('a blocked tip is never applied, whatever canary, bake and window say', () => {
  assert.deepEqual(decide(input({ canary: true, blocked: 'pinned: manual rollback' })), { kind: 'blocked', reason: 'pinned: manual rollback' });
});

test('a pinned sha or one rolled back automatically is blocked, and a newer commit is not', () => {
  assert.match(blockReason(TIP, [{ sha: TIP, reason: 'manual rollback by alice' }], [], new Set()) ?? '', /pinned: manual rollback by alice/);
  assert.match(blockReason(TIP, [], [row({ id: 7, outcome: 'rolled_back' })], new Set()) ?? '', /rolled back automatically \(history #7/);
  assert.match(blockReason(TIP, [], [row({ id: 8, kind: 'rollback', trigger: 'probation', fromSha: TIP, toSha: CUR })], new Set()) ?? '', /#8, probation/);
  assert.match(blockReason(TIP, [], [row({ id: 9, outcome: 'refused', error: { code: 'MOLT_E_UNSIGNED', message: 'x' } })], new Set()) ?? '', /refused.*MOLT_E_UNSIGNED/);
  const newer = 'c'.repeat(40);
  assert.equal(blockReason(newer, [{ sha: TIP, reason: 'x' }], [row({ outcome: 'rolled_back' })], new Set()), null);
});

test('an admin rollback (not automatic) does not block the sha it rolled away from unless it is pinned', () => {
  assert.equal(blockReason(TIP, [], [row({ kind: 'rollback', trigger: 'web', fromSha: TIP, toSha: CUR })], new Set()), null);
});

test('an unpinned sha is no longer blocked by its automatic rollback in history', () => {
  assert.equal(blockReason(TIP, [], [row({ outcome: 'rolled_back' })], new Set([TIP])), null);
});

test('the poll interval is jittered by at most ±10 %', () => {
  assert.equal(jittered(300_000, 0), 270_000);
  assert.equal(jittered(300_000, 0.5), 300_000);
  assert.ok(jittered(300_000, 0.999999) <= 330_000);
});
