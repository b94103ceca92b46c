import { AsyncResource } from 'node:async_hooks';

/**
 * Keeps V8's hidden classes for Node's next-tick objects alive for the life of the process.
 *
 * Why: `process.nextTick` builds every tick with `{ [async_id_symbol], [trigger_async_id_symbol], callback, args }`.
 * A literal with computed keys has no boilerplate, so nothing but live tick objects holds the hidden classes (maps)
 * of that shape, and V8 holds them weakly. One full GC at a moment when no tick is queued (an idle server between
 * requests) frees them; the next ticks rebuild them, V8's feedback for the literal turns megamorphic and the
 * optimized nextTick from then on defines three of its four properties through the runtime: ~3–4× slower for the
 * rest of the process, and an HTTP request runs several ticks. Measured in docs/traffic.md ("nextTick"); a plain
 * Node 20 script reproduces it with one `gc()`. One object of the same shape kept here pins those maps.
 */
let keeper: object | undefined;

/** Creates the keeper once; does nothing if this Node's tick objects are not built the way described above. */
export function keepTickShape(): object | undefined {
  if (keeper !== undefined) return keeper;
  const probe = new AsyncResource('MOLT_TICK_SHAPE', { requireManualDestroy: true });
  const [idKey, triggerKey] = Object.getOwnPropertySymbols(probe);
  if (idKey?.description !== 'async_id_symbol' || triggerKey?.description !== 'trigger_async_id_symbol') return undefined;
  const record = probe as unknown as Record<symbol, number>;
  // Same keys, order and value kinds as the literal in node:internal/process/task_queues.
  keeper = { [idKey]: record[idKey], [triggerKey]: record[triggerKey], callback: keepTickShape, args: undefined };
  return keeper;
}

keepTickShape();
