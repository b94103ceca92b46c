import { statfs, readdir } from 'node:fs/promises';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { MoltError } from '../core/errors.js';
import { dirSize, protectedNames, readManifest } from './release-artifacts.js';
import { readSchemaVersion } from './schema-version.js';
import type { PlanKind } from './plan.js';
import type { Ports } from './context.js';
import { splitCommand } from './exec-port.js';

const MiB = 1024 * 1024;

/** Free space needed for the backups: code tree (minus protected dirs) + databases, plus a 10 % / 16 MiB margin. */
export async function assertDiskSpace(p: Ports, sqlite: string[]): Promise<{ needBytes: number; freeBytes: number }> {
  const { appDir, dataDir } = p.config;
  const skip = new Set(protectedNames(appDir, dataDir));
  let code = 0;
  for (const name of await readdir(appDir)) if (!skip.has(name)) code += await dirSize(join(appDir, name));
  const db = sqlite.reduce((n, s) => n + (existsSync(s) ? statSync(s).size : 0), 0);
  const needBytes = Math.ceil((code + db) * 1.1) + 16 * MiB;
  const fs = await statfs(dataDir);
  const freeBytes = fs.bavail * fs.bsize;
  if (freeBytes < needBytes) {
    throw new MoltError(
      'MOLT_E_DISK_FULL',
      `not enough free disk for the update backups: need ${Math.ceil(needBytes / MiB)} MiB in ${dataDir}, ${Math.floor(freeBytes / MiB)} MiB free. Free space or lower MOLT_KEEP_RELEASES; nothing was changed.`,
      { context: { needBytes, freeBytes, dataDir } },
    );
  }
  return { needBytes, freeBytes };
}

/**
 * Down-migration check for a rollback, before anything changes: `MOLT_MIGRATE_CMD down <version> --check` exits 0
 * when every needed down migration exists, 3 when one is missing (its name on the last output line).
 * Returns the missing migration's description, or null.
 */
export async function missingDownMigration(p: Ports, targetSchema: number): Promise<string | null> {
  if (!p.config.migrateCmd) return `down migrations to schema ${targetSchema} (no MOLT_MIGRATE_CMD: SDK apps only migrate up)`;
  const cmd = [...splitCommand('MOLT_MIGRATE_CMD', p.config.migrateCmd), 'down', String(targetSchema), '--check'];
  const r = await p.exec.run(cmd, { cwd: p.config.appDir, env: { ...p.env, MOLT_DATA_DIR: p.config.dataDir, MOLT_APP_DIR: p.config.appDir } });
  if (r.exitCode === 0) return null;
  const last = r.outputTail.filter((l) => l.trim()).slice(-1)[0] ?? `a down migration to schema ${targetSchema}`;
  if (r.exitCode === 3) return last.trim();
  throw new MoltError('MOLT_E_MIGRATE', `\`${cmd.join(' ')}\` exited with ${r.exitCode}: ${last}`, { context: { outputTail: r.outputTail } });
}

/**
 * A rollback across a schema change needs down migrations (run with the newer code) or, when forced, the target
 * release's own data backup. Refuses before anything changed when neither is possible.
 */
export async function planRollback(p: Ports, sqlite: string[], toSha: string, force: boolean): Promise<{ plan: PlanKind; targetSchema: number | null }> {
  const targetSchema = p.store.release(toSha)?.schemaVersion ?? null;
  const dbSchema = readSchemaVersion(sqlite[0]);
  if (targetSchema === null || dbSchema === null || dbSchema <= targetSchema) return { plan: 'rollback', targetSchema };
  const missing = await missingDownMigration(p, targetSchema);
  if (!missing) return { plan: 'rollback', targetSchema };
  if (!force) {
    throw new MoltError('MOLT_E_DOWN_MIGRATION_MISSING', `cannot roll back to ${toSha.slice(0, 12)} without losing data: missing ${missing} (database schema ${dbSchema}, release schema ${targetSchema}). Add the down migration, or force to restore that release's backup and discard newer data.`, { context: { missing, dbSchema, targetSchema } });
  }
  const m = await readManifest(p.config.dataDir, toSha);
  if (!m?.sqlite.some((s) => s.existed)) throw new MoltError('MOLT_E_NOT_FOUND', `release ${toSha.slice(0, 12)} has no data backup to force the rollback with (missing ${missing})`);
  return { plan: 'rollback_forced', targetSchema };
}
