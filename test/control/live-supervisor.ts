import { execFile } from 'node:child_process';
import { CLI } from '../helpers/paths.js';
import { startMolt, freePort, eventually, type MoltProcess } from '../helpers/molt-process.js';
import { tempDir } from '../helpers/tmp.js';
import { createUpdateFixture, type UpdateFixture } from '../update/fixture.js';

export const LIVE_TOKEN = 'live-test-token-0123456789';

export interface LiveSupervisor {
  f: UpdateFixture;
  molt: MoltProcess;
  adminUrl: string;
  cli(args: string[], env?: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }>;
}

/** A real `molt run` (engine, supervisor, console) over a GitFixture remote with release v1 running. */
export async function startLive(t: { after(fn: () => unknown): void }, env: Record<string, string> = {}): Promise<LiveSupervisor> {
  const f = await createUpdateFixture(await tempDir(t, 'molt-console-'));
  const adminPort = await freePort();
  const molt = startMolt(['run'], { ...f.env, MOLT_ADMIN_PORT: String(adminPort), MOLT_ADMIN_TOKEN: LIVE_TOKEN, ...env }, { cwd: f.app });
  t.after(() => molt.stop());
  const listening = await molt.waitFor('admin_listening', 30_000);
  const adminUrl = String(listening.url);
  await eventually(async () => (await fetch(`${adminUrl}/readyz`)).status === 200, 20_000, 'app ready');
  const cli = (args: string[], extra: Record<string, string> = {}) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME, MOLT_ADMIN_URL: adminUrl, MOLT_ADMIN_TOKEN: LIVE_TOKEN, MOLT_APP_DIR: f.app, ...extra }, timeout: 120_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0, stdout, stderr }),
      );
    });
  return { f, molt, adminUrl, cli };
}
