/** Events of the auto-updater (shown by Telegram and the console). */
declare module '../core/events.js' {
  interface MoltEventMap {
    /** A new commit is on the remote branch. `applyAfter` (ISO) is when this instance will apply it; null in notify mode. */
    release_available: { sha: string; subject: string; canary: boolean; applyAfter: string | null };
  }
}
export {};
