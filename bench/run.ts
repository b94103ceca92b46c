// `npm run bench`: runs every benchmark row (bounded, loopback only) and assembles bench/RESULTS.md.
import './lib/defaults.js';
import { ROOT } from './lib/root.js';
import { writeResults } from './lib/report.js';
import { benchBackups } from './backups.js';
import { benchOverhead } from './overhead.js';
import { benchUpdate } from './update.js';
import { benchProbation } from './probation-overhead.js';
import { benchAutoPoll } from './auto-poll.js';
import { benchTelegram } from './telegram.js';
import { benchTraffic } from './traffic-throughput.js';
import { benchTrafficUpdate } from './traffic-update-window.js';
import { benchTrafficHandoff } from './traffic-handoff.js';
import { benchTrafficCrash } from './traffic-crash.js';

const ROWS: Record<string, (root: string) => Promise<void>> = {
  update: benchUpdate,
  overhead: benchOverhead,
  traffic: benchTraffic,
  'traffic-update': benchTrafficUpdate,
  'traffic-handoff': benchTrafficHandoff,
  'traffic-crash': benchTrafficCrash,
  backups: benchBackups,
  probation: benchProbation,
  'auto-update': benchAutoPoll,
  telegram: benchTelegram,
};

const only = process.argv.slice(2);
const started = Date.now();
for (const [name, fn] of Object.entries(ROWS)) {
  if (only.length && !only.includes(name)) continue;
  const t = Date.now();
  process.stdout.write(`bench: ${name} ...\n`);
  try {
    await fn(ROOT);
    process.stdout.write(`bench: ${name} done in ${((Date.now() - t) / 1000).toFixed(1)} s\n`);
  } catch (err) {
    process.stdout.write(`bench: ${name} FAILED: ${(err as Error).stack}\n`);
    process.exitCode = 1;
  }
}
await writeResults(ROOT);
process.stdout.write(`bench: wrote bench/RESULTS.md in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
