import { test } from 'node:test';
import assert from 'node:assert/strict';
import { refProblem, assertRef, assertSha } from '../../src/update/refs.js';
import { decideRecovery, pendingSteps, planSteps, planUndo } from '../../src/update/plan.js';
import type { Journal } from '../../src/update/journal.js';
import { isMoltError } from '../../src/core/errors.js';

test('refs follow git check-ref-format and never start with a dash', () => {
  for (const ok of ['main', 'release/1.2', 'v1.0.0', 'feature/x-y']) assert.equal(refProblem(ok), null, ok);
  for (const bad of ['--upload-pack=touch /tmp/x', '-b', 'a..b', 'a b', 'a~1', 'x^', 'a:b', 'x?', 'a*', 'a[', 'a\\b', '/a', 'a/', 'a.', 'a//b', '.hidden', 'a/.b', 'x.lock', '@', 'a@{1}', '']) {
    assert.notEqual(refProblem(bad), null, bad);
  }
  assert.throws(() => assertRef('--output=x'), (e) => isMoltError(e, 'MOLT_E_REF_INVALID') && /ref "--output=x" starts with '-'/.test(e.message));
  assert.equal(assertSha('ABCDEF12'), 'abcdef12');
  assert.throws(() => assertSha('xyz'), (e) => isMoltError(e, 'MOLT_E_REF_INVALID'));
});

function journal(steps: [string, string][], over: Partial<Journal> = {}): Journal {
  return {
    version: 1, id: 1, kind: 'update', trigger: 'cli', actor: 't', phase: 'forward', fromSha: 'a', toSha: 'b', fromSubject: null, toSubject: null,
    startedAt: '', attempts: 1, pid: 1, steps: steps.map(([name, status]) => ({ name, status: status as 'done' })), undo: [], ...over,
  };
}

test('recovery resumes while attempts remain, then rolls back; a pending commit always finishes', () => {
  const j = journal([['stop', 'done'], ['backup', 'done'], ['checkout', 'started'], ['install', 'pending']]);
  assert.deepEqual(decideRecovery(j, 3), { action: 'resume', step: 'checkout' });
  assert.equal(decideRecovery({ ...j, attempts: 3 }, 3).action, 'rollback');
  const c = journal([['health', 'done'], ['commit', 'started']], { attempts: 9 });
  assert.deepEqual(decideRecovery(c, 3), { action: 'resume', step: 'commit' });
  assert.equal(decideRecovery({ ...j, phase: 'rollback', undo: pendingSteps(['stop_new', 'record']) }, 3).action, 'continue_undo');
});

test('undo restores only what the forward steps touched', () => {
  const early = journal([['stop', 'done'], ['backup', 'started']]);
  assert.deepEqual(planUndo(early), ['stop_new', 'start_old', 'verify_old', 'record']);
  const late = journal([['stop', 'done'], ['backup', 'done'], ['checkout', 'done'], ['install', 'done'], ['migrate', 'failed']], {
    backup: { dir: '', createdAt: '', tarball: { path: '', sha256: '', size: 1 }, sqlite: [{ target: 'x', existed: true, snapshot: 's', sha256: 'h' }] },
    deps: { fromHash: 'a', toHash: 'b', parked: true, installed: true },
  });
  assert.deepEqual(planUndo(late), ['stop_new', 'restore_code', 'restore_deps', 'restore_db', 'start_old', 'verify_old', 'record']);
  assert.deepEqual(planSteps('rollback').slice(0, 3), ['stop', 'backup', 'migrate_down']);
});
