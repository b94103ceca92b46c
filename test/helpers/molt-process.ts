import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { CLI } from './paths.js';

export interface LogRecord {
  level: string;
  event?: string;
  msg?: string;
  [k: string]: unknown;
}

/** A running `molt` CLI process whose stdout pino records are parsed as they arrive. */
export class MoltProcess {
  readonly records: LogRecord[] = [];
  /** Non-JSON stdout lines (the app's passthrough output). */
  readonly appLines: string[] = [];
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private waiters: { pred: (r: LogRecord) => boolean; resolve: (r: LogRecord) => void }[] = [];

  constructor(readonly child: ChildProcess) {
    let buf = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buf += chunk.toString();
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const line of lines) this.onLine(line);
    });
    child.stderr!.on('data', (c: Buffer) => (this.stderr += c.toString()));
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  }

  private onLine(line: string): void {
    let rec: LogRecord | undefined;
    if (line.startsWith('{')) {
      try {
        rec = JSON.parse(line) as LogRecord;
      } catch {
        rec = undefined;
      }
    }
    if (!rec || typeof rec.level !== 'string') {
      this.appLines.push(line);
      return;
    }
    this.records.push(rec);
    this.waiters = this.waiters.filter((w) => (w.pred(rec!) ? (w.resolve(rec!), false) : true));
  }

  events(name: string): LogRecord[] {
    return this.records.filter((r) => r.event === name);
  }

  /** Resolves with the first record (past or future) matching; rejects after timeoutMs with the log so far. */
  waitFor(pred: string | ((r: LogRecord) => boolean), timeoutMs = 20_000): Promise<LogRecord> {
    const p = typeof pred === 'string' ? (r: LogRecord) => r.event === pred : pred;
    const seen = this.records.find(p);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        reject(new Error(`timed out after ${timeoutMs}ms waiting for ${typeof pred === 'string' ? pred : 'record'}; events so far: ${this.records.map((r) => r.event).join(', ')}\nstderr: ${this.stderr}`));
      }, timeoutMs);
      this.waiters.push({ pred: p, resolve: (r) => (clearTimeout(t), resolve(r)) });
    });
  }

  /** Waits for the n-th record matching (1-based). */
  async waitForCount(event: string, n: number, timeoutMs = 20_000): Promise<LogRecord[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.events(event).length < n) {
      if (Date.now() > deadline) throw new Error(`expected ${n} ${event} records, saw ${this.events(event).length}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.events(event);
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    this.child.kill(signal);
  }

  /** Ensures the process is gone (SIGKILL after graceMs). */
  async stop(graceMs = 15_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const t = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(t);
  }
}

/** Starts `node dist/src/cli.js <args>` with `env` on top of a minimal environment. */
export function startMolt(args: string[], env: Record<string, string>, opts: { cwd?: string; wrap?: string[] } = {}): MoltProcess {
  const base: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', MOLT_LOG_LEVEL: 'debug' };
  const argv = [...(opts.wrap ?? []), process.execPath, CLI, ...args];
  const child = spawn(argv[0], argv.slice(1), { cwd: opts.cwd, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  return new MoltProcess(child);
}

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Polls `fn` until it returns a truthy value or the timeout passes. */
export async function eventually<T>(fn: () => T | Promise<T>, timeoutMs = 10_000, what = 'condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
