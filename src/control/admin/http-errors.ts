import type { FastifyReply, FastifyRequest } from 'fastify';
import { ZodError } from 'zod';
import { MoltError, toMoltError, type MoltErrorCode } from '../../core/errors.js';

/** HTTP status of each error code the API returns; anything else is a 500. */
const STATUS: Partial<Record<MoltErrorCode, number>> = {
  MOLT_E_VALIDATION: 400,
  MOLT_E_REF_INVALID: 400,
  MOLT_E_REF_UNKNOWN: 400,
  MOLT_E_AUTH: 401,
  MOLT_E_CSRF: 403,
  MOLT_E_NOT_FOUND: 404,
  MOLT_E_UPDATE_IN_PROGRESS: 409,
  MOLT_E_SAME_RELEASE: 409,
  MOLT_E_DOWN_MIGRATION_MISSING: 409,
  MOLT_E_SCHEMA_FROM_FUTURE: 409,
  MOLT_E_UNSIGNED: 409,
  MOLT_E_DISK_FULL: 507,
  MOLT_E_RATE_LIMITED: 429,
  MOLT_E_UNAVAILABLE: 503,
};

export function httpStatus(code: string): number {
  return STATUS[code as MoltErrorCode] ?? 500;
}

/** Turns zod issues into one readable line naming each bad field and what was expected. */
export function zodMessage(err: ZodError, where: string): string {
  return err.issues.map((i) => `${where}${i.path.length ? '.' + i.path.join('.') : ''}: ${i.message}`).join('; ');
}

/** Normalises anything a route threw (MoltError, zod, fastify's own errors) into `{ error: { code, message } }`. */
export function toApiError(err: unknown): { status: number; body: { error: { code: string; message: string } } } {
  if (err instanceof ZodError) return { status: 400, body: { error: { code: 'MOLT_E_VALIDATION', message: zodMessage(err, 'body') } } };
  if (err instanceof MoltError) return { status: httpStatus(err.code), body: { error: { code: err.code, message: err.message } } };
  const e = err as { code?: string; statusCode?: number; message?: string };
  if (typeof e.code === 'string' && e.code.startsWith('FST_CSRF'))
    return { status: 403, body: { error: { code: 'MOLT_E_CSRF', message: 'missing or invalid CSRF token: reload the page and submit the form again' } } };
  if (e.statusCode === 429) return { status: 429, body: { error: { code: 'MOLT_E_RATE_LIMITED', message: e.message ?? 'too many requests; wait and retry' } } };
  if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500)
    return { status: e.statusCode, body: { error: { code: 'MOLT_E_VALIDATION', message: e.message ?? 'bad request' } } };
  const m = toMoltError(err);
  return { status: 500, body: { error: { code: m.code, message: m.message } } };
}

/** fastify error handler: JSON for /api and friends, a short HTML page for console routes. */
export function errorHandler(renderHtml: (status: number, message: string, req: FastifyRequest) => string) {
  return (err: unknown, req: FastifyRequest, reply: FastifyReply) => {
    const { status, body } = toApiError(err);
    if (status >= 500) req.log.error({ err }, 'admin request failed');
    const wantsHtml = !req.url.startsWith('/api/') && (req.headers.accept ?? '').includes('text/html');
    if (wantsHtml) return reply.code(status).type('text/html; charset=utf-8').send(renderHtml(status, body.error.message, req));
    return reply.code(status).send(body);
  };
}
