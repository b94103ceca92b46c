import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tempDir } from '../../helpers/tmp.js';
import { eventually } from '../../helpers/molt-process.js';
import { createUpdateFixture, head } from '../../update/fixture.js';
import { appVersion, startEngine } from '../../update/engine-harness.js';
import { startHarness, ADMIN, GROUP } from './harness.js';

test('through the real engine: /rollback <sha> → confirm → the git remote release is rolled back, with progress edits and a final message', async (t) => {
  const f = await createUpdateFixture(await tempDir(t));
  const run = await startEngine(t, f);
  await eventually(() => appVersion(f.appPort), 15_000, 'v1 up');
  const v1 = head(f);
  const v2 = await f.release({ version: 'v2' }, 'Add the v2 page');
  const up = await (await run.engine.requestUpdate({ trigger: 'cli', actor: 'tester' })).done;
  assert.equal(up.outcome, 'succeeded', JSON.stringify(up.error));
  assert.equal((await appVersion(f.appPort))?.version, 'v2');

  const h = await startHarness(t, {
    events: run.engine.p.events,
    engine: run.engine,
    app: { status: () => run.supervisor.status(), recentLogs: (n) => run.supervisor.logs.toArray(n) },
  });

  h.fake.sendText(ADMIN, '/status');
  const status = await h.waitMessage(ADMIN.id, (m) => m.text.includes('molt status'), 'status');
  assert.ok(status.text.includes(`<code>${v2.slice(0, 7)}</code> Add the v2 page`), status.text);

  h.fake.sendText(ADMIN, `/rollback ${v1.slice(0, 7)}`);
  const prompt = await h.waitMessage(ADMIN.id, (m) => m.text.includes('Roll back?'), 'prompt');
  assert.ok(prompt.text.includes(`<code>${v1.slice(0, 7)}</code> initial release`), prompt.text);
  assert.ok(prompt.text.includes('Molt Test'), 'author from git');
  h.fake.pressButton(ADMIN, prompt, 'Roll back to');

  const card = await h.waitMessage(ADMIN.id, (m) => m.message_id === prompt.message_id && /Rollback #\d+ succeeded/.test(m.text), 'final card');
  assert.ok(card.versions.length >= 3, `prompt → confirmed → progress → final (saw ${card.versions.length} versions)`);
  assert.ok(card.versions.some((v) => v.includes('</b> running')), 'a running state was shown');
  assert.match(card.text, /✅ checkout \S+/);
  assert.match(card.text, /✅ health \S+/);
  await h.waitMessage(ADMIN.id, (m) => m.reply_to === prompt.message_id && m.text.startsWith('✅ Rollback'), 'final notice');
  await h.waitMessage(GROUP, (m) => /Rollback #\d+ succeeded/.test(m.text), 'notification chat');

  assert.equal(head(f), v1);
  assert.equal((await appVersion(f.appPort))?.version, 'v1');
  const row = run.engine.history(1)[0];
  assert.equal(row.kind, 'rollback');
  assert.equal(row.trigger, 'telegram');
  assert.equal(row.actor, `telegram:${ADMIN.id}`);

  h.fake.sendText(ADMIN, '/history 2');
  const hist = await h.waitMessage(ADMIN.id, (m) => m.text.includes('History'), 'history');
  assert.match(hist.text, new RegExp(`#${row.id} rollback succeeded`));
  assert.ok(hist.text.includes(`telegram:${ADMIN.id}`));
});

test('through the real engine: an unknown sha gets a clear reply and nothing runs', async (t) => {
  const f = await createUpdateFixture(await tempDir(t));
  const run = await startEngine(t, f);
  await eventually(() => appVersion(f.appPort), 15_000, 'v1 up');
  const h = await startHarness(t, { events: run.engine.p.events, engine: run.engine, app: { status: () => run.supervisor.status(), recentLogs: (n) => run.supervisor.logs.toArray(n) } });
  h.fake.sendText(ADMIN, '/rollback deadbeef');
  const reply = await h.waitMessage(ADMIN.id, (m) => m.text.includes('failed'), 'reply');
  assert.match(reply.text, /MOLT_E_REF_UNKNOWN|MOLT_E_GIT/);
  assert.equal(run.engine.history(5).filter((r) => r.kind === 'rollback').length, 0);
});
