import { createHash, randomBytes } from 'node:crypto';

export interface Session {
  /** Short public id used as actor (`web:<id>`); never the cookie value. */
  id: string;
  createdAt: number;
  expiresAt: number;
}

/**
 * Console login sessions, in memory (a supervisor restart logs everyone out, which is acceptable for an admin tool).
 * INVARIANTS: the map key is the secret cookie value; expired sessions are never returned and are pruned on access.
 */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  constructor(private readonly ttlMs: number, private readonly now: () => number = Date.now) {}

  create(): { cookie: string; session: Session } {
    const cookie = randomBytes(32).toString('base64url');
    const t = this.now();
    const session = { id: createHash('sha256').update(cookie).digest('hex').slice(0, 8), createdAt: t, expiresAt: t + this.ttlMs };
    this.sessions.set(cookie, session);
    this.prune();
    return { cookie, session };
  }

  get(cookie: string | undefined): Session | undefined {
    if (!cookie) return undefined;
    const s = this.sessions.get(cookie);
    if (!s) return undefined;
    if (s.expiresAt <= this.now()) {
      this.sessions.delete(cookie);
      return undefined;
    }
    return s;
  }

  destroy(cookie: string | undefined): void {
    if (cookie) this.sessions.delete(cookie);
  }

  private prune(): void {
    const t = this.now();
    for (const [k, s] of this.sessions) if (s.expiresAt <= t) this.sessions.delete(k);
  }
}
