import type { Ports } from './context.js';
import { cleanExcludes } from './release-artifacts.js';

/**
 * When checkout may skip `git clean` (docs/update-engine.md, "Skipping git clean"): the preflight's dry run found
 * nothing to clean in the tree it saw, no .gitignore differs between the releases, and (checked by the checkout) the
 * backup found the stopped tree identical to the commit-time fingerprint. Any doubt → clean as always.
 */

/** What `git clean` would remove from the tree now (null when git could not tell); read-only, run while git fetches. */
export function dryRunClean(p: Ports, sqlite: string[]): Promise<string[] | null> {
  return p.git.uncleaned(cleanExcludes(p.config.appDir, p.config.dataDir, sqlite)).catch(() => null);
}

/** The first two conditions, asked for once (the stop step starts the read-only `git diff` while the app exits). */
export function nothingToClean(p: Ports, untracked: Promise<string[] | null> | undefined, fromSha: string | null, toSha: string): (() => Promise<boolean>) | undefined {
  if (!untracked || !fromSha) return undefined;
  let answer: Promise<boolean> | undefined;
  return () =>
    (answer ??= Promise.all([untracked, p.git.ignoreRulesChanged(fromSha, toSha)]).then(([u, ig]) => u !== null && u.length === 0 && ig.length === 0, () => false));
}
