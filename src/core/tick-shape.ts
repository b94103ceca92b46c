import { createHook } from 'node:async_hooks';

/**
 * Keeps V8's hidden classes for Node's next-tick objects alive for the life of the process.
 *
 * Why: `process.nextTick` builds every tick with an object literal with computed keys
 * (`{ [async_id_symbol]: …, [trigger_async_id_symbol]: …, callback, args }`, Node 22 adds a context-frame key). Such a
 * literal has no boilerplate, so only live tick objects hold the hidden classes (maps) of that shape, and V8 holds
 * them weakly. One full GC at a moment when no tick is queued (an idle server between requests, startup) frees them;
 * the next ticks rebuild them, V8's feedback for the literal turns megamorphic and the optimized nextTick from then on
 * defines most of its properties through the runtime: ~3–4× slower for the rest of the process, and an HTTP request
 * runs several ticks. docs/traffic.md ("nextTick") has the measurements; plain Node reproduces it with one `gc()`.
 * Keeping one real tick object pins those maps.
 */
let keeper: object | undefined;

/** Keeps one tick object (once). Returns it, or undefined when this Node does not report ticks to async hooks. */
export function keepTickShape(): object | undefined {
  if (keeper !== undefined) return keeper;
  // A hook enabled for exactly one nextTick: the only public way to reach the object the real literal built (the
  // symbols are module-private in Node 22). Disabling restores Node's hook-free fast paths.
  try {
    const hook = createHook({
      init(_id, type, _trigger, resource) {
        if (type === 'TickObject' && keeper === undefined) keeper = resource as object;
      },
    });
    hook.enable();
    try {
      process.nextTick(keptTick);
    } finally {
      hook.disable();
    }
  } catch {
    // an optimisation only: a Node without this API keeps working, just without the pin
  }
  return keeper;
}

function keptTick(): void {}

keepTickShape();
