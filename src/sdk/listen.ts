import { moltEnv } from './env.js';
import { ready as sendReady } from './ready.js';
import { acceptHandoff, type HandoffServer } from './handoff.js';

/** The part of a fastify instance (or anything alike) the helper needs. */
export interface Listenable {
  listen(opts: { port: number; host: string }): Promise<string>;
  /** The node:http server (fastify's `app.server`): needed to take connections molt hands off. */
  server?: unknown;
}

export interface ListenOptions {
  /** Port when not supervised (default: `PORT`, else 3000). Ignored under molt: the supervisor's `PORT` wins. */
  port?: number;
  /** Address when not supervised (default 0.0.0.0). Under molt the app listens on 127.0.0.1 only. */
  host?: string;
  /** Call ready() once listening (default false: call it yourself after migrations and warm-up). */
  ready?: boolean;
  env?: NodeJS.ProcessEnv;
  /**
   * Under molt: accept connections molt passes over IPC (used when MOLT_TRAFFIC_MODE=handoff; default true when the
   * app has a `server`). Requests on them are measured here and reported to molt in batches for probation.
   */
  handoff?: boolean;
}

/**
 * Listens where the app should: under molt on the internal `PORT` at 127.0.0.1 (molt owns the public port and
 * forwards to it), otherwise on the given/`PORT`/3000 port on all interfaces. Resolves with the address.
 */
export async function listen(app: Listenable, opts: ListenOptions = {}): Promise<string> {
  const env = moltEnv(opts.env);
  let target: { port: number; host: string };
  if (env.supervised) {
    if (env.port === undefined) throw new Error('PORT: missing or not a number although MOLT_SUPERVISED=1: expected the internal port molt passes to the app');
    target = { port: env.port, host: '127.0.0.1' };
  } else {
    target = { port: opts.port ?? env.port ?? 3000, host: opts.host ?? '0.0.0.0' };
  }
  const address = await app.listen(target);
  if (env.supervised && opts.handoff !== false && app.server) acceptHandoff(app.server as HandoffServer);
  if (opts.ready) sendReady();
  return address;
}
