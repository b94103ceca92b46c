// Auto-update row: what one poll costs (ls-remote only, and ls-remote + fetch when a release appears), the canary
// bucket's fraction and speed, the update-window computation, and the wall time of `molt doctor`.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { GitFixture } from '../test/helpers/git-fixture.js';
import { AutoUpdater } from '../src/auto/controller.js';
import { gitRemote } from '../src/auto/remote.js';
import { canaryScore, isCanary } from '../src/auto/canary.js';
import { nextWindowOpen } from '../src/auto/window.js';
import { EventBus } from '../src/core/events.js';
import { createLogger } from '../src/core/logger.js';
import { systemClock } from '../src/core/clock.js';
import { median, fmtMs } from './lib/stats.js';
import { saveSection, table } from './lib/report.js';

const POLLS = Number(process.env.BENCH_RUNS ?? 5) * 4;

function doctor(root: string, env: Record<string, string>): Promise<number> {
  const t = performance.now();
  return new Promise((resolve) => execFile(process.execPath, [join(root, 'dist', 'src', 'cli.js'), 'doctor', '--json'], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', ...env } }, () => resolve(performance.now() - t)));
}

export async function benchAutoPoll(root: string): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'molt-bench-auto-'));
  try {
    const fx = await GitFixture.create(work, { 'server.mjs': 'console.log(1)\n' });
    let current = fx.appHead();
    const engine = {
      requestUpdate: async () => ({ id: 1, done: new Promise<never>(() => {}) }),
      current: () => ({ sha: current, subject: '', author: '', date: '' }),
      running: () => null,
      pinned: () => [],
      history: () => [],
    };
    const logger = createLogger({ level: 'warn', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
    const updater = new AutoUpdater({
      config: { autoUpdate: 'notify', pollIntervalMs: 300_000, updateWindow: null, tz: 'UTC', canaryProbability: 0.5, canaryBakeMs: 3_600_000, requireSigned: false, dataDir: join(work, 'data') },
      engine, remote: gitRemote({ appDir: fx.app, remote: 'origin', branch: 'main' }), events: new EventBus(), logger, clock: systemClock, instanceId: 'bench',
    });
    const unchanged: number[] = [];
    for (let i = 0; i < POLLS; i++) {
      const t = performance.now();
      await updater.checkNow();
      unchanged.push(performance.now() - t);
    }
    const fresh: number[] = [];
    for (let i = 0; i < 5; i++) {
      await fx.release({ [`f${i}.txt`]: String(i) }, `release ${i}`);
      const t = performance.now();
      await updater.checkNow();
      fresh.push(performance.now() - t);
    }
    current = fx.appHead();

    const N = 100_000;
    const t0 = performance.now();
    for (let i = 0; i < N; i++) canaryScore(`instance-${i}`, 'a'.repeat(40));
    const nsPerScore = ((performance.now() - t0) * 1e6) / N;
    const fractions = [0.05, 0.1, 0.25, 0.5].map((p) => {
      let c = 0;
      for (let i = 0; i < N; i++) if (isCanary(`pod-${i}`, '0123456789abcdef0123456789abcdef01234567', p)) c++;
      return [String(p), (c / N).toFixed(4), `${(((c / N - p) / p) * 100).toFixed(2)} %`];
    });
    const w = { startMin: 120, endMin: 300 };
    const t1 = performance.now();
    for (let i = 0; i < 10_000; i++) nextWindowOpen(Date.UTC(2026, 2, 10, 12, 0) + i * 60_000, w, 'Europe/Berlin');
    const usPerWindow = ((performance.now() - t1) * 1000) / 10_000;

    const doctorRuns: number[] = [];
    for (let i = 0; i < 3; i++) doctorRuns.push(await doctor(root, { MOLT_APP_DIR: fx.app, MOLT_TINI: 'off' }));

    const body = [
      `Local bare repository as the remote (file://, so the network round trip — typically 50–300 ms to a hosted git server — is not included); ${POLLS} polls, median.`,
      '',
      table(['operation', 'median', 'runs'], [
        ['poll, tip unchanged (`git ls-remote` of one ref)', fmtMs(median(unchanged)), unchanged.length],
        ['poll, new release (ls-remote + fetch of the branch + `git log -1`)', fmtMs(median(fresh)), fresh.length],
        ['`molt doctor`, good setup (all checks, incl. npm --version)', fmtMs(median(doctorRuns)), doctorRuns.length],
      ]),
      '',
      `Canary bucket: sha256 of \`instance:sha\` → ${nsPerScore.toFixed(0)} ns per decision. Fraction of ${N.toLocaleString('en')} simulated ids that are canaries:`,
      '',
      table(['p', 'fraction', 'relative error'], fractions),
      '',
      `Update window: nextWindowOpen (Europe/Berlin, Intl-based) ${usPerWindow.toFixed(1)} µs per call.`,
    ].join('\n');
    await saveSection(root, { id: '70-auto-update', title: 'Automatic updates: poll cost, canary bucket, doctor', body });
    process.stdout.write(body + '\n');
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
