// Rows 1–3: update latency (install skipped / install run / the floor), rollback time (RTO) for small and large
// node_modules vs the naive git reset + npm ci, and downtime under load vs a naive stop→pull→install→start script.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { startMolt, freePort, type MoltProcess } from '../test/helpers/molt-process.js';
import { git } from '../test/helpers/git-fixture.js';
import { createBenchApp, type BenchApp } from './lib/update-fixture.js';
import { runLoad, summarise } from './lib/load.js';
import { median, fmtMs, fmtRatio } from './lib/stats.js';
import { saveSection, table } from './lib/report.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const TOKEN = 'bench-token-0123456789abcdef';
const VERSIONS = Array.from({ length: RUNS + 2 }, (_, i) => `1.0.${i}`);

function releaseOf(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 1000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200 ? (res.headers['x-release'] as string) : undefined));
    });
    req.on('error', () => resolve(undefined));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

async function waitRelease(port: number, name: string, timeoutMs = 180_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await releaseOf(port)) === name) return Date.now();
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`release ${name} not serving on ${port} within ${timeoutMs}ms`);
}

function postUpdate(adminPort: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: adminPort, path: '/api/update', method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end('{}');
  });
}

async function startSupervised(root: string, app: BenchApp): Promise<{ molt: MoltProcess; port: number; adminPort: number }> {
  const [port, appPort, adminPort] = [await freePort(), await freePort(), await freePort()];
  const molt = startMolt(['run', '--', process.execPath, 'server.mjs'], {
    MOLT_APP_DIR: app.fx.app, MOLT_DATA_DIR: join(root, 'data'), MOLT_PORT: String(port), MOLT_APP_PORT: String(appPort), MOLT_ADMIN_PORT: String(adminPort),
    MOLT_ADMIN_TOKEN: TOKEN, MOLT_TINI: 'off', MOLT_PROBATION: '0', MOLT_HEALTH_SUCCESSES: '1', MOLT_HEALTH_INTERVAL: '50ms', MOLT_HEALTH_TIMEOUT: '30s', MOLT_LOG_LEVEL: 'info',
  });
  await waitRelease(port, 'v1', 60_000);
  return { molt, port, adminPort };
}

/** One molt update: returns request → new release serving (ms) and the step timings of that update. */
async function moltUpdate(s: { molt: MoltProcess; port: number; adminPort: number }, app: BenchApp, name: string, depsVersion?: string) {
  const sha = await app.release(name, { depsVersion });
  const t0 = Date.now();
  let code = await postUpdate(s.adminPort);
  // the previous operation may still be releasing its lock right after its final event
  for (let i = 0; i < 50 && code === 409; i++) await new Promise((r) => setTimeout(r, 100)), (code = await postUpdate(s.adminPort));
  if (code !== 202) throw new Error(`POST /api/update answered ${code}`);
  const t1 = await waitRelease(s.port, name);
  const done = await s.molt.waitFor((r) => r.event === 'update_succeeded' && r.toSha === sha, 120_000);
  const started = s.molt.records.find((r) => r.event === 'update_started' && r.opId === done.opId);
  const released = s.molt.records.find((r) => r.event === 'traffic_released' && Date.parse(String(r.time)) >= t0);
  const steps = [
    `preflight (request → update_started: lock, fetch, resolve, disk check) ${started ? Date.parse(String(started.time)) - t0 : '?'}ms`,
    ...s.molt.records.filter((r) => r.event === 'update_step' && r.opId === done.opId && r.status !== 'started').map((r) => `${r.step} ${r.durationMs}ms${r.status === 'skipped' ? ' (skipped)' : ''}`),
    `traffic released ${released ? Date.parse(String(released.time)) - t0 : '?'}ms after the request`,
  ];
  return { ms: t1 - t0, steps };
}

function startPlain(dir: string, port: number): ChildProcess {
  return spawn(process.execPath, ['server.mjs'], { cwd: dir, env: { PATH: process.env.PATH, PORT: String(port) }, stdio: 'ignore' });
}
async function stopPlain(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null) return;
  const done = new Promise((r) => p.once('exit', r));
  p.kill('SIGTERM');
  await done;
}
const npmCi = (cwd: string) => execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--offline', '--loglevel=error'], { cwd, stdio: 'pipe' });

