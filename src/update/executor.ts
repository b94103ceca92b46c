import { MoltError, toMoltError } from '../core/errors.js';
import type { HistoryRow, OperationError } from './api.js';
import type { OpContext, StepExecutor } from './context.js';
import type { JournalStep } from './journal.js';
import { removeJournal } from './journal.js';
import { pendingSteps, planUndo } from './plan.js';
import { FORWARD } from './steps-forward.js';
import { COMMIT_AND_UNDO } from './steps-undo.js';
import { PRECHECKS } from './prechecks.js';
import { toHistorySteps } from './history-steps.js';

const EXECUTORS: Record<string, StepExecutor> = { ...FORWARD, ...COMMIT_AND_UNDO };

export function operationError(err: unknown, step?: string): OperationError {
  const e = toMoltError(err);
  const tail = (e.context.outputTail as string[] | undefined) ?? undefined;
  return { code: e.code, message: e.message, ...(step ? { step } : {}), ...(tail?.length ? { outputTail: tail.slice(-20) } : {}) };
}

/**
 * Runs one step: journaled as started before its side effect, then done/skipped/failed with its duration. The
 * done/skipped record is written together with the next step's start (or the undo switch): a crash in between
 * re-runs an idempotent step that had already finished, which the resume table allows anyway. A step whose
 * `precheck` says there is nothing to do (read-only) is recorded as skipped without a write of its own.
 */
async function runStep(ctx: OpContext, s: JournalStep, label: string): Promise<void> {
  const { p, j } = ctx;
  const t0 = p.clock.now();
  const exec = EXECUTORS[s.name];
  if (!exec) throw new MoltError('MOLT_E_INTERNAL', `no executor for step ${s.name}`);
  s.startedAt = new Date(t0).toISOString();
  const pre = await PRECHECKS[s.name]?.(ctx);
  if (pre) {
    Object.assign(s, { status: 'skipped', detail: pre.detail, durationMs: p.clock.now() - t0 });
    ctx.dirty = true;
    p.events.emit('update_step', { id: j.id, step: label, status: 'skipped', durationMs: s.durationMs, detail: s.detail });
    p.logger.info({ event: 'update_step', opId: j.id, step: label, status: 'skipped', durationMs: s.durationMs, detail: s.detail }, `${label} skipped`);
    return;
  }
  if (ctx.journaledStart === s.name && s.status === 'started' && !ctx.dirty) ctx.journaledStart = undefined;
  else {
    s.status = 'started';
    await ctx.save();
  }
  p.events.emit('update_step', { id: j.id, step: label, status: 'started' });
  p.logger.info({ event: 'update_step', opId: j.id, step: label, status: 'started' }, `${label}…`);
  p.killSwitch.before(s.name);
  try {
    ctx.signal.throwIfAborted();
    const out = (await exec(ctx)) ?? {};
    s.status = out.skipped ? 'skipped' : 'done';
    s.detail = out.detail;
  } catch (err) {
    s.status = 'failed';
    s.detail = toMoltError(err).message.slice(0, 500);
    throw err;
  } finally {
    s.durationMs = p.clock.now() - t0;
    if (s.status === 'failed') await ctx.save();
    else ctx.dirty = true;
    p.events.emit('update_step', { id: j.id, step: label, status: s.status as 'done', durationMs: s.durationMs, detail: s.detail });
    p.logger[s.status === 'failed' ? 'warn' : 'info']({ event: 'update_step', opId: j.id, step: label, status: s.status, durationMs: s.durationMs, detail: s.detail }, `${label} ${s.status}`);
  }
}

