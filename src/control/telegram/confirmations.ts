import { randomBytes } from 'node:crypto';

export type PendingAction =
  | { kind: 'update'; sha: string; ref?: string; subject: string; author: string }
  | { kind: 'rollback'; sha: string; force: boolean; subject: string; author: string };

export interface Confirmation {
  id: string;
  userId: number;
  userLabel: string;
  chatId: number;
  action: PendingAction;
  /** The prompt text, kept so the message can be edited to "confirmed"/"expired" without losing what was asked. */
  prompt: string;
  createdAt: number;
  expiresAt: number;
}

export type ConfirmResult =
  | { kind: 'ok'; confirmation: Confirmation }
  | { kind: 'missing' }
  | { kind: 'expired'; confirmation: Confirmation }
  | { kind: 'wrong_user'; confirmation: Confirmation };

const MAX_PENDING = 50;

/**
 * Pending /update and /rollback confirmations, keyed by a random id carried in the button's callback data.
 * Time comes from the caller (clock port), so expiry is tested without waiting.
 * INVARIANTS: an entry is used at most once (take() removes it on ok/expired); at most MAX_PENDING entries exist.
 */
export class ConfirmationStore {
  private readonly pending = new Map<string, Confirmation>();

  constructor(private readonly ttlMs: number) {}

  create(input: Omit<Confirmation, 'id' | 'expiresAt' | 'createdAt'>, now: number): Confirmation {
    this.sweep(now);
    if (this.pending.size >= MAX_PENDING) this.pending.delete(this.pending.keys().next().value as string);
    const c: Confirmation = { ...input, id: randomBytes(6).toString('hex'), createdAt: now, expiresAt: now + this.ttlMs };
    this.pending.set(c.id, c);
    return c;
  }

  /** Claims a confirmation for `userId`. Another user's press leaves it pending for the requester. */
  take(id: string, userId: number, now: number, chatId?: number): ConfirmResult {
    const c = this.pending.get(id);
    if (!c || (chatId !== undefined && c.chatId !== chatId)) return { kind: 'missing' };
    if (now >= c.expiresAt) {
      this.pending.delete(id);
      return { kind: 'expired', confirmation: c };
    }
    if (c.userId !== userId) return { kind: 'wrong_user', confirmation: c };
    this.pending.delete(id);
    return { kind: 'ok', confirmation: c };
  }

  /** Removes and returns expired entries (their prompts get edited to "expired"). */
  sweep(now: number): Confirmation[] {
    const gone: Confirmation[] = [];
    for (const c of this.pending.values()) if (now >= c.expiresAt) gone.push(c);
    for (const c of gone) this.pending.delete(c.id);
    return gone;
  }

  get size(): number {
    return this.pending.size;
  }
}
