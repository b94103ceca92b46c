import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startMolt } from '../helpers/molt-process.js';
import { fixture } from '../helpers/paths.js';
import { tempDir } from '../helpers/tmp.js';

function problemLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.startsWith('molt: config: '));
}

test('molt run with invalid variables exits 78 with one line per problem naming each variable', async (t) => {
  const dir = await tempDir(t);
  const molt = startMolt(['run', '--', process.execPath, fixture('exit-with-code.mjs')], {
    MOLT_APP_DIR: dir,
    MOLT_STOP_TIMEOUT: 'ten seconds',
    MOLT_RESTART: 'sometimes',
    MOLT_PORT: '0',
  });
  t.after(() => molt.stop());
  const { code } = await molt.exited;
  assert.equal(code, 78);
  const lines = problemLines(molt.stderr);
  assert.equal(lines.length, 3, molt.stderr);
  assert.ok(lines.some((l) => l.startsWith('molt: config: MOLT_STOP_TIMEOUT="ten seconds": expected a duration')));
  assert.ok(lines.some((l) => l.startsWith('molt: config: MOLT_RESTART="sometimes": expected one of on-failure | always | never')));
  assert.ok(lines.some((l) => l.startsWith('molt: config: MOLT_PORT="0": expected an integer from 1 to 65535')));
  assert.equal(molt.records.length, 0, 'nothing was started');
});

test('molt run without a command and without MOLT_APP_CMD exits 78 naming MOLT_APP_CMD', async (t) => {
  const dir = await tempDir(t);
  const molt = startMolt(['run'], { MOLT_APP_DIR: dir });
  t.after(() => molt.stop());
  assert.equal((await molt.exited).code, 78);
  assert.match(problemLines(molt.stderr).join('\n'), /MOLT_APP_CMD: missing: expected the app command/);
});

test('a bad CLI flag value is reported under its variable name', async (t) => {
  const dir = await tempDir(t);
  const molt = startMolt(['run', '--restart', 'maybe', '--', 'true'], { MOLT_APP_DIR: dir });
  t.after(() => molt.stop());
  assert.equal((await molt.exited).code, 78);
  assert.match(molt.stderr, /MOLT_RESTART="maybe": expected one of/);
});

test('an unknown molt run flag exits 78 with the usage', async (t) => {
  const molt = startMolt(['run', '--bogus', 'x', '--', 'true'], {});
  t.after(() => molt.stop());
  assert.equal((await molt.exited).code, 78);
  assert.match(molt.stderr, /usage: molt run/);
});

test('molt config --check exits 0 on a valid environment and 78 with the problems otherwise', async (t) => {
  const good = startMolt(['config', '--check'], {});
  t.after(() => good.stop());
  assert.equal((await good.exited).code, 0);
  const bad = startMolt(['config', '--check'], { MOLT_BACKOFF_INITIAL: '0', MOLT_CRASH_LOOP_RESTARTS: 'many' });
  t.after(() => bad.stop());
  assert.equal((await bad.exited).code, 78);
  const lines = problemLines(bad.stderr);
  assert.equal(lines.length, 2, bad.stderr);
  assert.ok(lines.some((l) => l.includes('MOLT_BACKOFF_INITIAL="0"')));
  assert.ok(lines.some((l) => l.includes('MOLT_CRASH_LOOP_RESTARTS="many"')));
  const typo = startMolt(['config', '--chek'], {});
  t.after(() => typo.stop());
  assert.equal((await typo.exited).code, 64);
  assert.match(typo.stderr, /unknown argument "--chek": expected --check or --markdown/);
});

test('molt --help lists run and config, and molt run --help describes the exit statuses', async (t) => {
  const help = startMolt(['--help'], {});
  t.after(() => help.stop());
  assert.equal((await help.exited).code, 0);
  assert.ok(help.appLines.some((l) => /^\s+run\s/.test(l)));
  assert.ok(help.appLines.some((l) => /^\s+config\s/.test(l)));
  const runHelp = startMolt(['run', '--help'], {});
  t.after(() => runHelp.stop());
  assert.equal((await runHelp.exited).code, 0);
  assert.ok(runHelp.appLines.some((l) => l.includes('128+signal')));
});
