import { MoltError, toMoltError } from '../core/errors.js';
import { depsHash, installedHash } from './deps.js';
import type { Engine } from './engine.js';
import { execute, rollbackFailed, undo } from './executor.js';
import { readJournal } from './journal.js';
import { decideRecovery } from './plan.js';
import { readManifest } from './release-artifacts.js';
import { readSchemaVersion } from './schema-version.js';
import { acquireUpdateLock } from './update-lock.js';

export interface RecoveryResult {
  /** The recovery started the app (resumed/rolled-back/re-applied release); the supervisor must not start another. */
  appStarted: boolean;
  /** The app must stay stopped (corrupt journal, failed rollback, database from the future). */
  held: boolean;
  action: 'none' | 'resumed' | 'rolled_back' | 'reapplied' | 'held';
}

/**
 * Runs on every start, before the supervisor starts the app: an interrupted operation is resumed or rolled back;
 * a tree that is not the last committed release (container re-created from the image) gets that release back.
 */
export async function recover(e: Engine): Promise<RecoveryResult> {
  const { p } = e;
  const { logger, events, store, git, config } = p;
  const hold = (kind: string, err: MoltError): RecoveryResult => {
    logger.fatal({ event: kind, code: err.code, error: err.message, severity: 'critical' }, err.message);
    events.emit('alert', { kind, severity: 'critical', message: err.message });
    p.traffic.hold({ reason: 'stopped' });
    return { appStarted: false, held: true, action: 'held' };
  };
  const headNow = await git.head().catch(() => null);
  if (!headNow) {
    logger.warn({ event: 'update_engine_inactive', appDir: config.appDir }, `${config.appDir} is not a git working tree with a commit: updates are unavailable`);
    return { appStarted: false, held: false, action: 'none' };
  }
  if (!store.lastGood()) {
    const sha = headNow;
    const depsKey = (await installedHash(config.appDir)) ?? (await depsHash(config.appDir, config.lockfile));
    store.commitRelease({ sha, subject: (await git.describe(sha)).subject, committedAt: new Date(p.clock.now()).toISOString(), schemaVersion: readSchemaVersion(e.sqlite[0]), depsHash: depsKey });
    logger.info({ event: 'initial_release_recorded', sha }, `recorded ${sha.slice(0, 12)} as the initial release`);
  }
  let j;
  try {
    j = await readJournal(config.dataDir);
  } catch (err) {
    return hold('journal_corrupt', toMoltError(err, 'MOLT_E_JOURNAL_CORRUPT'));
  }
  if (j) {
    let release: () => Promise<void>;
    try {
      release = await acquireUpdateLock(config.dataDir, logger);
    } catch (err) {
      return hold('recovery_blocked', toMoltError(err));
    }
    const decision = decideRecovery(j, config.maxAttempts);
    j.attempts += 1;
    j.pid = process.pid;
    const ctx = e.context(j);
    await ctx.save();
    p.traffic.hold({ reason: 'recovery', targetSha: j.toSha });
    const action = decision.action === 'resume' ? 'resumed' : 'rolled_back';
    const step = 'step' in decision ? decision.step : undefined;
    logger.warn({ event: 'recovery', opId: j.id, decision: decision.action, step, attempts: j.attempts, phase: j.phase }, `interrupted ${j.kind} #${j.id}: ${decision.action}`);
    events.emit('recovery', { id: j.id, action, step, attempts: j.attempts });
    let run;
    if (decision.action === 'resume' || decision.action === 'continue_undo') run = execute(ctx);
    else if (decision.action === 'rollback') run = undo(ctx, { code: 'MOLT_E_INTERNAL', message: decision.reason, step });
    else run = rollbackFailed(ctx, new MoltError('MOLT_E_ROLLBACK_FAILED', decision.reason));
    const row = await e.track(j, run, release);
    return { appStarted: !!p.app.currentChild(), held: row.outcome === 'failed' || !p.app.currentChild(), action };
  }
  const lg = store.lastGood()!;
  const head = await git.head();
  if (head !== lg.sha) {
    const m = await readManifest(config.dataDir, lg.sha);
    if (!m) {
      logger.warn({ event: 'release_tarball_missing', head, lastGood: lg.sha }, `tree is at ${head.slice(0, 12)} but the last committed release ${lg.sha.slice(0, 12)} has no tarball: starting the tree as it is`);
    } else {
      const release = await acquireUpdateLock(config.dataDir, logger);
      logger.warn({ event: 'reapply_release', head, lastGood: lg.sha }, `tree is at ${head.slice(0, 12)}, not the last committed release: re-applying ${lg.sha.slice(0, 12)} from its tarball`);
      const { id, done } = await e.begin({ kind: 'recovery', plan: 'reapply', trigger: 'recovery', actor: 'molt', fromSha: head, toSha: lg.sha }, release);
      events.emit('recovery', { id, action: 'reapplied', attempts: 1 });
      const row = await done;
      return { appStarted: !!p.app.currentChild(), held: row.outcome === 'failed', action: 'reapplied' };
    }
  }
  const dbSchema = readSchemaVersion(e.sqlite[0]);
  const cur = store.release(head);
  if (cur && cur.schemaVersion !== null && dbSchema !== null && dbSchema > cur.schemaVersion) {
    return hold('schema_from_future', new MoltError('MOLT_E_SCHEMA_FROM_FUTURE', `database schema ${dbSchema} is newer than release ${head.slice(0, 12)} (schema ${cur.schemaVersion}): refusing to start old code on a database from the future. Roll forward, or restore the database that belongs to this release.`));
  }
  return { appStarted: false, held: false, action: 'none' };
}

