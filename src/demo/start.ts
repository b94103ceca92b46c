#!/usr/bin/env node
// `npm start`: the live demo — a local demo remote + app tree under data/demo/, supervised by `molt run`.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot, demoPaths, demoTemplate } from './paths.js';
import { ensureDemo } from './setup.js';
import { isExampleApp } from './example-app.js';

const root = repoRoot();
// --dir is for tests (a temp demo); the default keeps the demo under the repo so the app resolves the repo's node_modules.
const { values } = parseArgs({ options: { dir: { type: 'string' } }, strict: true });
const demoDir = values.dir ? resolve(values.dir) : join(root, 'data', 'demo');
const p = demoPaths(demoDir);
const source = demoTemplate(root);
const { created } = await ensureDemo(demoDir, source, root);

const env: NodeJS.ProcessEnv = {
  MOLT_PORT: '3000',
  MOLT_ADMIN_PORT: '9000',
  MOLT_HEALTH_TIMEOUT: '8s',
  MOLT_MIN_UPTIME: '5s',
  MOLT_PROBATION: '30s',
  MOLT_TINI: 'off',
  ...process.env,
  MOLT_APP_DIR: p.app,
  MOLT_DATA_DIR: p.state,
  MOLT_APP_CMD: 'node server.mjs',
  MOLT_INSTALL_CMD: process.env.MOLT_INSTALL_CMD ?? 'npm ci --offline --no-audit --no-fund',
  MOLT_DEMO_DIR: demoDir,
  ...(isExampleApp(source) ? { MOLT_SQLITE_PATHS: process.env.MOLT_SQLITE_PATHS ?? 'app.db' } : {}),
};
const appUrl = `http://127.0.0.1:${env.MOLT_PORT}`;
const consoleUrl = `http://127.0.0.1:${env.MOLT_ADMIN_PORT}`;

const child = spawn(process.execPath, [join(root, 'dist', 'src', 'cli.js'), 'run'], { cwd: p.app, env, stdio: ['ignore', 'inherit', 'pipe'] });
let banner = false;
child.stderr!.on('data', async (chunk: Buffer) => {
  process.stderr.write(chunk);
  if (banner || !chunk.toString().includes('admin console')) return;
  banner = true;
  const token = env.MOLT_ADMIN_TOKEN ?? (await readFile(join(p.state, 'admin-token'), 'utf8')).trim();
  process.stderr.write(
    [
      '',
      '  molt demo ' + (created ? '(created data/demo/)' : '(reusing data/demo/; delete it to start over)'),
      `  app:      ${appUrl}`,
      `  console:  ${consoleUrl}   token: ${token}`,
      '  release:  npm run demo:release            (a good release)',
      '            npm run demo:release -- --broken (fails its health check -> automatic rollback)',
      '            or the buttons on the console\'s Update page',
      '  cli:      MOLT_DATA_DIR=data/demo/state node dist/src/cli.js status',
      '',
    ].join('\n') + '\n',
  );
});
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 130 : 1)));
