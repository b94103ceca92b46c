import { Cron } from 'croner';
import type { Clock } from '../core/clock.js';
import { MoltError } from '../core/errors.js';

export type Schedule = { kind: 'off' } | { kind: 'after-backup' } | { kind: 'cron'; pattern: string };

/** Parses MOLT_BACKUP_SCHEDULE / MOLT_DRILL_SCHEDULE; a bad cron expression is a config error naming the variable. */
export function parseSchedule(value: string, envName: string, tz: string, allowAfterBackup = false): Schedule {
  const v = value.trim();
  if (v === 'off' || v === '') return { kind: 'off' };
  if (v === 'after-backup') {
    if (allowAfterBackup) return { kind: 'after-backup' };
    throw new MoltError('MOLT_E_CONFIG', `${envName}=${JSON.stringify(value)}: expected a cron expression like "0 3 * * *" or "off"`);
  }
  try {
    new Cron(v, { timezone: tz, paused: true }).stop();
  } catch (err) {
    const alt = allowAfterBackup ? ', "after-backup"' : '';
    throw new MoltError('MOLT_E_CONFIG', `${envName}=${JSON.stringify(value)}: expected a cron expression like "0 3 * * *"${alt} or "off" (${(err as Error).message})`, { cause: err });
  }
  return { kind: 'cron', pattern: v };
}

/** Next fire time strictly after `afterMs`, in `tz` (croner does the calendar and DST maths); null if none. */
export function nextFire(pattern: string, tz: string, afterMs: number): number | null {
  const job = new Cron(pattern, { timezone: tz, paused: true });
  try {
    return job.nextRun(new Date(afterMs))?.getTime() ?? null;
  } finally {
    job.stop();
  }
}

// Long waits are cut into slices so a clock jump (suspend, NTP) is noticed within the slice and timers never overflow.
const MAX_SLICE_MS = 3_600_000;

/**
 * Runs `run(fireTime)` at every fire time of `pattern` in `tz`, with time and sleeping from the Clock port (tests
 * inject time). A run that throws is reported by `run` itself; the loop continues. Resolves when `signal` aborts.
 * A fire time missed while a run was still going is skipped, not queued.
 */
export async function runCronLoop(o: { pattern: string; tz: string; clock: Clock; signal: AbortSignal; run: (fireMs: number) => Promise<void> }): Promise<void> {
  let after = o.clock.now();
  while (!o.signal.aborted) {
    const next = nextFire(o.pattern, o.tz, after);
    if (next === null) return;
    for (let now = o.clock.now(); now < next && !o.signal.aborted; now = o.clock.now()) {
      try {
        await o.clock.sleep(Math.min(next - now, MAX_SLICE_MS), o.signal);
      } catch {
        return;
      }
    }
    if (o.signal.aborted) return;
    await o.run(next).catch(() => {});
    after = Math.max(next, o.clock.now());
  }
}
