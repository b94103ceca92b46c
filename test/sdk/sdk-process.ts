import { spawn, type ChildProcess } from 'node:child_process';
import { fixture } from '../helpers/paths.js';

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a fixture with node until it exits (bounded by timeoutMs, then SIGKILL). */
export function runFixture(t: { after(fn: () => unknown): void }, name: string, args: string[], env: Record<string, string> = {}, timeoutMs = 30_000): { child: ChildProcess; done: Promise<Ran> } {
  const child = spawn(process.execPath, [fixture(name), ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise<Ran>((resolve) => child.on('exit', (code) => (clearTimeout(timer), resolve({ code, stdout, stderr }))));
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { child, done };
}
