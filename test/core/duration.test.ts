import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDuration, formatDuration } from '../../src/core/duration.js';

test('durations accept ms, s, m, h and d suffixes', () => {
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('10s'), 10_000);
  assert.equal(parseDuration('5m'), 300_000);
  assert.equal(parseDuration('1h'), 3_600_000);
  assert.equal(parseDuration('7d'), 604_800_000);
});

test('a plain number is a number of seconds, fractions included', () => {
  assert.equal(parseDuration('30'), 30_000);
  assert.equal(parseDuration('1.5'), 1500);
  assert.equal(parseDuration(' 2 '), 2000);
});

test('anything else is rejected rather than guessed', () => {
  for (const bad of ['', 'abc', '10x', '-1', '1e3', '5 minutes', 'ms', '1h30m']) assert.equal(parseDuration(bad), undefined, bad);
});

test('formatted durations read naturally', () => {
  assert.equal(formatDuration(250), '250ms');
  assert.equal(formatDuration(1500), '1.5s');
  assert.equal(formatDuration(90_000), '1m30s');
  assert.equal(formatDuration(3_660_000), '1h1m');
});
