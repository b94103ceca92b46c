import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { atomicWriteFileSync, durableRemove } from '../core/atomic-write.js';
import { MoltError } from '../core/errors.js';

export const JOURNAL_FILE = 'UPDATE_LOCK.json';

const stepSchema = z.object({
  name: z.string(),
  status: z.enum(['pending', 'started', 'done', 'skipped', 'failed']),
  startedAt: z.string().optional(),
  durationMs: z.number().optional(),
  detail: z.string().optional(),
});

const sqliteBackupSchema = z.object({ target: z.string(), existed: z.boolean(), snapshot: z.string().nullable(), sha256: z.string().nullable() });

export const journalSchema = z.object({
  version: z.literal(1),
  id: z.number().int(),
  kind: z.enum(['update', 'rollback', 'recovery', 'restore']),
  trigger: z.string(),
  actor: z.string(),
  phase: z.enum(['forward', 'rollback']),
  fromSha: z.string().nullable(),
  toSha: z.string(),
  fromSubject: z.string().nullable(),
  toSubject: z.string().nullable(),
  startedAt: z.string(),
  attempts: z.number().int().min(0),
  pid: z.number().int(),
  steps: z.array(stepSchema),
  undo: z.array(stepSchema),
  force: z.boolean().optional(),
  failure: z.object({ code: z.string(), message: z.string(), step: z.string().optional(), outputTail: z.array(z.string()).optional() }).optional(),
  backup: z
    .object({
      dir: z.string(),
      createdAt: z.string(),
      tarball: z.object({ path: z.string(), sha256: z.string(), size: z.number() }),
      sqlite: z.array(sqliteBackupSchema),
    })
    .optional(),
  deps: z.object({ fromHash: z.string(), toHash: z.string().optional(), parked: z.boolean(), installed: z.boolean() }).optional(),
  fromSchema: z.number().nullable().optional(),
  targetSchema: z.number().nullable().optional(),
  /** Forced rollback: data restored from the target's backup, discarding writes after `since`. */
  discardedSince: z.string().optional(),
});

export type Journal = z.infer<typeof journalSchema>;
export type JournalStep = z.infer<typeof stepSchema>;

export const journalPath = (dataDir: string) => join(dataDir, JOURNAL_FILE);

/** null when no update is in flight; MOLT_E_JOURNAL_CORRUPT (never a guess) when the file cannot be trusted. */
export async function readJournal(dataDir: string): Promise<Journal | null> {
  const path = journalPath(dataDir);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  let problems: string;
  try {
    const parsed = journalSchema.safeParse(JSON.parse(text));
    if (parsed.success) return parsed.data;
    problems = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
  } catch (err) {
    problems = `not valid JSON (${(err as Error).message})`;
  }
  throw new MoltError(
    'MOLT_E_JOURNAL_CORRUPT',
    `update journal ${path} is unreadable: ${problems}. molt will not guess which release is on disk: the app stays stopped. Inspect the file and the backups in ${join(dataDir, 'releases')}; delete the journal to start the tree as it is.`,
    { context: { path } },
  );
}

export async function writeJournal(dataDir: string, j: Journal): Promise<void> {
  atomicWriteFileSync(journalPath(dataDir), JSON.stringify(j, null, 2) + '\n');
}

export async function removeJournal(dataDir: string): Promise<void> {
  await durableRemove(journalPath(dataDir));
}
