import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { HistoryRow, OperationError, OperationKind, Outcome, StepTiming, Trigger } from '../update/api.js';

export const HISTORY_DB = 'molt.db';

export interface ReleaseRecord {
  sha: string;
  subject: string | null;
  committedAt: string;
  schemaVersion: number | null;
  depsHash: string | null;
}

/** What a new history row starts with; outcome, steps and error are filled in as the operation runs. */
export type NewOperation = Pick<HistoryRow, 'kind' | 'trigger' | 'actor' | 'fromSha' | 'toSha' | 'fromSubject' | 'toSubject' | 'startedAt'>;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS operations (
  id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, trigger TEXT NOT NULL, actor TEXT NOT NULL,
  from_sha TEXT, to_sha TEXT, from_subject TEXT, to_subject TEXT, outcome TEXT NOT NULL,
  started_at TEXT NOT NULL, finished_at TEXT, steps TEXT NOT NULL DEFAULT '[]', error TEXT, details TEXT);
CREATE TABLE IF NOT EXISTS releases (
  sha TEXT PRIMARY KEY, subject TEXT, committed_at TEXT NOT NULL, schema_version INTEGER, deps_hash TEXT);
CREATE TABLE IF NOT EXISTS pins (sha TEXT PRIMARY KEY, reason TEXT NOT NULL, since TEXT NOT NULL, actor TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

type OpRow = {
  id: number; kind: string; trigger: string; actor: string; from_sha: string | null; to_sha: string | null; from_subject: string | null;
  to_subject: string | null; outcome: string; started_at: string; finished_at: string | null; steps: string; error: string | null; details: string | null;
};

function toRow(r: OpRow): HistoryRow {
  return {
    id: r.id, kind: r.kind as OperationKind, trigger: r.trigger as Trigger, actor: r.actor, fromSha: r.from_sha, toSha: r.to_sha,
    fromSubject: r.from_subject, toSubject: r.to_subject, outcome: r.outcome as Outcome, startedAt: r.started_at, finishedAt: r.finished_at,
    steps: JSON.parse(r.steps) as StepTiming[], error: r.error ? (JSON.parse(r.error) as OperationError) : null,
    ...(r.details ? { details: JSON.parse(r.details) as Record<string, unknown> } : {}),
  };
}

/**
 * molt's own history database (data/molt.db, never the app's): operations, committed releases, pins, last-good.
 * Opened explicitly (never at import); WAL so `molt history` can read while the supervisor writes.
 */
export class HistoryStore {
  private constructor(private readonly db: Database.Database) {}

  static open(dataDir: string, opts: { readonly?: boolean } = {}): HistoryStore {
    const path = join(dataDir, HISTORY_DB);
    if (!opts.readonly) mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false });
    db.pragma('busy_timeout = 5000');
    if (!opts.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.exec(SCHEMA);
    }
    return new HistoryStore(db);
  }

  close(): void {
    this.db.close();
  }

  insertOperation(op: NewOperation): number {
    const r = this.db
      .prepare(`INSERT INTO operations (kind, trigger, actor, from_sha, to_sha, from_subject, to_subject, outcome, started_at) VALUES (?,?,?,?,?,?,?, 'running', ?)`)
      .run(op.kind, op.trigger, op.actor, op.fromSha, op.toSha, op.fromSubject, op.toSubject, op.startedAt);
    return Number(r.lastInsertRowid);
  }

  updateOperation(id: number, patch: { outcome?: Outcome; finishedAt?: string | null; steps?: StepTiming[]; error?: OperationError | null; details?: Record<string, unknown>; kind?: OperationKind }): void {
    const cur = this.getOperation(id);
    if (!cur) return;
    this.db
      .prepare('UPDATE operations SET outcome=?, finished_at=?, steps=?, error=?, details=?, kind=? WHERE id=?')
      .run(
        patch.outcome ?? cur.outcome,
        patch.finishedAt === undefined ? cur.finishedAt : patch.finishedAt,
        JSON.stringify(patch.steps ?? cur.steps),
        (patch.error === undefined ? cur.error : patch.error) ? JSON.stringify(patch.error === undefined ? cur.error : patch.error) : null,
        patch.details || cur.details ? JSON.stringify({ ...(cur.details ?? {}), ...(patch.details ?? {}) }) : null,
        patch.kind ?? cur.kind,
        id,
      );
  }

  getOperation(id: number): HistoryRow | null {
    const r = this.db.prepare('SELECT * FROM operations WHERE id=?').get(id) as OpRow | undefined;
    return r ? toRow(r) : null;
  }

  history(limit = 50): HistoryRow[] {
    return (this.db.prepare('SELECT * FROM operations ORDER BY id DESC LIMIT ?').all(Math.max(1, Math.min(limit, 10_000))) as OpRow[]).map(toRow);
  }

  /** Records a committed release and makes it last-good, in one transaction. */
  commitRelease(rel: ReleaseRecord): void {
    this.db.transaction(() => {
      this.db
        .prepare('INSERT INTO releases (sha, subject, committed_at, schema_version, deps_hash) VALUES (?,?,?,?,?) ON CONFLICT(sha) DO UPDATE SET subject=excluded.subject, committed_at=excluded.committed_at, schema_version=excluded.schema_version, deps_hash=excluded.deps_hash')
        .run(rel.sha, rel.subject, rel.committedAt, rel.schemaVersion, rel.depsHash);
      this.db.prepare("INSERT INTO state (key, value) VALUES ('last_good', ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value").run(rel.sha);
    })();
  }

  release(sha: string): ReleaseRecord | null {
    const r = this.db.prepare('SELECT sha, subject, committed_at AS committedAt, schema_version AS schemaVersion, deps_hash AS depsHash FROM releases WHERE sha=?').get(sha) as ReleaseRecord | undefined;
    return r ?? null;
  }

  /** Releases, most recently committed first. */
  releases(): ReleaseRecord[] {
    return this.db.prepare('SELECT sha, subject, committed_at AS committedAt, schema_version AS schemaVersion, deps_hash AS depsHash FROM releases ORDER BY committed_at DESC, rowid DESC').all() as ReleaseRecord[];
  }

  lastGood(): ReleaseRecord | null {
    const s = this.db.prepare("SELECT value FROM state WHERE key='last_good'").get() as { value: string } | undefined;
    return s ? this.release(s.value) : null;
  }

  pin(sha: string, reason: string, actor: string, since: string): void {
    this.db.prepare('INSERT INTO pins (sha, reason, since, actor) VALUES (?,?,?,?) ON CONFLICT(sha) DO UPDATE SET reason=excluded.reason, since=excluded.since, actor=excluded.actor').run(sha, reason, since, actor);
  }

  unpin(sha: string): boolean {
    return this.db.prepare('DELETE FROM pins WHERE sha=? OR sha LIKE ?').run(sha, `${sha}%`).changes > 0;
  }

  pins(): { sha: string; reason: string; since: string }[] {
    return this.db.prepare('SELECT sha, reason, since FROM pins ORDER BY since DESC').all() as { sha: string; reason: string; since: string }[];
  }
}
