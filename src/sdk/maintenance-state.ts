import { existsSync, mkdirSync, watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export const LOCK_FILE = 'UPDATE_LOCK.json';

export interface MaintenanceSnapshot {
  active: boolean;
  /** Where the state came from: the lock file, the supervisor over IPC, or both. */
  source: 'none' | 'lock' | 'ipc' | 'both';
  targetSha?: string;
}

export interface MaintenanceWatcherOptions {
  dataDir: string;
  /** Fallback re-check interval in case fs.watch misses an event (network/overlay filesystems). Default 2000 ms. */
  pollMs?: number;
  /** Listen for `{ molt: 'maintenance', active, targetSha? }` from the supervisor (default true). */
  ipc?: boolean;
  /**
   * Ignore a lock that already exists at start() until it has gone once. Under molt that lock is the journal of the
   * update that started this very process (the front already covers the downtime), and honouring it would answer
   * 503 after the health gate passed until the engine commits. Default: true when supervised (MOLT_SUPERVISED=1).
   */
  ignoreInitialLock?: boolean;
}

function pickSha(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  for (const k of ['targetSha', 'toSha', 'sha']) if (typeof v[k] === 'string') return v[k] as string;
  return undefined;
}

/**
 * Cached maintenance state: requests read a boolean, never the filesystem. The lock file is watched (fs.watch on
 * the data dir + a slow poll as a safety net), the supervisor can also switch it over IPC.
 * INVARIANTS: `snapshot` only changes in refresh()/onMessage(); refreshes run one at a time (a change during one
 * schedules exactly one more), so the cache always ends up matching the last filesystem state seen.
 */
export class MaintenanceWatcher {
  private fileActive = false;
  private fileSha: string | undefined;
  private ipcActive = false;
  private ipcSha: string | undefined;
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  private again = false;
  private ignoring = false;
  private readonly lockPath: string;
  private readonly onMessage = (msg: unknown) => {
    if (typeof msg !== 'object' || msg === null || (msg as { molt?: unknown }).molt !== 'maintenance') return;
    const m = msg as { active?: unknown; targetSha?: unknown };
    this.ipcActive = m.active === true;
    this.ipcSha = typeof m.targetSha === 'string' ? m.targetSha : undefined;
  };

  constructor(private readonly opts: MaintenanceWatcherOptions) {
    this.lockPath = join(opts.dataDir, LOCK_FILE);
  }

  get active(): boolean {
    return this.fileActive || this.ipcActive;
  }

  snapshot(): MaintenanceSnapshot {
    const source = this.fileActive && this.ipcActive ? 'both' : this.fileActive ? 'lock' : this.ipcActive ? 'ipc' : 'none';
    return { active: this.active, source, targetSha: this.ipcSha ?? this.fileSha };
  }

  /** Reads the current state once (synchronously, so the first request already sees it) and starts watching. */
  start(): this {
    mkdirSync(this.opts.dataDir, { recursive: true });
    this.ignoring = (this.opts.ignoreInitialLock ?? process.env.MOLT_SUPERVISED === '1') && existsSync(this.lockPath);
    this.fileActive = !this.ignoring && existsSync(this.lockPath);
    this.watcher = watch(this.opts.dataDir, { persistent: false }, (_event, name) => {
      if (!name || name === LOCK_FILE || name.startsWith(`.${LOCK_FILE}`)) void this.refresh();
    });
    this.watcher.on('error', () => undefined);
    this.timer = setInterval(() => void this.refresh(), this.opts.pollMs ?? 2000);
    this.timer.unref();
    if (this.opts.ipc !== false) process.on('message', this.onMessage);
    void this.refresh();
    return this;
  }

  /** Re-reads the lock file; concurrent calls coalesce. */
  refresh(): Promise<void> {
    if (this.refreshing) {
      this.again = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      do {
        this.again = false;
        try {
          const text = await readFile(this.lockPath, 'utf8');
          this.fileActive = !this.ignoring;
          try {
            this.fileSha = pickSha(JSON.parse(text));
          } catch {
            this.fileSha = undefined; // a lock being written is still a lock
          }
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
            this.ignoring = false;
            this.fileActive = false;
            this.fileSha = undefined;
          }
        }
      } while (this.again);
    })().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  close(): void {
    this.watcher?.close();
    if (this.timer) clearInterval(this.timer);
    process.off('message', this.onMessage);
  }
}
