import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { MoltError } from '../core/errors.js';

/** File names inside one backup artifact directory. */
export const MANIFEST_FILE = 'manifest.json';
export const DRILL_FILE = 'drill.json';
export const TARBALL_FILE = 'files.tar.gz';
export const SQLITE_DIR = 'sqlite';
/** Prefix of artifacts being written; never listed, removed at startup. */
export const TEMP_PREFIX = '.tmp-';
/** Prefix of drill/restore scratch dirs; removed at startup. */
export const SCRATCH_PREFIX = '.scratch-';

export type BackupTrigger = 'schedule' | 'manual' | 'safety';

const sha = z.string().regex(/^[0-9a-f]{64}$/);

const sqliteEntry = z.object({
  kind: z.literal('sqlite'),
  /** Path inside the artifact, e.g. `sqlite/0-app.db`. */
  file: z.string(),
  /** Where the database lives, relative to the app dir when inside it, else absolute. */
  source: z.string(),
  size: z.number().int().nonnegative(),
  sha256: sha,
  rowCounts: z.record(z.number().int().nonnegative()),
});

const tarballEntry = z.object({
  kind: z.literal('tarball'),
  file: z.literal(TARBALL_FILE),
  size: z.number().int().nonnegative(),
  sha256: sha,
  /** Regular files in the tarball (the drill compares the extracted count). */
  fileCount: z.number().int().nonnegative(),
});

export const manifestSchema = z.object({
  format: z.literal(1),
  id: z.string(),
  createdAt: z.string(),
  durationMs: z.number().nonnegative(),
  trigger: z.enum(['schedule', 'manual', 'safety']),
  actor: z.string(),
  /** git HEAD of the app dir when the backup was taken (null outside a git tree). */
  releaseSha: z.string().nullable(),
  /** MOLT_BACKUP_PATHS entries (relative to the app dir) and whether each existed (and is in the tarball). */
  paths: z.array(z.object({ path: z.string(), present: z.boolean() })),
  estimateBytes: z.number().nonnegative(),
  totalBytes: z.number().nonnegative(),
  files: z.array(z.discriminatedUnion('kind', [sqliteEntry, tarballEntry])),
});

export type Manifest = z.infer<typeof manifestSchema>;
export type SqliteEntry = z.infer<typeof sqliteEntry>;
export type TarballEntry = z.infer<typeof tarballEntry>;

export const drillResultSchema = z.object({
  ok: z.boolean(),
  checkedAt: z.string(),
  durationMs: z.number().nonnegative(),
  problems: z.array(z.string()),
});
export type DrillResult = z.infer<typeof drillResultSchema>;

const ID_RE = /^\d{8}T\d{6}Z-[0-9a-f]{4}$/;

/** Backup ids sort by time: `20261126T030000Z-1a2b`. */
export function backupId(nowMs: number, rand: string): string {
  return `${new Date(nowMs).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '')}-${rand}`;
}

export function isBackupId(s: string): boolean {
  return ID_RE.test(s);
}

export function assertBackupId(s: string): string {
  if (!isBackupId(s)) throw new MoltError('MOLT_E_VALIDATION', `backup id ${JSON.stringify(s)}: expected an id like 20261126T030000Z-1a2b (see \`molt backups\`)`, { context: { id: s } });
  return s;
}

export async function readManifest(artifactDir: string): Promise<Manifest> {
  const path = join(artifactDir, MANIFEST_FILE);
  let raw: string;
  try {
    raw = await readFile(path, 'utf8');
  } catch (err) {
    throw new MoltError('MOLT_E_NOT_FOUND', `no backup manifest at ${path}: check the id with \`molt backups\``, { cause: err, context: { path } });
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    throw new MoltError('MOLT_E_CHECKSUM', `backup manifest ${path} is not valid JSON: the artifact is damaged, pick another backup`, { cause: err, context: { path } });
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    const why = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new MoltError('MOLT_E_CHECKSUM', `backup manifest ${path} is malformed (${why}): the artifact is damaged, pick another backup`, { context: { path } });
  }
  return parsed.data;
}

export async function readDrill(artifactDir: string): Promise<DrillResult | null> {
  try {
    const parsed = drillResultSchema.safeParse(JSON.parse(await readFile(join(artifactDir, DRILL_FILE), 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
