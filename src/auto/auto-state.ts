import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { atomicWriteJson } from '../core/atomic-write.js';

/** What the auto-updater remembers across restarts (data/auto-update.json). */
const StateSchema = z.object({
  /** The latest remote tip and when this instance first saw it (bake clock). */
  tip: z.object({ sha: z.string(), firstSeenAt: z.number() }).nullable().default(null),
  /** Tip already announced with release_available (one announcement per release). */
  announced: z.string().nullable().default(null),
  /** Pins seen on the previous check; a pin that disappears was unpinned by an admin. */
  pinsSeen: z.array(z.string()).default([]),
  /** Shas an admin unpinned: their automatic rollbacks in history no longer block them. */
  unpinned: z.array(z.string()).default([]),
});
export type AutoState = z.infer<typeof StateSchema>;

export const emptyState = (): AutoState => StateSchema.parse({});

/** A missing or unreadable file starts fresh: losing it only restarts the bake clock, which is the safe direction. */
export async function loadAutoState(path: string): Promise<AutoState> {
  try {
    return StateSchema.parse(JSON.parse(await readFile(path, 'utf8')));
  } catch {
    return emptyState();
  }
}

export async function saveAutoState(path: string, state: AutoState): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await atomicWriteJson(path, state);
}

/** Pure: folds the engine's current pins into the state (detecting unpins). */
export function trackPins(state: AutoState, pins: string[]): AutoState {
  const now = new Set(pins);
  const unpinned = new Set(state.unpinned.filter((s) => !now.has(s)));
  for (const s of state.pinsSeen) if (!now.has(s)) unpinned.add(s);
  return { ...state, pinsSeen: [...now], unpinned: [...unpinned].slice(-50) };
}

/** Pure: records `sha` as the tip, keeping the first-seen time when it is unchanged. */
export function trackTip(state: AutoState, sha: string, now: number): AutoState {
  if (state.tip?.sha === sha) return state;
  return { ...state, tip: { sha, firstSeenAt: now } };
}
