import { Writable } from 'node:stream';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createLogger, type Logger } from '../../src/core/logger.js';
import { EventBus, type MoltEvent } from '../../src/core/events.js';
import type { Clock } from '../../src/core/clock.js';
import type { BackupConfig } from '../../src/backup/service.js';

/** A pino logger whose JSON records are parsed into `records` (tests assert on them, not on text). */
export function recordingLogger(): { logger: Logger; records: Record<string, unknown>[] } {
  const records: Record<string, unknown>[] = [];
  const dest = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) records.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: createLogger({ level: 'debug', destination: dest, pretty: false }), records };
}

export function recordingEvents(): { events: EventBus; seen: MoltEvent[] } {
  const events = new EventBus();
  const seen: MoltEvent[] = [];
  events.onAny((e) => seen.push(e));
  return { events, seen };
}

/** Injected time: sleep() advances `now` instantly (on the next macrotask, so loops stay bounded and async). */
export function fakeClock(startMs: number): Clock & { set(ms: number): void } {
  let now = startMs;
  return {
    now: () => now,
    set: (ms) => (now = ms),
    sleep: (ms, signal) =>
      new Promise((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        setImmediate(() => {
          if (signal?.aborted) return reject(signal.reason);
          now += ms;
          resolve();
        });
      }),
  };
}

/** An app dir with a SQLite DB (data/app.db, table items) and extra paths (uploads/, config.json). */
export async function makeApp(root: string, rows = 10): Promise<BackupConfig> {
  const appDir = join(root, 'app');
  await mkdir(join(appDir, 'data'), { recursive: true });
  await mkdir(join(appDir, 'uploads', 'img'), { recursive: true });
  const { writeFile } = await import('node:fs/promises');
  await writeFile(join(appDir, 'uploads', 'img', 'a.txt'), 'picture a');
  await writeFile(join(appDir, 'uploads', 'b.txt'), 'picture b');
  await writeFile(join(appDir, 'config.json'), JSON.stringify({ healthy: true, name: 'v1' }));
  const db = new Database(join(appDir, 'data', 'app.db'));
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE items (id INTEGER PRIMARY KEY, v TEXT); CREATE TABLE tags (id INTEGER PRIMARY KEY, t TEXT)');
  const ins = db.prepare('INSERT INTO items (v) VALUES (?)');
  db.transaction(() => {
    for (let i = 0; i < rows; i++) ins.run(`row ${i}`.padEnd(rows > 1000 ? 200 : 0, '.'));
  })();
  db.prepare("INSERT INTO tags (t) VALUES ('x')").run();
  db.close();
  return {
    appDir,
    dataDir: join(appDir, 'data'),
    backupDir: join(root, 'backups'),
    sqlitePaths: ['data/app.db'],
    backupPaths: ['uploads', 'config.json'],
    backupMinFree: 0,
    backupRetentionMs: 7 * 86_400_000,
    backupSchedule: 'off',
    drillSchedule: 'after-backup',
    tz: 'UTC',
    appPort: 0,
    healthPath: '/health',
    healthTimeoutMs: 5000,
    healthSuccesses: 2,
    healthIntervalMs: 50,
    stopTimeoutMs: 3000,
  };
}

export function countRows(dbPath: string, table = 'items'): number {
  const db = new Database(dbPath, { readonly: true });
  try {
    return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}
