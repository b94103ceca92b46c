import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tempDir } from '../helpers/tmp.js';
import { HistoryStore } from '../../src/store/history-db.js';

test('operations keep the API field names through insert, update and a read-only reopen', async (t) => {
  const dir = await tempDir(t);
  const store = HistoryStore.open(dir);
  const id = store.insertOperation({ kind: 'update', trigger: 'telegram', actor: 'alice', fromSha: 'a'.repeat(40), toSha: 'b'.repeat(40), fromSubject: 'old', toSubject: 'new', startedAt: '2026-01-01T00:00:00.000Z' });
  assert.equal(store.getOperation(id)?.outcome, 'running');
  store.updateOperation(id, { outcome: 'rolled_back', finishedAt: '2026-01-01T00:01:00.000Z', steps: [{ step: 'install', status: 'failed', startedAt: '2026-01-01T00:00:10.000Z', durationMs: 1200 }], error: { code: 'MOLT_E_INSTALL', message: 'npm ci exited with 1', step: 'install', outputTail: ['npm ERR! x'] } });
  store.updateOperation(id, { details: { note: 1 } });
  store.close();
  const ro = HistoryStore.open(dir, { readonly: true });
  t.after(() => ro.close());
  const [row] = ro.history(10);
  assert.deepEqual(
    { ...row },
    {
      id, kind: 'update', trigger: 'telegram', actor: 'alice', fromSha: 'a'.repeat(40), toSha: 'b'.repeat(40), fromSubject: 'old', toSubject: 'new', outcome: 'rolled_back',
      startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:01:00.000Z', steps: [{ step: 'install', status: 'failed', startedAt: '2026-01-01T00:00:10.000Z', durationMs: 1200 }],
      error: { code: 'MOLT_E_INSTALL', message: 'npm ci exited with 1', step: 'install', outputTail: ['npm ERR! x'] }, details: { note: 1 },
    },
  );
});

test('committing a release makes it last-good; pins are listed until unpinned by a prefix', async (t) => {
  const store = HistoryStore.open(await tempDir(t));
  t.after(() => store.close());
  assert.equal(store.lastGood(), null);
  store.commitRelease({ sha: 'c'.repeat(40), subject: 'one', committedAt: '2026-01-01T00:00:00.000Z', schemaVersion: 1, depsHash: 'h1' });
  store.commitRelease({ sha: 'd'.repeat(40), subject: 'two', committedAt: '2026-01-02T00:00:00.000Z', schemaVersion: 2, depsHash: 'h2' });
  assert.equal(store.lastGood()?.sha, 'd'.repeat(40));
  assert.deepEqual(store.releases().map((r) => r.schemaVersion), [2, 1]);
  store.pin('d'.repeat(40), 'rolled back', 'bob', '2026-01-03T00:00:00.000Z');
  assert.deepEqual(store.pins(), [{ sha: 'd'.repeat(40), reason: 'rolled back', since: '2026-01-03T00:00:00.000Z' }]);
  assert.equal(store.unpin('dddddddd'), true);
  assert.deepEqual(store.pins(), []);
});
