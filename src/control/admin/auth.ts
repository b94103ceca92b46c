import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { MoltError } from '../../core/errors.js';
import type { Trigger } from '../../update/api.js';
import type { Session, SessionStore } from './sessions.js';

export const SESSION_COOKIE = 'molt_session';

/** Who did something, as recorded in history: `web:<session>`, `api` (bearer) or `cli` (bearer + X-Molt-Client: cli). */
export interface Principal {
  actor: string;
  trigger: Trigger;
  via: 'session' | 'bearer';
  session?: Session;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

// Compare digests so the comparison time does not depend on where the strings differ, nor on their lengths.
export function tokenMatches(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** Resolves the caller from a Bearer header or the session cookie; undefined when neither is valid. */
export function authenticate(req: FastifyRequest, token: string, sessions: SessionStore): Principal | undefined {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m || !tokenMatches(m[1], token)) return undefined;
    const cli = req.headers['x-molt-client'] === 'cli';
    return { actor: cli ? 'cli' : 'api', trigger: cli ? 'cli' : 'web', via: 'bearer' };
  }
  const session = sessions.get(req.cookies[SESSION_COOKIE]);
  return session ? { actor: `web:${session.id}`, trigger: 'web', via: 'session', session } : undefined;
}

/** onRequest hook for the API: 401 without a hint of which part was wrong. */
export function requireAuth(token: string, sessions: SessionStore) {
  return (req: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
    const p = authenticate(req, token, sessions);
    // A browser opening a plugin's console page (e.g. /backups) gets the login form, API clients a 401.
    if (!p && req.method === 'GET' && !req.url.startsWith('/api/') && (req.headers.accept ?? '').includes('text/html')) {
      void reply.redirect(`/login?next=${encodeURIComponent(req.url)}`, 303);
      return;
    }
    if (!p) return done(new MoltError('MOLT_E_AUTH', 'authentication required'));
    req.principal = p;
    done();
  };
}

/**
 * preHandler hook (runs after body parsing, so a form's `_csrf` field is visible): state-changing requests that
 * rely on the session cookie must carry the CSRF token; bearer clients are not exposed to CSRF.
 */
export function csrfForSessions(app: FastifyInstance) {
  return (req: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
    if (req.principal?.via !== 'session' || req.method === 'GET' || req.method === 'HEAD') return done();
    app.csrfProtection(req, reply, done as () => void);
  };
}

/** onRequest hook for console pages: redirect to the login form instead of a 401. */
export function requireSession(token: string, sessions: SessionStore) {
  return (req: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
    const p = authenticate(req, token, sessions);
    if (!p) {
      void reply.redirect(`/login?next=${encodeURIComponent(req.url)}`, 303);
      return;
    }
    req.principal = p;
    done();
  };
}