async function rowLatency(root: string) {
  const app = await createBenchApp(join(root, 'lat'), 20, VERSIONS);
  const floorDir = join(root, 'lat', 'floor');
  git(root, 'clone', '-q', app.fx.bare, floorDir);
  npmCi(floorDir);
  const floorPort = await freePort();
  let plain = startPlain(floorDir, floorPort);
  await waitRelease(floorPort, 'v1', 30_000);
  const s = await startSupervised(join(root, 'lat'), app);
  const skipped: number[] = [], installed: number[] = [], floor: number[] = [];
  let lastSteps: string[] = [], lastInstallSteps: string[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const a = await moltUpdate(s, app, `u${i}`);
      skipped.push(a.ms), (lastSteps = a.steps);
      // the floor: fetch + reset + restart the plain app on the same commit
      const t0 = Date.now();
      git(floorDir, 'fetch', '-q', 'origin');
      git(floorDir, 'reset', '-q', '--hard', 'origin/main');
      await stopPlain(plain);
      plain = startPlain(floorDir, floorPort);
      floor.push((await waitRelease(floorPort, `u${i}`)) - t0);
      const b = await moltUpdate(s, app, `d${i}`, VERSIONS[i + 1]);
      installed.push(b.ms), (lastInstallSteps = b.steps);
      git(floorDir, 'fetch', '-q', 'origin'), git(floorDir, 'reset', '-q', '--hard', 'origin/main'), npmCi(floorDir);
    }
  } finally {
    await stopPlain(plain);
    await s.molt.stop();
  }
  return { skipped: median(skipped), installed: median(installed), floor: median(floor), lastSteps, lastInstallSteps };
}

export async function rowRto(root: string, count: number) {
  const dir = join(root, `rto-${count}`);
  const app = await createBenchApp(dir, count, VERSIONS);
  const s = await startSupervised(dir, app);
  const rto: number[] = [], naive: number[] = [];
  let good = 'v1';
  let steps: string[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const sha = await app.release(`bad${i}`, { crashAtBoot: true, depsVersion: VERSIONS[i + 1] });
      if ((await postUpdate(s.adminPort)) !== 202) throw new Error('update refused');
      const started = await s.molt.waitFor((r) => r.event === 'update_started' && r.toSha === sha, 60_000);
      const failed = await s.molt.waitFor((r) => r.event === 'update_failed' && r.opId === started.opId, 300_000);
      const tFail = Date.parse(String(failed.time));
      const tBack = await waitRelease(s.port, good, 120_000);
      rto.push(tBack - tFail);
      if (process.env.BENCH_DEBUG) for (const r of s.molt.records.filter((x) => Date.parse(String(x.time)) >= tFail - 500)) console.log(String(r.time).slice(11), r.event, r.step ?? '', r.status ?? '', r.msg);
      const back = await s.molt.waitFor((r) => r.event === 'update_rolled_back' && r.opId === failed.opId, 120_000);
      steps = s.molt.records.filter((r) => r.event === 'update_step' && r.opId === back.opId && r.status !== 'started' && Date.parse(String(r.time)) >= tFail).map((r) => `${r.step} ${r.durationMs}ms`);
      // publish a good release again so the next bad one starts from a committed state with its own deps tree
      good = `good${i}`;
      await moltUpdate(s, app, good);
    }
    // naive rollback: git reset to the good commit + npm ci + start → ready
    const naiveDir = join(dir, 'naive');
    git(dir, 'clone', '-q', app.fx.bare, naiveDir);
    const port = await freePort();
    for (let i = 0; i < RUNS; i++) {
      const t0 = Date.now();
      git(naiveDir, 'reset', '-q', '--hard', 'origin/main');
      npmCi(naiveDir);
      const p = startPlain(naiveDir, port);
      naive.push((await waitRelease(port, good)) - t0);
      await stopPlain(p);
    }
  } finally {
    await s.molt.stop();
  }
  return { rto: median(rto), naive: median(naive), steps };
}

async function rowDowntime(root: string) {
  const dir = join(root, 'down');
  const app = await createBenchApp(dir, 20, VERSIONS);
  const s = await startSupervised(dir, app);
  const molt: ReturnType<typeof summarise>[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const load = runLoad(s.port);
      await new Promise((r) => setTimeout(r, 300));
      await moltUpdate(s, app, `w${i}`);
      await new Promise((r) => setTimeout(r, 300));
      molt.push(summarise(await load.stop()));
    }
  } finally {
    await s.molt.stop();
  }
  const naiveDir = join(dir, 'naive');
  git(dir, 'clone', '-q', app.fx.bare, naiveDir);
  npmCi(naiveDir);
  const port = await freePort();
  let p = startPlain(naiveDir, port);
  await waitRelease(port, `w${RUNS - 1}`, 30_000);
  const naive: ReturnType<typeof summarise>[] = [];
  for (let i = 0; i < RUNS; i++) {
    await app.release(`n${i}`);
    const load = runLoad(port);
    await new Promise((r) => setTimeout(r, 300));
    await stopPlain(p);
    git(naiveDir, 'pull', '-q');
    npmCi(naiveDir);
    p = startPlain(naiveDir, port);
    await waitRelease(port, `n${i}`, 30_000);
    await new Promise((r) => setTimeout(r, 300));
    naive.push(summarise(await load.stop()));
  }
  await stopPlain(p);
  const pick = (xs: ReturnType<typeof summarise>[]) => ({ errors: median(xs.map((x) => x.errors)), holding: median(xs.map((x) => x.holding)), windowMs: median(xs.map((x) => x.windowMs)), total: median(xs.map((x) => x.total)), maxErrors: Math.max(...xs.map((x) => x.errors)) });
  return { molt: pick(molt), naive: pick(naive) };
}

