import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The console's static bundle lives in the source tree (src/control/admin/static: plain JS + CSS, no build step),
 * so find it from either the compiled (dist/src/...) or the source location.
 */
export function staticDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'static'), join(here, '..', '..', '..', '..', 'src', 'control', 'admin', 'static')];
  const found = candidates.find((d) => existsSync(join(d, 'console.js')));
  if (!found) throw new Error(`console assets not found in ${candidates.join(' or ')}`);
  return found;
}
