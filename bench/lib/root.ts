import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';

let dir = dirname(fileURLToPath(import.meta.url));
while (!existsSync(join(dir, 'package.json')) || dir.endsWith('/dist')) dir = dirname(dir);
/** Repository root (benches run from dist/bench). */
export const ROOT = dir;
