import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { atomicWriteJson } from '../core/atomic-write.js';
import { MoltError } from '../core/errors.js';
import { EXIT } from '../supervisor/exit-codes.js';
import { REQUEST_FILE, updateRequestSchema, type UpdateRequest } from '../supervisor/update-request.js';
import { moltEnv } from './env.js';
import { stopHandoff } from './handoff.js';

/** What the app asks for; all optional (no target = the tip of MOLT_BRANCH). */
export interface UpdateRequestInput {
  /** Branch or tag to update to. */
  ref?: string;
  /** Exact commit (4–40 hex characters). Give ref or sha, not both. */
  sha?: string;
  /** Who asked (shown in history and notifications). */
  actor?: string;
  reason?: string;
}

export interface RequestUpdateOptions {
  /** Server to drain before exiting (a fastify instance: `close()` lets in-flight requests finish). */
  server?: { close(): unknown };
  /** Longest wait for the drain before exiting anyway (default 10 s). */
  drainTimeoutMs?: number;
  /** Exit with code 10 after the drain (default true; false leaves exiting to you). */
  exit?: boolean;
  dataDir?: string;
}

export interface RequestUpdateResult {
  path: string;
  request: UpdateRequest;
  /** Settles once the server is drained (the process exits right after, unless `exit: false`). */
  drained: Promise<void>;
}

/**
 * Asks molt for an update: validates, writes `<data>/update-request.json` atomically, then — after the current
 * tick so the calling request can still be answered — drains the server and exits with code 10.
 * Throws MOLT_E_REQUEST_INVALID (nothing written) when the input is malformed.
 */
export async function requestUpdate(input: UpdateRequestInput = {}, opts: RequestUpdateOptions = {}): Promise<RequestUpdateResult> {
  const parsed = updateRequestSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : 'request'}: ${i.message}`);
    throw new MoltError('MOLT_E_REQUEST_INVALID', `requestUpdate: ${problems.join('; ')} (expected { ref?, sha?, actor?, reason? })`, { context: { problems } });
  }
  const dataDir = opts.dataDir ?? moltEnv().dataDir;
  await mkdir(dataDir, { recursive: true });
  const path = join(dataDir, REQUEST_FILE);
  await atomicWriteJson(path, parsed.data);
  const drained = new Promise<void>((resolve) => {
    setImmediate(() => {
      const timeout = new Promise<void>((r) => setTimeout(r, opts.drainTimeoutMs ?? 10_000).unref());
      // Hand-off: molt stops passing connections first, so the idle ones close() drops are served on by molt
      // (not closed under a keep-alive client) and in-flight answers carry `Connection: close`.
      const handedOff = stopHandoff(0);
      const closing = handedOff.then(() => opts.server?.close()).then(() => undefined, () => undefined);
      void Promise.race([closing, timeout]).then(() => {
        resolve();
        if (opts.exit !== false) process.exit(EXIT.UPDATE_REQUESTED);
      });
    });
  });
  return { path, request: parsed.data, drained };
}
