import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { canaryScore, isCanary } from '../../src/auto/canary.js';

const SHA_A = 'a'.repeat(40);
const SHA_B = '0123456789abcdef0123456789abcdef01234567';

test('the canary decision for an instance and a commit is the same every time it is computed', () => {
  const id = 'pod-web-7f9c';
  const first = canaryScore(id, SHA_A);
  for (let i = 0; i < 100; i++) assert.equal(canaryScore(id, SHA_A), first);
  assert.ok(first >= 0 && first < 1);
  assert.equal(isCanary(id, SHA_A, 0.5), first < 0.5);
});

test('probability 0 makes no instance a canary and probability 1 makes every instance one', () => {
  for (let i = 0; i < 500; i++) {
    const id = randomBytes(8).toString('hex');
    assert.equal(isCanary(id, SHA_B, 0), false);
    assert.equal(isCanary(id, SHA_B, 1), true);
  }
});

test('over 10,000 simulated instance ids the canary fraction is within 2 % of p', () => {
  const ids = Array.from({ length: 10_000 }, (_, i) => `instance-${i}-${randomBytes(4).toString('hex')}`);
  for (const p of [0.05, 0.1, 0.25, 0.5, 0.9]) {
    const canaries = ids.filter((id) => isCanary(id, SHA_B, p)).length;
    const fraction = canaries / ids.length;
    assert.ok(Math.abs(fraction - p) <= 0.02, `p=${p}: fraction ${fraction}`);
  }
});

test('a different commit picks a different subset of the fleet as canaries', () => {
  const ids = Array.from({ length: 2000 }, (_, i) => `node-${i}`);
  const a = new Set(ids.filter((id) => isCanary(id, SHA_A, 0.2)));
  const b = ids.filter((id) => isCanary(id, SHA_B, 0.2));
  const overlap = b.filter((id) => a.has(id)).length;
  // Independent buckets overlap in about p² of the fleet (80 of 2000), far from the 400 of identical subsets.
  assert.ok(overlap < 200, `overlap ${overlap}`);
});