/** Runs the remaining forward steps; on any failure switches to the undo plan. Resolves with the final history row. */
export async function execute(ctx: OpContext): Promise<HistoryRow> {
  const { p, j } = ctx;
  if (j.phase === 'forward') {
    try {
      for (const s of j.steps) if (s.status !== 'done' && s.status !== 'skipped') await runStep(ctx, s, s.name);
    } catch (err) {
      if (ctx.signal.aborted) {
        if (ctx.dirty) await ctx.save().catch(() => {});
        throw err; // shutdown: the journal stays and the next start resumes
      }
      const failed = j.steps.find((s) => s.status === 'failed')?.name ?? 'unknown';
      j.failure = operationError(err, failed);
      p.logger.error({ event: 'update_failed', opId: j.id, step: failed, code: j.failure.code, error: j.failure.message, outputTail: j.failure.outputTail }, `update failed at ${failed}: rolling back`);
      return undo(ctx);
    }
    await removeJournal(p.config.dataDir);
    const durationMs = p.clock.now() - Date.parse(j.startedAt);
    await ctx.settle();
    p.logger.info({ event: 'update_succeeded', opId: j.id, kind: j.kind, fromSha: j.fromSha, toSha: j.toSha, durationMs }, `now running ${j.toSha.slice(0, 12)}`);
    p.events.emit('update_succeeded', { id: j.id, kind: j.kind, fromSha: j.fromSha, toSha: j.toSha, durationMs });
    return p.store.getOperation(j.id)!;
  }
  return undo(ctx);
}

/** Switches the journal to the rollback phase (durably) and restores code, deps and data of the previous release. */
export async function undo(ctx: OpContext, reason?: OperationError): Promise<HistoryRow> {
  const { p, j } = ctx;
  if (reason && !j.failure) j.failure = reason;
  if (j.phase !== 'rollback') {
    j.phase = 'rollback';
    j.undo = pendingSteps(planUndo(j));
    await ctx.save();
  }
  try {
    for (const s of j.undo) {
      if (s.status === 'done' || s.status === 'skipped') continue;
      if (s.name === 'record') break;
      await runStep(ctx, s, `rollback:${s.name}`);
    }
  } catch (err) {
    if (ctx.signal.aborted) throw err;
    return rollbackFailed(ctx, err);
  }
  const now = new Date(p.clock.now()).toISOString();
  const failure = j.failure ?? { code: 'MOLT_E_INTERNAL', message: 'rolled back' };
  const rec = j.undo.find((s) => s.name === 'record');
  if (rec) Object.assign(rec, { status: 'done', startedAt: now, durationMs: 0 });
  if (j.trigger === 'auto' || j.trigger === 'probation' || j.trigger === 'crash_loop') p.store.pin(j.toSha, `update to it was rolled back: ${failure.code}`, 'molt', now);
  p.store.updateOperation(j.id, { outcome: 'rolled_back', finishedAt: now, steps: toHistorySteps(j), error: failure });
  await removeJournal(p.config.dataDir);
  const durationMs = p.clock.now() - Date.parse(j.startedAt);
  await ctx.settle();
  p.logger.warn({ event: 'update_rolled_back', opId: j.id, fromSha: j.fromSha, toSha: j.toSha, failedStep: failure.step, code: failure.code, durationMs }, `rolled back to ${j.fromSha?.slice(0, 12)}`);
  p.events.emit('update_rolled_back', { id: j.id, kind: j.kind, fromSha: j.fromSha, toSha: j.toSha, failedStep: failure.step ?? 'unknown', error: failure, durationMs });
  return p.store.getOperation(j.id)!;
}

/** The previous release could not be restored: keep every backup and the journal, app stopped behind the holding page. */
export async function rollbackFailed(ctx: OpContext, err: unknown): Promise<HistoryRow> {
  const { p, j } = ctx;
  const step = j.undo.find((s) => s.status === 'failed')?.name;
  const error = operationError(new MoltError('MOLT_E_ROLLBACK_FAILED', `rollback failed at ${step}: ${toMoltError(err).message}. Every backup is kept in ${p.config.dataDir}/releases; the app stays stopped. Fix the cause and restart molt to retry.`, { cause: err, context: toMoltError(err).context }), step);
  await p.app.stopApp('rollback_failed').catch(() => {});
  p.traffic.hold({ reason: 'stopped' });
  p.store.updateOperation(j.id, { outcome: 'failed', finishedAt: new Date(p.clock.now()).toISOString(), steps: toHistorySteps(j), error: { ...error, ...(j.failure ? { message: `${error.message} (update failed first: ${j.failure.message})` } : {}) } });
  p.logger.fatal({ event: 'rollback_failed', opId: j.id, step, code: error.code, error: error.message, severity: 'critical' }, error.message);
  p.events.emit('rollback_failed', { id: j.id, error, severity: 'critical' });
  p.events.emit('alert', { kind: 'rollback_failed', severity: 'critical', message: error.message, details: { id: j.id, step } });
  return p.store.getOperation(j.id)!;
}
