import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, configMarkdown } from '../../src/config/load.js';
import { VARS } from '../../src/config/schema.js';

function ok(env: Record<string, string>) {
  const r = loadConfig(env, {}, '/srv/app');
  assert.ok(r.ok, r.ok ? '' : r.problems.join('\n'));
  return r.config;
}
function problems(env: Record<string, string>): string[] {
  const r = loadConfig(env, {}, '/srv/app');
  assert.equal(r.ok, false, 'expected configuration problems');
  return r.ok ? [] : r.problems;
}

test('an empty environment gives the documented supervisor defaults', () => {
  const c = ok({});
  assert.equal(c.appDir, '/srv/app');
  assert.equal(c.dataDir, '/srv/app/data');
  assert.equal(c.port, 3000);
  assert.equal(c.stopTimeoutMs, 10_000);
  assert.equal(c.restart, 'on-failure');
  assert.equal(c.backoffInitialMs, 1000);
  assert.equal(c.backoffMaxMs, 60_000);
  assert.equal(c.minUptimeMs, 30_000);
  assert.equal(c.crashLoopRestarts, 5);
  assert.equal(c.logLevel, 'info');
  assert.equal(c.appCmd, undefined);
});

test('duration variables accept 500ms, 10s, 5m, 1h and plain seconds', () => {
  assert.equal(ok({ MOLT_STOP_TIMEOUT: '500ms' }).stopTimeoutMs, 500);
  assert.equal(ok({ MOLT_STOP_TIMEOUT: '10s' }).stopTimeoutMs, 10_000);
  assert.equal(ok({ MOLT_MIN_UPTIME: '5m' }).minUptimeMs, 300_000);
  assert.equal(ok({ MOLT_BACKOFF_MAX: '1h' }).backoffMaxMs, 3_600_000);
  assert.equal(ok({ MOLT_STOP_TIMEOUT: '15' }).stopTimeoutMs, 15_000);
});

test('relative directories resolve against the app dir, which resolves against the cwd', () => {
  const c = ok({ MOLT_APP_DIR: 'svc', MOLT_DATA_DIR: 'state' });
  assert.equal(c.appDir, '/srv/app/svc');
  assert.equal(c.dataDir, '/srv/app/svc/state');
  assert.equal(ok({ MOLT_DATA_DIR: '/var/molt' }).dataDir, '/var/molt');
});

test('CLI overrides win over the environment', () => {
  const r = loadConfig({ MOLT_RESTART: 'never' }, { MOLT_RESTART: 'always' }, '/srv/app');
  assert.ok(r.ok);
  assert.equal(r.ok && r.config.restart, 'always');
});

test('every bad value gives one problem naming the variable, the value and what is expected', () => {
  const p = problems({ MOLT_PORT: '70000', MOLT_STOP_TIMEOUT: 'soon', MOLT_RESTART: 'sometimes', MOLT_CRASH_LOOP_RESTARTS: '2.5', MOLT_LOG_LEVEL: 'loud' });
  assert.equal(p.length, 5, p.join('\n'));
  const by = (name: string) => p.find((x) => x.startsWith(`${name}=`));
  assert.match(by('MOLT_PORT') ?? '', /^MOLT_PORT="70000": expected an integer from 1 to 65535$/);
  assert.match(by('MOLT_STOP_TIMEOUT') ?? '', /"soon": expected a duration like 500ms, 10s, 5m, 1h/);
  assert.match(by('MOLT_RESTART') ?? '', /"sometimes": expected one of on-failure \| always \| never/);
  assert.ok(by('MOLT_CRASH_LOOP_RESTARTS'));
  assert.ok(by('MOLT_LOG_LEVEL'));
});

test('cross-field problems name the variables involved', () => {
  const p = problems({ MOLT_BACKOFF_INITIAL: '10s', MOLT_BACKOFF_MAX: '1s' });
  assert.equal(p.length, 1);
  assert.match(p[0], /^MOLT_BACKOFF_MAX=1000ms: expected at least MOLT_BACKOFF_INITIAL \(10000ms\)$/);
});

test('a bad secret is reported without its value', () => {
  const p = problems({ MOLT_ADMIN_TOKEN: 'short-secret' });
  assert.ok(p.some((x) => x.startsWith('MOLT_ADMIN_TOKEN=<redacted>')), p.join('\n'));
  assert.ok(!p.join('\n').includes('short-secret'));
});

test('the README table lists every variable with its default', () => {
  const md = configMarkdown();
  for (const spec of Object.values(VARS)) assert.ok(md.includes(`\`${spec.env}\``), spec.env);
  assert.match(md, /\| `MOLT_STOP_TIMEOUT` \| `10s` \|/);
});

test('connection hand-off is the default traffic mode; an unknown mode is one problem naming both choices', () => {
  assert.equal(ok({}).trafficMode, 'handoff');
  assert.equal(ok({ MOLT_TRAFFIC_MODE: 'splice' }).trafficMode, 'splice');
  assert.deepEqual(problems({ MOLT_TRAFFIC_MODE: 'fast' }), ['MOLT_TRAFFIC_MODE="fast": expected one of splice | handoff']);
});
