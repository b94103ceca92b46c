// Traffic during updates: a loopback load on MOLT_PORT while molt applies N updates through the real engine (release
// fixture of test/update); reports connection errors, holding-page answers and the holding window per update.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createUpdateFixture } from '../test/update/fixture.js';
import { startMolt } from '../test/helpers/molt-process.js';
import { startLoad } from '../test/traffic/load.js';
import { median, fmtMs } from './lib/stats.js';
import { saveSection, table } from './lib/report.js';

const UPDATES = Number(process.env.BENCH_UPDATES ?? 3);

export async function benchTrafficUpdate(_root: string): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'molt-bench-update-window-'));
  const f = await createUpdateFixture(root);
  const m = startMolt(['run'], { ...f.env, MOLT_LOG_LEVEL: 'info' });
  const rows: (string | number)[][] = [];
  const windows: number[] = [];
  try {
    await m.waitFor('traffic_released', 60_000);
    for (let i = 2; i <= UPDATES + 1; i++) {
      await f.release({ version: `v${i}` });
      const load = startLoad(f.port, { concurrency: 8, maxRequests: 200_000, maxMs: 120_000, path: '/version' });
      await new Promise((r) => setTimeout(r, 1000));
      const before = m.events('update_succeeded').length;
      await fetch(`http://127.0.0.1:${f.port}/request-update`);
      await m.waitForCount('update_succeeded', before + 1, 120_000);
      await new Promise((r) => setTimeout(r, 1000));
      const res = await load.stop();
      const released = m.events('traffic_released').at(-1)!;
      const heldMs = Number(released.heldMs);
      windows.push(heldMs);
      const holding = res.responses.filter((x) => x.holding).length;
      const other = res.responses.filter((x) => !x.holding && x.status !== 200).length;
      rows.push([`v${i - 1} → v${i}`, res.responses.length, res.errors.length, holding, other, fmtMs(heldMs)]);
      process.stdout.write(`  update v${i}: ${res.responses.length} responses, ${res.errors.length} errors, held ${heldMs} ms\n`);
    }
  } finally {
    await m.stop();
    await rm(root, { recursive: true, force: true });
  }
  const body = [
    `${UPDATES} updates through the real engine (lockfile unchanged, so no install), 8 keep-alive loopback workers on GET /version.`,
    'Holding window = `traffic_released.heldMs`: from the hold (app exit 10) until the new release passed its health gate',
    `(MOLT_HEALTH_SUCCESSES=2, MOLT_HEALTH_INTERVAL=50ms). Median window: ${fmtMs(median(windows))}.`,
    '',
    table(['update', 'responses', 'connection errors', '503 holding', 'other non-200', 'holding window'], rows),
  ].join('\n');
  await saveSection(_root, { id: '51-traffic-update', title: 'Traffic during updates: connection errors and holding window', body });
}
