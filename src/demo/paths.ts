import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (the folder with package.json that is not dist/), found from this file's location. */
export function repoRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json')) || dir.endsWith('/dist')) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${from}`);
    dir = up;
  }
  return dir;
}

/** Where the demo keeps its remote, publisher clone, app tree and supervisor state (all under data/demo/). */
export function demoPaths(demoDir: string) {
  return {
    dir: demoDir,
    remote: join(demoDir, 'remote.git'),
    publisher: join(demoDir, 'publisher'),
    app: join(demoDir, 'app'),
    state: join(demoDir, 'state'),
  };
}

/** The demo app's source: examples/app (fastify + SQLite + SDK) when present and the SDK is built, else the built-in template. */
export function demoTemplate(root: string): string {
  const example = join(root, 'examples', 'app');
  if (existsSync(join(example, 'server.mjs')) && existsSync(join(example, 'migrations.mjs')) && existsSync(join(root, 'dist', 'src', 'sdk', 'index.js'))) return example;
  return join(root, 'src', 'demo', 'template');
}
