import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cachedEstimate, estimateFromHistory } from '../../src/traffic/estimate.js';
import type { HistoryRow } from '../../src/update/api.js';

const row = (seconds: number, outcome: HistoryRow['outcome'] = 'succeeded', kind: HistoryRow['kind'] = 'update'): HistoryRow => ({
  id: 1, kind, trigger: 'cli', actor: 'a', fromSha: null, toSha: null, fromSubject: null, toSubject: null, outcome,
  startedAt: '2026-01-01T00:00:00.000Z', finishedAt: new Date(Date.parse('2026-01-01T00:00:00.000Z') + seconds * 1000).toISOString(), steps: [], error: null,
});

test('the estimate is the median duration of finished updates and rollbacks, rounded up to seconds', () => {
  assert.equal(estimateFromHistory([row(40), row(12.2), row(90), row(1, 'refused'), row(500, 'succeeded', 'restore')]), 40);
  assert.equal(estimateFromHistory([row(10.1), row(20)]), 16);
});

test('without history the estimate is the fallback, and it stays within 5 s to 10 min', () => {
  assert.equal(estimateFromHistory([]), 30);
  assert.equal(estimateFromHistory([row(1)]), 5);
  assert.equal(estimateFromHistory([row(5000)]), 600);
});

test('the cached estimate asks history at most once per ttl and keeps the last value when history throws', () => {
  let now = 0;
  let calls = 0;
  let fail = false;
  const c = cachedEstimate(10_000, () => now);
  assert.equal(c.estimate(), 30);
  c.attach(() => {
    calls++;
    if (fail) throw new Error('db closed');
    return [row(42)];
  });
  assert.deepEqual([c.estimate(), c.estimate()], [42, 42]);
  assert.equal(calls, 1);
  fail = true;
  now = 20_000;
  assert.equal(c.estimate(), 42);
  assert.equal(calls, 2);
});
