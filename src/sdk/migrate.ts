import { lock } from 'proper-lockfile';
import { Umzug, type UmzugStorage } from 'umzug';
import type { Database } from 'better-sqlite3';
import { MoltError } from '../core/errors.js';
import { EXIT } from '../supervisor/exit-codes.js';

/** One migration. `up`/`down` get the database; they run inside a transaction (a savepoint of the run's). */
export interface Migration {
  /** Unique, stable, sortable name, e.g. `0002-add-email`. Order of the array is the order of application. */
  name: string;
  /** May be async (return a promise); any other return value is ignored. */
  up(ctx: { db: Database }): unknown;
  down?(ctx: { db: Database }): unknown;
}

export interface MigrateOptions {
  db: Database;
  migrations: Migration[];
  /** Table recording applied migrations, in the same database (default `molt_migrations`). */
  table?: string;
  /** Exit the process on failure (12, or 13 for a database from the future). Default true; false throws instead. */
  exit?: boolean;
  /** Longest wait for another process's migration lock (default 60 s). */
  lockTimeoutMs?: number;
  /** pino/fastify-style logger; default: failures to stderr. */
  logger?: { info(obj: object, msg?: string): void; error(obj: object, msg?: string): void };
}

export interface MigrateResult {
  applied: string[];
  /** Migrations already applied before this run. */
  alreadyApplied: number;
}

// Storage in the migrated DB itself, so the record of applied migrations commits or rolls back with them.
function sqliteStorage(db: Database, table: string): UmzugStorage {
  return {
    async executed() {
      db.exec(`CREATE TABLE IF NOT EXISTS "${table}" (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`);
      return (db.prepare(`SELECT name FROM "${table}" ORDER BY rowid`).all() as { name: string }[]).map((r) => r.name);
    },
    async logMigration({ name }) {
      db.prepare(`INSERT OR IGNORE INTO "${table}" (name, applied_at) VALUES (?, ?)`).run(name, new Date().toISOString());
    },
    async unlogMigration({ name }) {
      db.prepare(`DELETE FROM "${table}" WHERE name = ?`).run(name);
    },
  };
}

async function inSavepoint(db: Database, fn: () => unknown): Promise<void> {
  db.exec('SAVEPOINT molt_migration');
  try {
    await fn();
    db.exec('RELEASE molt_migration');
  } catch (err) {
    db.exec('ROLLBACK TO molt_migration; RELEASE molt_migration');
    throw err;
  }
}

function validate(opts: MigrateOptions): string {
  const table = opts.table ?? 'molt_migrations';
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(table)) throw new MoltError('MOLT_E_VALIDATION', `migrate: table "${table}": expected an SQL identifier ([A-Za-z_][A-Za-z0-9_]*)`);
  const seen = new Set<string>();
  for (const m of opts.migrations) {
    if (!m || typeof m.name !== 'string' || !m.name || typeof m.up !== 'function') throw new MoltError('MOLT_E_VALIDATION', 'migrate: every migration needs a non-empty `name` and an `up` function');
    if (seen.has(m.name)) throw new MoltError('MOLT_E_VALIDATION', `migrate: duplicate migration name "${m.name}": expected unique names`);
    seen.add(m.name);
  }
  return table;
}

/** Runs pending migrations all-or-nothing; the caller already holds the cross-process lock. */
async function runLocked(opts: MigrateOptions, table: string): Promise<MigrateResult> {
  const { db } = opts;
  const storage = sqliteStorage(db, table);
  const umzug = new Umzug({
    migrations: opts.migrations.map((m) => ({
      name: m.name,
      up: () => inSavepoint(db, () => m.up({ db })),
      down: () => inSavepoint(db, () => (m.down ? m.down({ db }) : Promise.reject(new Error(`migration ${m.name} has no down()`)))),
    })),
    storage,
    context: {},
    logger: undefined,
  });
  db.exec('BEGIN IMMEDIATE');
  try {
    const executed = await storage.executed({ context: {} });
    const known = new Set(opts.migrations.map((m) => m.name));
    const unknown = executed.filter((n) => !known.has(n));
    if (unknown.length) {
      throw new MoltError('MOLT_E_SCHEMA_FROM_FUTURE', `the database has migrations this code does not know (${unknown.join(', ')}): it was migrated by a newer release; roll the database back or deploy that release`, { context: { unknown } });
    }
    const applied = (await umzug.up()).map((m) => m.name);
    // The engine reads PRAGMA user_version as the schema version of a release ("database from the future" check).
    db.pragma(`user_version = ${executed.length + applied.length}`);
    db.exec('COMMIT');
    return { applied, alreadyApplied: executed.length };
  } catch (err) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw err;
  }
}

/**
 * Brings the database up to date with umzug. The whole run is one transaction (each migration a savepoint inside
 * it), guarded by a proper-lockfile lock on the database file (`<db>.lock`, the same lock molt's engine takes for
 * MOLT_MIGRATE_CMD) so two processes never migrate at once: the second
 * waits, then finds nothing pending. On failure the database is unchanged and the process exits 12 (13 when the
 * database is from a newer release) — or, with `exit: false`, a MoltError is thrown.
 */
export async function migrate(opts: MigrateOptions): Promise<MigrateResult> {
  const log = opts.logger;
  try {
    const table = validate(opts);
    const file = opts.db.name;
    const memory = opts.db.memory || file === ':memory:' || file === '';
    const timeout = opts.lockTimeoutMs ?? 60_000;
    const unlock = memory
      ? async () => {}
      : await lock(file, { realpath: false, stale: 30_000, update: 2_000, retries: { retries: Math.ceil(timeout / 250), factor: 1, minTimeout: 250, maxTimeout: 250 } }).catch((err: Error) => {
          throw new MoltError('MOLT_E_MIGRATE', `migration lock ${file}.lock not acquired within ${timeout}ms (${err.message}): another process is migrating; retry later`, { cause: err });
        });
    try {
      const result = await runLocked(opts, table);
      log?.info({ event: 'migrate_done', applied: result.applied }, `applied ${result.applied.length} migrations`);
      return result;
    } finally {
      await unlock();
    }
  } catch (err) {
    const future = err instanceof MoltError && err.code === 'MOLT_E_SCHEMA_FROM_FUTURE';
    const e = err instanceof MoltError ? err : new MoltError('MOLT_E_MIGRATE', `migration failed, database left unchanged: ${(err as Error).message}`, { cause: err });
    if (log) log.error({ event: 'migrate_failed', code: e.code, error: e.message }, e.message);
    else process.stderr.write(`molt migrate: ${e.code}: ${e.message}\n`);
    if (opts.exit === false) throw e;
    process.exit(future ? EXIT.SCHEMA_FROM_FUTURE : EXIT.MIGRATION_FAILED);
  }
}
