import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Logger } from '../core/logger.js';
import { exitStatus } from './exit-codes.js';

export type Pid1Plan = { action: 'none' } | { action: 'reexec'; tini: string } | { action: 'no-reaper' };

export function findOnPath(name: string, pathVar = process.env.PATH ?? ''): string | undefined {
  for (const dir of pathVar.split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* keep looking */
    }
  }
  return undefined;
}

/**
 * Node only reaps children it spawned itself, so as PID 1 orphaned grandchildren would stay zombies.
 * Decision: when PID 1, run molt again below tini (`-s` subreaper, `-g` group signals), which reaps everything.
 */
export function planPid1(pid: number, env: NodeJS.ProcessEnv, tiniSetting: string | undefined): Pid1Plan {
  if (pid !== 1 || env.MOLT_REEXEC === '1') return { action: 'none' };
  if (tiniSetting === 'off') return { action: 'no-reaper' };
  const tini = tiniSetting ?? findOnPath('tini') ?? findOnPath('tini', '/usr/bin:/sbin:/usr/local/bin');
  return tini ? { action: 'reexec', tini } : { action: 'no-reaper' };
}

/** Runs `tini -s -g -- node <this cli> <args>` and relays signals; resolves with tini's exit status. */
export function reexecUnderTini(tini: string, argv: string[], logger: Logger): Promise<number> {
  logger.info({ event: 'pid1_reexec', tini }, 'running as PID 1: re-executing under tini so orphaned processes are reaped');
  const child = spawn(tini, ['-s', '-g', '--', process.execPath, ...process.execArgv, ...argv], {
    stdio: 'inherit',
    env: { ...process.env, MOLT_REEXEC: '1' },
  });
  const relay = (sig: NodeJS.Signals) => child.kill(sig);
  const signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];
  for (const s of signals) process.on(s, relay);
  return new Promise((resolve) => {
    child.on('error', (err) => {
      logger.error({ event: 'pid1_reexec_failed', error: err.message }, 'tini could not be started');
      resolve(1);
    });
    child.on('exit', (code, signal) => resolve(exitStatus(code, signal)));
  });
}
