import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tempDir } from '../../helpers/tmp.js';
import { GitFixture } from '../../helpers/git-fixture.js';
import { fixture } from '../../helpers/paths.js';
import { eventually, freePort, startMolt } from '../../helpers/molt-process.js';
import { FakeTelegram } from '../../helpers/fake-telegram.js';
import { ADMIN, GROUP, TOKEN } from './harness.js';

test('`molt run` with TELEGRAM_BOT_TOKEN answers /status, survives a Telegram outage, stops cleanly, and never prints the token', async (t) => {
  const root = await tempDir(t);
  const g = await GitFixture.create(root, { 'README.md': 'app\n', '.gitignore': 'data/\n' });
  const fake = await FakeTelegram.start(TOKEN);
  t.after(() => fake.close());
  const [port, appPort] = [await freePort(), await freePort()];
  const molt = startMolt(['run', '--', process.execPath, fixture('traffic-app.mjs')], {
    MOLT_APP_DIR: g.app,
    MOLT_PORT: String(port),
    MOLT_APP_PORT: String(appPort),
    MOLT_ADMIN_PORT: '0',
    MOLT_TINI: 'off',
    TELEGRAM_BOT_TOKEN: TOKEN,
    TELEGRAM_API_ROOT: fake.apiRoot,
    TELEGRAM_ADMIN_IDS: String(ADMIN.id),
    TELEGRAM_CHAT_IDS: String(GROUP),
  });
  t.after(() => molt.stop());
  const started = await molt.waitFor('telegram_bot_started');
  assert.equal(started.username, 'molt_test_bot');
  await molt.waitFor('app_started');

  fake.sendText(ADMIN, '/status');
  const reply = await eventually(() => fake.messagesIn(ADMIN.id).find((m) => m.text.includes('molt status')), 15_000, '/status reply');
  assert.match(reply.text, /App: 🟢 up \(pid \d+/);

  fake.fail({ status: 500 });
  fake.sendText(ADMIN, '/help'); // fetched by a poll already waiting, or after the outage
  const failed = await molt.waitFor('telegram_poll_failed');
  assert.equal(failed.status, 500);
  fake.recover();
  fake.sendText(ADMIN, '/logs 3');
  await eventually(() => fake.messagesIn(ADMIN.id).find((m) => m.text.includes('/rollback')), 15_000, '/help reply delivered after the outage');
  await eventually(() => fake.messagesIn(ADMIN.id).find((m) => m.text.includes('app log lines') || m.text.includes('No app log lines')), 15_000, '/logs reply');
  await molt.waitFor('telegram_poll_resumed');

  molt.kill('SIGTERM');
  const exit = await molt.exited;
  assert.notEqual(exit.code, null);
  assert.ok(molt.events('telegram_bot_stopped').length === 1, 'the bot was stopped on shutdown');
  const everything = JSON.stringify(molt.records) + molt.appLines.join('\n') + molt.stderr;
  assert.ok(!everything.includes(TOKEN.split(':')[1]), 'the token never reaches stdout or stderr');
});
