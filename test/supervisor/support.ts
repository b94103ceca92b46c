import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parseProcStat } from '../../src/supervisor/process-group.js';
import type { TestContext } from 'node:test';
import { startMolt, freePort, type MoltProcess } from '../helpers/molt-process.js';
import { fixture } from '../helpers/paths.js';
import { tempDir } from '../helpers/tmp.js';

export interface SupervisedApp {
  molt: MoltProcess;
  dir: string;
}

/** Two distinct free loopback ports: the public port and the app port. */
export async function portsEnv(): Promise<Record<string, string>> {
  const port = await freePort();
  let appPort = await freePort();
  for (let i = 0; appPort === port && i < 10; i++) appPort = await freePort();
  return { MOLT_PORT: String(port), MOLT_APP_PORT: String(appPort), MOLT_ADMIN_PORT: '0' };
}

/**
 * Starts `molt run -- node <fixture>` (or `opts.command`) in a fresh temp dir (app dir = data dir parent) with fast restart knobs;
 * `env` overrides them. The process is stopped (SIGKILL after 15 s) when the test ends.
 */
export async function superviseFixture(
  t: TestContext,
  name: string,
  env: Record<string, string> = {},
  opts: { wrap?: string[]; args?: string[]; command?: string[]; onStop?: (molt: MoltProcess) => Promise<void> } = {},
): Promise<SupervisedApp> {
  const dir = await tempDir(t);
  const molt = startMolt(
    ['run', ...(opts.args ?? []), '--', ...(opts.command ?? [process.execPath, fixture(name)])],
    {
      MOLT_APP_DIR: dir,
      MOLT_BACKOFF_INITIAL: '100ms',
      MOLT_BACKOFF_MAX: '2s',
      MOLT_MIN_UPTIME: '5s',
      MOLT_STOP_TIMEOUT: '3s',
      ...(await portsEnv()),
      ...env,
    },
    { cwd: dir, wrap: opts.wrap },
  );
  t.after(() => (opts.onStop ? opts.onStop(molt) : molt.stop()));
  return { molt, dir };
}

export async function readLines(path: string): Promise<string[]> {
  try {
    return (await readFile(path, 'utf8')).split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

/** True while a process with this pid runs; a zombie waiting for its reaper does not count (it holds no port, no memory). */
export function pidAlive(pid: number): boolean {
  try {
    const st = parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    return st !== undefined && st.state !== 'Z' && st.state !== 'X';
  } catch {
    return false;
  }
}
