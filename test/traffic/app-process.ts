import { spawn, type ChildProcess } from 'node:child_process';
import { fixture } from '../helpers/paths.js';

/** Starts test/fixtures/traffic-app.mjs on `port` and resolves once it listens; killed in t.after. */
export async function startApp(t: { after(fn: () => unknown): void }, port: number, env: Record<string, string> = {}): Promise<ChildProcess> {
  const child = spawn(process.execPath, [fixture('traffic-app.mjs')], { env: { PATH: process.env.PATH ?? '', PORT: String(port), ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => stopApp(child));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('traffic-app did not listen within 10 s')), 10_000);
    child.stdout!.on('data', (c: Buffer) => {
      if (c.toString().includes('listening')) (clearTimeout(timer), resolve());
    });
    child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`traffic-app exited with ${code}`))));
  });
  return child;
}

/** SIGTERM, SIGKILL after 5 s; resolves when the process is gone. */
export async function stopApp(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 5000);
  await gone;
  clearTimeout(t);
}
