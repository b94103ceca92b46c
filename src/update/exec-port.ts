import { execa, parseCommandString } from 'execa';
import { MoltError, type MoltErrorCode } from '../core/errors.js';

export interface ExecResult {
  exitCode: number;
  outputTail: string[];
  durationMs: number;
}

export interface ExecOptions {
  cwd: string;
  env: Record<string, string | undefined>;
  signal?: AbortSignal;
  /** Called once the process runs (test kill switch: kill its group mid-step). */
  onSpawn?: (pid: number) => void;
  onLine?: (line: string) => void;
}

/** Running build tools as a port. `run` never throws for a non-zero exit; `check` does. */
export interface ExecPort {
  run(command: string[], opts: ExecOptions): Promise<ExecResult>;
}

const TAIL = 30;

export const execaExec: ExecPort = {
  async run(command, opts) {
    const started = Date.now();
    const tail: string[] = [];
    const sub = execa(command[0], command.slice(1), {
      cwd: opts.cwd,
      env: opts.env,
      extendEnv: false,
      detached: true,
      stdin: 'ignore',
      all: true,
      buffer: false,
      reject: false,
      cancelSignal: opts.signal,
      forceKillAfterDelay: 5000,
    });
    if (sub.pid) opts.onSpawn?.(sub.pid);
    let rest = '';
    sub.all?.on('data', (chunk: Buffer) => {
      const lines = (rest + chunk.toString('utf8')).split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) {
        tail.push(l);
        if (tail.length > TAIL) tail.shift();
        opts.onLine?.(l);
      }
    });
    const r = await sub;
    if (rest) tail.push(rest);
    while (tail.length > TAIL) tail.shift();
    const exitCode = typeof r.exitCode === 'number' ? r.exitCode : r.signal ? 128 : 127;
    if (r.failed && r.exitCode === undefined && !r.signal) tail.push(String((r as { cause?: Error }).cause?.message ?? r.message));
    return { exitCode, outputTail: tail, durationMs: Date.now() - started };
  },
};

/** Splits a configured command (no shell) and validates it is not empty. */
export function splitCommand(name: string, value: string): string[] {
  const parts = parseCommandString(value);
  if (!parts.length) throw new MoltError('MOLT_E_CONFIG', `${name} is empty: expected a command like "npm ci"`);
  return parts;
}

/** Runs and throws `code` with the output tail when the command exits non-zero. */
export async function runChecked(exec: ExecPort, code: MoltErrorCode, what: string, command: string[], opts: ExecOptions): Promise<ExecResult> {
  const r = await exec.run(command, opts);
  if (opts.signal?.aborted) throw new MoltError('MOLT_E_ABORTED', `${what} aborted`, { cause: opts.signal.reason });
  if (r.exitCode !== 0) {
    throw new MoltError(code, `${what} \`${command.join(' ')}\` exited with ${r.exitCode}: ${r.outputTail.slice(-1)[0] ?? 'no output'}`, {
      context: { exitCode: r.exitCode, outputTail: r.outputTail },
    });
  }
  return r;
}
