import { execa } from 'execa';
import { exitStatus } from './exit-codes.js';

export interface AppCommand {
  file: string;
  args: string[];
}

export interface ExitInfo {
  exitCode: number | null;
  signal: string | null;
  /** Shell-convention status: the code, or 128+signal. */
  status: number;
  /** Set when the process could not be spawned at all (ENOENT, EACCES). */
  spawnError?: string;
}

export interface ChildHandle {
  readonly pid: number;
  readonly exited: Promise<ExitInfo>;
  /** Sends a signal to the child's whole process group; false if the group is gone. */
  signalGroup(signal: NodeJS.Signals | 0): boolean;
  /** True while any process of the group is alive. */
  groupAlive(): boolean;
}

export interface SpawnOptions {
  cwd: string;
  env: Record<string, string | undefined>;
  onLine?: (stream: 'stdout' | 'stderr', line: string) => void;
  onMessage?: (message: unknown) => void;
  /** Copy child output to our stdout/stderr (default true). */
  passthrough?: boolean;
}

/** Process creation as a port (tests and the engine use the same one). */
export interface Spawner {
  spawn(cmd: AppCommand, opts: SpawnOptions): ChildHandle;
}

function lineSplitter(emit: (line: string) => void): { push(chunk: Buffer): void; flush(): void } {
  let rest = '';
  return {
    push(chunk) {
      const text = rest + chunk.toString('utf8');
      const lines = text.split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) emit(l.endsWith('\r') ? l.slice(0, -1) : l);
    },
    flush() {
      if (rest) emit(rest);
      rest = '';
    },
  };
}

function killGroup(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** execa-based spawner: the child leads its own process group, so signals and kills reach its whole tree. */
export const execaSpawner: Spawner = {
  spawn(cmd, opts) {
    const sub = execa(cmd.file, cmd.args, {
      cwd: opts.cwd,
      env: opts.env,
      extendEnv: false,
      detached: true,
      stdin: 'ignore',
      stdout: 'pipe',
      stderr: 'pipe',
      buffer: false,
      reject: false,
      cleanup: false,
      forceKillAfterDelay: false,
      ipc: true,
      serialization: 'json',
    });
    const passthrough = opts.passthrough ?? true;
    for (const stream of ['stdout', 'stderr'] as const) {
      const split = lineSplitter((line) => opts.onLine?.(stream, line));
      sub[stream]?.on('data', (chunk: Buffer) => {
        if (passthrough) (stream === 'stdout' ? process.stdout : process.stderr).write(chunk);
        split.push(chunk);
      });
      sub[stream]?.on('end', () => split.flush());
    }
    if (opts.onMessage) sub.on('message', opts.onMessage);
    sub.on('error', () => {}); // surfaced through the result below
    const pid = sub.pid ?? -1;
    const exited: Promise<ExitInfo> = (async () => {
      const r = await sub;
      const signal = (r.signal as string | undefined) ?? null;
      const exitCode = typeof r.exitCode === 'number' ? r.exitCode : null;
      if (sub.pid === undefined || (exitCode === null && signal === null)) {
        const cause = (r as { cause?: { code?: string; message?: string } }).cause;
        const missing = cause?.code === 'ENOENT';
        return { exitCode: missing ? 127 : 126, signal: null, status: missing ? 127 : 126, spawnError: cause?.message ?? r.message };
      }
      return { exitCode, signal, status: exitStatus(exitCode, signal) };
    })();
    return {
      pid,
      exited,
      signalGroup: (signal) => pid > 0 && killGroup(pid, signal),
      groupAlive: () => pid > 0 && killGroup(pid, 0),
    };
  },
};
