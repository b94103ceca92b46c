import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';

function findRoot(start: string): string {
  let dir = start;
  while (!existsSync(join(dir, 'package.json')) || dir.endsWith('/dist')) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${start}`);
    dir = up;
  }
  return dir;
}

/** Repository root (tests run from dist/test, fixtures stay in test/fixtures). */
export const ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));
export const FIXTURES = join(ROOT, 'test', 'fixtures');
export const CLI = join(ROOT, 'dist', 'src', 'cli.js');
/** Where tests put screenshots and other artifacts (git-ignored; CI keeps them). */
export const ARTIFACTS = join(ROOT, 'test-artifacts');
export const fixture = (name: string) => join(FIXTURES, name);
