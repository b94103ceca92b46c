/**
 * Test-only power-cut simulator. MOLT_TEST_KILL_AT=<step> SIGKILLs the supervisor right after the journal says the
 * step started (before its side effect); <step>:mid kills it in the middle (tar entries, install/migration output);
 * <step>:after once its side effect is done but before the journal says so (health: traffic already released).
 * Every process group we started is killed first, as a power cut would. Unset in production: every call is a no-op.
 */
export interface KillSwitch {
  before(step: string): void;
  mid(step: string): void;
  after(step: string): void;
  /** Process groups that die with us (app child, build tools). */
  track(pgid: number): void;
  untrack(pgid: number): void;
}

export const noKillSwitch: KillSwitch = { before() {}, mid() {}, after() {}, track() {}, untrack() {} };

export function createKillSwitch(spec: string | undefined, appGroup: () => number | undefined): KillSwitch {
  if (!spec) return noKillSwitch;
  const [target, where = 'before'] = spec.split(':');
  const groups = new Set<number>();
  let midCalls = 0;
  const die = (): never => {
    for (const g of [...groups, appGroup()]) {
      if (!g) continue;
      try {
        process.kill(-g, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    process.stderr.write(`molt: MOLT_TEST_KILL_AT=${spec}: killing the supervisor\n`);
    process.kill(process.pid, 'SIGKILL');
    throw new Error('unreachable');
  };
  return {
    before: (step) => {
      if (where === 'before' && step === target) die();
    },
    after: (step) => {
      if (where === 'after' && step === target) die();
    },
    mid: (step) => {
      // the 3rd progress signal: some work is done, some is not
      if (where === 'mid' && step === target && ++midCalls >= 3) die();
    },
    track: (g) => void groups.add(g),
    untrack: (g) => void groups.delete(g),
  };
}
