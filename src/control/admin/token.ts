import { randomBytes } from 'node:crypto';
import { readFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { atomicWriteFile } from '../../core/atomic-write.js';
import { MoltError } from '../../core/errors.js';

export const TOKEN_FILE = 'admin-token';

/**
 * The admin token: MOLT_ADMIN_TOKEN when set, else the one generated once into <data>/admin-token (mode 0600),
 * so a loopback-only console works without setup and the token survives restarts.
 */
export async function resolveAdminToken(configured: string | undefined, dataDir: string): Promise<{ token: string; source: 'env' | 'file' | 'generated'; file?: string }> {
  if (configured) return { token: configured, source: 'env' };
  const file = join(dataDir, TOKEN_FILE);
  const existing = await readTokenFile(file);
  if (existing) return { token: existing, source: 'file', file };
  await mkdir(dataDir, { recursive: true });
  const token = randomBytes(24).toString('base64url');
  await atomicWriteFile(file, token + '\n');
  return { token, source: 'generated', file };
}

/** Reads a token file; undefined when absent, MOLT_E_CONFIG when present but too short to be a token. */
export async function readTokenFile(file: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const token = text.trim();
  if (token.length < 16) throw new MoltError('MOLT_E_CONFIG', `${file}: expected a token of at least 16 characters; delete the file to generate a new one`);
  return token;
}
