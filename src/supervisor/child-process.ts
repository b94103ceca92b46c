import { StringDecoder } from 'node:string_decoder';
import type { Socket } from 'node:net';
import { spawn } from 'node:child_process';
import { exitStatus } from './exit-codes.js';
import { liveGroupMembers } from './process-group.js';

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
  /** -1 when the process could not be spawned (then `exited` resolves at once with `spawnError`). */
  readonly pid: number;
  readonly exited: Promise<ExitInfo>;
  /** Sends a signal to the child's whole process group; false if the group is gone. */
  signalGroup(signal: NodeJS.Signals | 0): boolean;
  /** True while any process of the group is alive (zombies waiting for a reaper do not count). */
  groupAlive(): boolean;
  /**
   * Sends a message over the app's IPC channel, optionally passing a socket (the app receives it as the second
   * argument of `process.on('message')`). False when the channel is closed (the app exited or never had one).
   * A passed socket stays open here: `sent(null)` says the descriptor left (close the local copy then, the
   * connection stays open in the app); `sent(err)` says it did not (the socket is still usable here).
   */
  send(message: unknown, handle?: Socket, sent?: (err: Error | null) => void): boolean;
  /** Resolves once the IPC channel closed and every message the app sent before it was delivered. */
  readonly channelClosed?: Promise<void>;
}

export interface SpawnOptions {
  cwd: string;
  env: Record<string, string | undefined>;
  onLine?: (stream: 'stdout' | 'stderr', line: string) => void;
  /** A message from the app over IPC; `handle` is a socket the app passed back (connection hand-off). */
  onMessage?: (message: unknown, handle?: unknown) => void;
  /** Copy child output to our stdout/stderr (default true), line by line so it never splits a log record. */
  passthrough?: boolean;
  /** Applied to each passed-through line (masks the supervisor's secrets). */
  redact?: (line: string) => string;
}

/** Process creation as a port (tests and the engine use the same one). */
export interface Spawner {
  spawn(cmd: AppCommand, opts: SpawnOptions): ChildHandle;
}

/** Longest partial line kept while waiting for its newline; longer output is emitted in pieces (bounded memory). */
const MAX_LINE = 64 * 1024;

// A StringDecoder keeps multi-byte characters that straddle two chunks intact.
function lineSplitter(emit: (line: string) => void): { push(chunk: Buffer): void; flush(): void } {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  return {
    push(chunk) {
      const text = rest + decoder.write(chunk);
      const lines = text.split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) emit(l.endsWith('\r') ? l.slice(0, -1) : l);
      while (rest.length > MAX_LINE) {
        emit(rest.slice(0, MAX_LINE));
        rest = rest.slice(MAX_LINE);
      }
    },
    flush() {
      rest += decoder.end();
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

/**
 * The app's spawner: the child leads its own process group, so signals and kills reach its whole tree. Plain
 * child_process rather than execa: the spawn blocks this thread about half as long (≈ 1.4 ms less before a new
 * release boots) and execa added nothing used here.
 */
export const processSpawner: Spawner = {
  spawn(cmd, opts) {
    const sub = spawn(cmd.file, cmd.args, { cwd: opts.cwd, env: opts.env, detached: true, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization: 'json' });
    const passthrough = opts.passthrough ?? true;
    const redact = opts.redact ?? ((l: string) => l);
    for (const stream of ['stdout', 'stderr'] as const) {
      const out = stream === 'stdout' ? process.stdout : process.stderr;
      const split = lineSplitter((line) => {
        if (passthrough) out.write(redact(line) + '\n');
        opts.onLine?.(stream, line);
      });
      sub[stream]?.on('data', (chunk: Buffer) => split.push(chunk));
      sub[stream]?.on('end', () => split.flush());
    }
    if (opts.onMessage) sub.on('message', opts.onMessage);
    const pid = sub.pid ?? -1;
    const channelClosed = new Promise<void>((resolve) => (sub.connected ? sub.once('disconnect', () => resolve()) : resolve()));
    // The leader's 'exit' event, not 'close': that one also waits for every holder of the stdout pipe
    // (a background grandchild), which can be much later or never.
    const exited = new Promise<ExitInfo>((resolve) => {
      sub.once('exit', (code, signal) => resolve({ exitCode: code, signal, status: exitStatus(code, signal) }));
      sub.on('error', (err: NodeJS.ErrnoException) => {
        if (sub.pid !== undefined) return; // a failed kill or send: not an exit
        const status = err.code === 'ENOENT' ? 127 : 126;
        resolve({ exitCode: status, signal: null, status, spawnError: err.message });
      });
    });
    return {
      pid,
      exited,
      channelClosed,
      signalGroup: (signal) => pid > 0 && killGroup(pid, signal),
      groupAlive: () => pid > 0 && liveGroupMembers(pid).length > 0,
      send: (message, handle, sent) => {
        if (!sub.connected) return false;
        try {
          // Node's own ChildProcess.send: execa's sendMessage() cannot pass handles.
          // keepOpen: the caller closes its copy once `sent` reports (a handle Node detached itself would leak when
          // the child dies before acknowledging it).
          return sub.send(message as never, handle, { keepOpen: true }, (err) => sent?.(err ?? null)) || true;
        } catch {
          return false;
        }
      },
    };
  },
};
