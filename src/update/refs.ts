import { MoltError } from '../core/errors.js';

const SHA_RE = /^[0-9a-f]{4,40}$/i;
export const FULL_SHA_RE = /^[0-9a-f]{40}$/;

/**
 * git check-ref-format rules (plus: nothing that starts with '-', so no value can ever be read as an option).
 * Returns the problem, or null when the ref is acceptable.
 */
export function refProblem(ref: string): string | null {
  if (ref.length === 0) return 'is empty';
  if (ref.length > 255) return 'is longer than 255 characters';
  if (ref.startsWith('-')) return "starts with '-' (would be read as a git option)";
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(ref)) return 'contains a space, control character or one of ~ ^ : ? * [ \\';
  if (ref.includes('..')) return "contains '..'";
  if (ref.includes('@{')) return "contains '@{'";
  if (ref === '@') return "is '@'";
  if (ref.includes('//')) return "contains '//'";
  if (ref.startsWith('/') || ref.endsWith('/')) return "starts or ends with '/'";
  if (ref.endsWith('.')) return "ends with '.'";
  for (const part of ref.split('/')) {
    if (part.startsWith('.')) return "has a component starting with '.'";
    if (part.endsWith('.lock')) return "has a component ending with '.lock'";
  }
  return null;
}

/** Throws MOLT_E_REF_INVALID naming the input, before any git call sees it. */
export function assertRef(ref: string, input = 'ref'): string {
  const p = refProblem(ref);
  if (p) throw new MoltError('MOLT_E_REF_INVALID', `${input} ${JSON.stringify(ref.slice(0, 80))} ${p}: expected a branch, tag or commit name`, { context: { [input]: ref } });
  return ref;
}

export function assertSha(sha: string, input = 'sha'): string {
  if (!SHA_RE.test(sha)) throw new MoltError('MOLT_E_REF_INVALID', `${input} ${JSON.stringify(sha.slice(0, 80))} is not a commit sha: expected 4 to 40 hex characters`, { context: { [input]: sha } });
  return sha.toLowerCase();
}

/** A remote name is a single ref component. */
export function assertRemote(remote: string): string {
  if (remote.includes('/') || refProblem(remote)) throw new MoltError('MOLT_E_REF_INVALID', `MOLT_REMOTE ${JSON.stringify(remote)} is not a valid remote name: expected a name like origin`);
  return remote;
}
