import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger, redactText } from '../../src/core/logger.js';
import { superviseFixture } from '../supervisor/support.js';

function collector(): { stream: Writable; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
  return { stream, lines };
}

const ADMIN = 'admin-secret-0123456789abcdef';
const BOT = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';

test('known secrets never reach a record, whether in the message, a nested field or a redact path', () => {
  const { stream, lines } = collector();
  const log = createLogger({ destination: stream, secrets: [ADMIN, 'q"uo\\te-secret'] });
  log.info({ event: 'x', adminToken: ADMIN, detail: { url: `https://api.telegram.org/bot${BOT}/getMe` } }, `token is ${ADMIN}`);
  log.error({ event: 'y', error: `failed with ${ADMIN} and q"uo\\te-secret` }, 'boom');
  log.info({ event: 'z', headers: { authorization: 'Bearer abc.def' } }, 'header');
  const text = lines.join('\n');
  assert.ok(!text.includes(ADMIN));
  assert.ok(!text.includes(BOT));
  assert.ok(!text.includes('uo\\\\te-secret'));
  assert.ok(!text.includes('abc.def'));
  const recs = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(recs[0].adminToken, '<redacted>');
  assert.equal(recs[0].msg, 'token is <redacted>');
  assert.equal(recs[1].error, 'failed with <redacted> and <redacted>');
});

test('bot tokens and bearer tokens are masked in free text even when unknown', () => {
  assert.equal(redactText(`GET /bot${BOT}/getUpdates`), 'GET /bot<redacted>/getUpdates');
  assert.equal(redactText('Authorization: Bearer xyz123'), 'Authorization: Bearer <redacted>');
});

test('records are JSON with a level label, time and name when stdout is not a terminal', () => {
  const { stream, lines } = collector();
  createLogger({ destination: stream, level: 'debug' }).debug({ event: 'probe', pid: 7 }, 'hello');
  const rec = JSON.parse(lines[0]) as Record<string, unknown>;
  assert.equal(rec.level, 'debug');
  assert.equal(rec.name, 'molt');
  assert.equal(rec.event, 'probe');
  assert.match(String(rec.time), /^\d{4}-\d\d-\d\dT/);
});

test('MOLT_ADMIN_TOKEN and TELEGRAM_BOT_TOKEN are not given to the app and never appear on molt stdout, even when the app prints them', async (t) => {
  const { molt } = await superviseFixture(t, 'print-lines.mjs', {
    // the app does not inherit molt's secrets; it learns the same values another way and prints them
    PRINT_ENV: 'MOLT_ADMIN_TOKEN,TELEGRAM_BOT_TOKEN,APP_COPY_OF_ADMIN,APP_COPY_OF_BOT',
    APP_COPY_OF_ADMIN: ADMIN,
    APP_COPY_OF_BOT: BOT,
    MOLT_ADMIN_TOKEN: ADMIN,
    TELEGRAM_BOT_TOKEN: BOT,
    TELEGRAM_CHAT_IDS: '1',
    TELEGRAM_API_ROOT: 'http://127.0.0.1:9',
  });
  await molt.waitFor('app_started');
  const deadline = Date.now() + 15_000;
  while (!molt.appLines.some((l) => l.includes('print-lines: done')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.ok(molt.appLines.includes('MOLT_ADMIN_TOKEN=undefined'), molt.appLines.join('\n'));
  assert.ok(molt.appLines.includes('TELEGRAM_BOT_TOKEN=undefined'));
  assert.ok(molt.appLines.includes('APP_COPY_OF_ADMIN=<redacted>'), molt.appLines.join('\n'));
  assert.ok(molt.appLines.includes('APP_COPY_OF_BOT=<redacted>'));
  await molt.stop();
  const all = [...molt.appLines, ...molt.records.map((r) => JSON.stringify(r))].join('\n');
  assert.ok(!all.includes(ADMIN), 'admin token leaked');
  assert.ok(!all.includes(BOT), 'bot token leaked');
  assert.ok(!molt.stderr.includes(ADMIN) && !molt.stderr.includes(BOT), 'leaked on stderr');
});

test('on a terminal the records are pretty-printed, still redacted', async (t) => {
  const { spawnSync } = await import('node:child_process');
  const { CLI } = await import('../helpers/paths.js');
  const { tempDir } = await import('../helpers/tmp.js');
  const { portsEnv } = await import('../supervisor/support.js');
  const dir = await tempDir(t);
  // `script` gives molt a pseudo-terminal as stdout.
  const r = spawnSync('script', ['-qec', `${process.execPath} ${CLI} run --restart never -- sh -c 'echo ${ADMIN}; exit 0'`, '/dev/null'], {
    env: { PATH: process.env.PATH, MOLT_APP_DIR: dir, MOLT_ADMIN_TOKEN: ADMIN, ...(await portsEnv()) },
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /INFO.*app started/);
  assert.ok(!r.stdout.split('\n').some((l) => l.startsWith('{"level"')), 'no JSON records on a TTY');
  assert.ok(!r.stdout.includes(ADMIN));
  assert.match(r.stdout, /<redacted>/);
});
