import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

/** A temp dir removed after the test (kept when MOLT_KEEP_TMP=1 for debugging). */
export async function tempDir(t: TestContext | { after(fn: () => unknown): void }, prefix = 'molt-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.after(() => (process.env.MOLT_KEEP_TMP === '1' ? undefined : rm(dir, { recursive: true, force: true })));
  return dir;
}
