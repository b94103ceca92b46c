import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdir } from 'node:fs/promises';
import { BackupService } from '../../src/backup/service.js';
import { listBackups } from '../../src/backup/catalog.js';
import { systemClock } from '../../src/core/clock.js';
import { fixture } from '../helpers/paths.js';
import { tempDir } from '../helpers/tmp.js';
import { makeApp, recordingEvents, recordingLogger } from './support.js';

for (const step of ['sqlite', 'tarball', 'manifest'] as const) {
  test(`a backup process killed with SIGKILL after the ${step} step leaves no artifact that looks complete, and startup removes the rest`, async (t) => {
    const root = await tempDir(t);
    const c = await makeApp(root, 2000);
    const opts = { ...c, minFree: 0, trigger: 'manual', actor: 'crash-test' };
    const child = spawn(process.execPath, [fixture('backup-crash.mjs'), JSON.stringify(opts), step], { stdio: ['ignore', 'pipe', 'pipe'] });
    t.after(() => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'));
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    for (let i = 0; i < 400 && !out.includes(`paused ${step}`); i++) {
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    assert.match(out, new RegExp(`paused ${step}`), `child did not reach ${step}: ${err}`);
    child.kill('SIGKILL');
    await once(child, 'exit');

    const names = await readdir(c.backupDir);
    assert.equal(names.length, 1);
    assert.match(names[0], /^\.tmp-/, 'only a temp-named dir exists');
    assert.deepEqual(await listBackups(c.backupDir), [], 'nothing is listed as a backup');

    const { logger, records } = recordingLogger();
    const svc = new BackupService({ config: c, events: recordingEvents().events, logger, clock: systemClock });
    await svc.init();
    assert.deepEqual(await readdir(c.backupDir), [], 'startup removed the leftover');
    const rec = records.find((r) => r.event === 'backup_leftovers_removed');
    assert.deepEqual(rec?.removed, names);
  });
}
