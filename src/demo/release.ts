#!/usr/bin/env node
// `npm run demo:release [-- --broken]`: pushes the next demo release to the demo remote under data/demo/.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot, demoPaths } from './paths.js';
import { publishDemoRelease } from './publish.js';

const { values } = parseArgs({ options: { broken: { type: 'boolean' }, dir: { type: 'string' } }, strict: true });
const demoDir = values.dir ? resolve(values.dir) : join(repoRoot(), 'data', 'demo');
if (!existsSync(join(demoPaths(demoDir).publisher, '.git'))) {
  process.stderr.write('demo:release: no demo yet: run `npm start` first (it creates data/demo/)\n');
  process.exit(64);
}
const r = await publishDemoRelease(demoDir, values.broken ? 'broken' : 'good');
process.stdout.write(`published ${r.sha.slice(0, 7)} "${r.subject}" to the demo remote\nopen the console's Update page (or run \`molt update\`) to apply it\n`);
