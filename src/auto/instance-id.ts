import { readFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { atomicWriteFile } from '../core/atomic-write.js';
import { MoltError } from '../core/errors.js';

export const INSTANCE_ID_FILE = 'instance-id';
const VALID = /^[A-Za-z0-9._:@-]{1,128}$/;

export function validateInstanceId(id: string, source: string): string {
  if (!VALID.test(id)) {
    throw new MoltError('MOLT_E_CONFIG', `${source}=${JSON.stringify(id.slice(0, 40))}: expected 1-128 characters of A-Z a-z 0-9 . _ : @ -`, { context: { source } });
  }
  return id;
}

/**
 * The instance id used for canary bucketing: MOLT_INSTANCE_ID when set, else `<dataDir>/instance-id`, created with a
 * random id on first start so the canary decision survives restarts.
 */
export async function resolveInstanceId(opts: { configured?: string; dataDir: string }): Promise<{ id: string; source: 'env' | 'file' | 'generated' }> {
  if (opts.configured) return { id: validateInstanceId(opts.configured, 'MOLT_INSTANCE_ID'), source: 'env' };
  const file = join(opts.dataDir, INSTANCE_ID_FILE);
  try {
    const text = (await readFile(file, 'utf8')).trim();
    return { id: validateInstanceId(text, file), source: 'file' };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const id = randomBytes(12).toString('hex');
  await mkdir(opts.dataDir, { recursive: true });
  await atomicWriteFile(file, id + '\n');
  return { id, source: 'generated' };
}
