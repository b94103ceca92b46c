import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isWindowOpen, minuteInWindow, minuteOfDay, nextWindowOpen, formatWindow } from '../../src/auto/window.js';

const at = (iso: string) => Date.parse(iso);
const w = (s: string, e: string) => {
  const [h1, m1] = s.split(':').map(Number);
  const [h2, m2] = e.split(':').map(Number);
  return { startMin: h1 * 60 + m1, endMin: h2 * 60 + m2 };
};

test('a window is open from its start minute inclusive to its end minute exclusive', () => {
  const win = w('02:00', '05:00');
  assert.equal(isWindowOpen(at('2026-03-10T01:59:59Z'), win, 'UTC'), false);
  assert.equal(isWindowOpen(at('2026-03-10T02:00:00Z'), win, 'UTC'), true);
  assert.equal(isWindowOpen(at('2026-03-10T04:59:59Z'), win, 'UTC'), true);
  assert.equal(isWindowOpen(at('2026-03-10T05:00:00Z'), win, 'UTC'), false);
});

test('a window crossing midnight is open late in the evening and early in the morning but not at midday', () => {
  const win = w('22:00', '03:00');
  assert.equal(isWindowOpen(at('2026-03-10T21:59:00Z'), win, 'UTC'), false);
  assert.equal(isWindowOpen(at('2026-03-10T22:00:00Z'), win, 'UTC'), true);
  assert.equal(isWindowOpen(at('2026-03-10T23:59:59Z'), win, 'UTC'), true);
  assert.equal(isWindowOpen(at('2026-03-11T00:00:00Z'), win, 'UTC'), true);
  assert.equal(isWindowOpen(at('2026-03-11T02:59:00Z'), win, 'UTC'), true);
  assert.equal(isWindowOpen(at('2026-03-11T03:00:00Z'), win, 'UTC'), false);
  assert.equal(isWindowOpen(at('2026-03-11T12:00:00Z'), win, 'UTC'), false);
});

test('a window ending at 24:00 covers the last minute of the day', () => {
  const win = w('23:00', '24:00');
  assert.equal(minuteInWindow(23 * 60 + 59, win), true);
  assert.equal(minuteInWindow(0, win), false);
  assert.equal(minuteInWindow(22 * 60 + 59, win), false);
});

test('the window is evaluated in MOLT_TZ, not in UTC', () => {
  const win = w('02:00', '05:00');
  // 18:30 UTC is 02:30 in Asia/Shanghai (UTC+8, no DST).
  assert.equal(minuteOfDay(at('2026-07-01T18:30:00Z'), 'Asia/Shanghai'), 2 * 60 + 30);
  assert.equal(isWindowOpen(at('2026-07-01T18:30:00Z'), win, 'Asia/Shanghai'), true);
  assert.equal(isWindowOpen(at('2026-07-01T18:30:00Z'), win, 'UTC'), false);
  // New York follows DST: 06:30 UTC is 02:30 EDT in July but 01:30 EST in January.
  assert.equal(isWindowOpen(at('2026-07-01T06:30:00Z'), win, 'America/New_York'), true);
  assert.equal(isWindowOpen(at('2026-01-15T06:30:00Z'), win, 'America/New_York'), false);
});

test('no window ("always") is open at any instant', () => {
  for (const iso of ['2026-03-10T00:00:00Z', '2026-03-10T12:34:00Z', '2026-03-10T23:59:59Z']) assert.equal(isWindowOpen(at(iso), null, 'UTC'), true);
  assert.equal(formatWindow(null), 'always');
  assert.equal(formatWindow(w('22:00', '03:00')), '22:00-03:00');
});

test('the next opening is now inside the window and the next start minute outside it, also across midnight and in other zones', () => {
  const win = w('22:00', '03:00');
  const inside = at('2026-03-10T23:15:42Z');
  assert.equal(nextWindowOpen(inside, win, 'UTC'), inside);
  assert.equal(new Date(nextWindowOpen(at('2026-03-10T12:00:30Z'), win, 'UTC')).toISOString(), '2026-03-10T22:00:00.000Z');
  assert.equal(new Date(nextWindowOpen(at('2026-03-11T03:00:00Z'), win, 'UTC')).toISOString(), '2026-03-11T22:00:00.000Z');
  // 02:00 in Shanghai is 18:00 UTC the previous day.
  assert.equal(new Date(nextWindowOpen(at('2026-07-01T10:00:00Z'), w('02:00', '05:00'), 'Asia/Shanghai')).toISOString(), '2026-07-01T18:00:00.000Z');
});

test('the next opening lands on the real start minute across a daylight-saving change', () => {
  // Europe/Berlin springs forward on 2026-03-29 at 02:00 local (01:00 UTC); a 03:30 window start is 01:30 UTC that day.
  const open = nextWindowOpen(at('2026-03-28T12:00:00Z'), w('03:30', '05:00'), 'Europe/Berlin');
  assert.equal(new Date(open).toISOString(), '2026-03-29T01:30:00.000Z');
  assert.equal(isWindowOpen(open, w('03:30', '05:00'), 'Europe/Berlin'), true);
  assert.equal(isWindowOpen(open - 60_000, w('03:30', '05:00'), 'Europe/Berlin'), false);
});