export async function benchUpdate(root: string): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'molt-bench-update-'));
  try {
    const lat = await rowLatency(work);
    const small = await rowRto(work, 20);
    const large = await rowRto(work, Number(process.env.BENCH_LARGE_DEPS ?? 300));
    const down = await rowDowntime(work);
    const body = [
      `App: node:http server with 20 (rows 1, 3) or 20/${process.env.BENCH_LARGE_DEPS ?? 300} (row 2) local tarball dependencies installed with \`npm ci --offline\`;`,
      'molt with MOLT_HEALTH_SUCCESSES=1, MOLT_HEALTH_INTERVAL=50ms, MOLT_PROBATION=0; the app signals ready over IPC like the SDK\'s ready().',
      `Times are request → new release answering on the public port; ${RUNS} runs each, medians.`,
      '',
      '### 1. Update latency',
      '',
      table(['update', 'median', 'vs floor', 'target'], [
        ['floor: `git fetch && git reset --hard` + restart the plain app', fmtMs(lat.floor), '1.00×', ''],
        ['molt, lockfile unchanged (install skipped)', fmtMs(lat.skipped), fmtRatio(lat.skipped / lat.floor), lat.skipped <= 1.2 * lat.floor ? '≤ 1.2× ✓' : '≤ 1.2× ✗'],
        ['molt, lockfile changed (`npm ci`)', fmtMs(lat.installed), fmtRatio(lat.installed / lat.floor), ''],
      ]),
      '',
      `Step timings of the last install-skipped update: ${lat.lastSteps.join(', ')}.`,
      `Of the last install-run update: ${lat.lastInstallSteps.join(', ')}.`,
      '',
      lat.skipped <= 1.2 * lat.floor
        ? 'The install-skipped update meets the 1.2× target.'
        : 'Where the time goes (target missed): the floor is `git fetch`, `git reset`, a stop and a start of the app. molt does the same ' +
          'and on top, on the critical path: the admin request and the update lock (one mkdir); the history row; a synchronous, fsynced ' +
          'journal write before the side effects of stop (the write that creates the journal), backup, checkout and start; the backup step ' +
          '(a walk of the stopped tree proving it is still what the current release\'s commit tarball holds, else a new tarball) and ' +
          'the SQLite snapshots; `git clean` after the reset unless the preflight proved it has nothing to remove. The target and its ' +
          'commits are read from the fetched ref and loose objects (no `git log` process), a `git clean -n` dry run runs while git ' +
          'fetches and the .gitignore diff while the app stops; git\'s auto maintenance runs after the release. The health gate ends the moment the ' +
          'app\'s ready() arrives; the commit bookkeeping (tarball and fingerprint of the new release, history row) runs after traffic is ' +
          'released and is not in the measured time. Each of these is what makes the update roll back cleanly or survive a power cut.',
      '',
      'Fairness of the floor (checked): same app and commit, both apps started with the same minimal environment (PATH, PORT; molt adds ' +
        'its MOLT_* variables), both timed from the start of the operation to the first 200 carrying the new release on the port clients ' +
        'use, polled every 5 ms; the app\'s cold first request (≈ 6–9 ms right after it is ready) is in both.',
      '',
      '### 2. Rollback time (RTO): failure detected → old release serving',
      '',
      table(['node_modules', 'molt RTO', 'naive git reset + npm ci + start', 'target'], [
        ['20 packages', fmtMs(small.rto), fmtMs(small.naive), small.rto <= 3000 ? '≤ 3 s ✓' : '≤ 3 s ✗'],
        [`${process.env.BENCH_LARGE_DEPS ?? 300} packages`, fmtMs(large.rto), fmtMs(large.naive), large.rto <= 3000 ? '≤ 3 s ✓' : '≤ 3 s ✗'],
      ]),
      '',
      `The failing release changes the lockfile (its own \`npm ci\` runs) and crashes at boot; molt's undo renames the kept`,
      `dependency tree back instead of reinstalling. Undo steps of the last large run: ${large.steps.join(', ')}.`,
      `RTO is ${large.rto <= 1.5 * small.rto ? 'flat' : 'not flat'} in node_modules size (${fmtMs(small.rto)} vs ${fmtMs(large.rto)}); the naive approach grows with it (${fmtMs(small.naive)} vs ${fmtMs(large.naive)}).`,
      '',
      '### 3. Downtime under load (8 loopback clients, fresh connection per request)',
      '',
      table(['during', 'requests', 'connection errors (median / max)', '503 holding answers', 'non-200 window'], [
        ['molt update (install skipped)', down.molt.total, `${down.molt.errors} / ${down.molt.maxErrors}`, down.molt.holding, fmtMs(down.molt.windowMs)],
        ['naive stop → pull → npm ci → start', down.naive.total, `${down.naive.errors} / ${down.naive.maxErrors}`, down.naive.holding, fmtMs(down.naive.windowMs)],
      ]),
    ].join('\n');
    await saveSection(root, { id: '10-update', title: '1–3. Update latency, rollback time, downtime', body });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
