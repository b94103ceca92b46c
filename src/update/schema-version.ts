import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';

/**
 * Schema version of the app database = `PRAGMA user_version` of the first MOLT_SQLITE_PATHS file (migrations, by
 * MOLT_MIGRATE_CMD or the SDK, set it to the number of the last applied migration). null: no database.
 */
export function readSchemaVersion(dbPath: string | undefined): number | null {
  if (!dbPath || !existsSync(dbPath)) return null;
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    return db.pragma('user_version', { simple: true }) as number;
  } finally {
    db.close();
  }
}
