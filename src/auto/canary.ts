import { createHash } from 'node:crypto';

/**
 * Maps (instance id, target sha) to a number in [0, 1): the first 48 bits of sha256(`${instanceId}:${sha}`) / 2^48.
 * Why hash both: the bucket is stable for one release across restarts (persisted id), yet a different subset of the
 * fleet goes first on each release, so no single instance is always the guinea pig.
 */
export function canaryScore(instanceId: string, sha: string): number {
  const digest = createHash('sha256').update(`${instanceId}:${sha}`).digest();
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

/** An instance is a canary for `sha` when its score is below p (p = 1: everyone; p = 0: nobody). */
export function isCanary(instanceId: string, sha: string, probability: number): boolean {
  return canaryScore(instanceId, sha) < probability;
}
