import { readFile, rename, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { fsyncDir } from '../core/atomic-write.js';

export const REQUEST_FILE = 'update-request.json';

export const updateRequestSchema = z
  .object({
    ref: z.string().min(1).max(255).optional(),
    sha: z.string().regex(/^[0-9a-f]{4,40}$/i, 'expected 4 to 40 hex characters').optional(),
    actor: z.string().min(1).max(200).optional(),
    reason: z.string().max(2000).optional(),
    force: z.boolean().optional(),
  })
  .strict()
  .refine((r) => !(r.ref && r.sha), { message: 'give either ref or sha, not both' });

export type UpdateRequest = z.infer<typeof updateRequestSchema>;

export type RequestRead =
  | { kind: 'none' }
  | { kind: 'ok'; request: UpdateRequest; path: string }
  | { kind: 'invalid'; problems: string[]; movedTo: string };

/** Reads and validates data/update-request.json; a malformed file is moved to data/rejected/ (never deleted). */
export async function readUpdateRequest(dataDir: string, now: number = Date.now()): Promise<RequestRead> {
  const path = join(dataDir, REQUEST_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'none' };
    throw err;
  }
  let problems: string[];
  try {
    const parsed = updateRequestSchema.safeParse(JSON.parse(text));
    if (parsed.success) return { kind: 'ok', request: parsed.data, path };
    problems = parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(file)'}: ${i.message}`);
  } catch (err) {
    problems = [`not valid JSON: ${(err as Error).message}`];
  }
  const rejectedDir = join(dataDir, 'rejected');
  await mkdir(rejectedDir, { recursive: true });
  const movedTo = join(rejectedDir, `update-request.${new Date(now).toISOString().replace(/[:.]/g, '-')}.json`);
  await rename(path, movedTo);
  await fsyncDir(dataDir);
  return { kind: 'invalid', problems, movedTo };
}
