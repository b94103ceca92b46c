import { z } from 'zod';
import { MoltError } from '../../core/errors.js';

// Refs are passed to git as arguments: no leading '-', no '..', no whitespace or shell/ref-special characters.
export const refSchema = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._\/-]*$/, 'expected a branch, tag or sha (letters, digits, . _ / -), not starting with - ')
  .refine((s) => !s.includes('..') && !s.endsWith('.lock') && !s.endsWith('/'), 'expected a valid git ref name');

export const shaSchema = z.string().regex(/^[0-9a-f]{4,40}$/i, 'expected a commit sha of 4 to 40 hex characters');

export const updateBody = z
  .object({ ref: refSchema.optional(), sha: shaSchema.optional() })
  .strict()
  .refine((b) => !(b.ref && b.sha), { message: 'give either ref or sha, not both' });

export const rollbackBody = z.object({ sha: shaSchema, force: z.boolean().optional() }).strict();

export const historyQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(50) }).strict();

export const logsQuery = z
  .object({ limit: z.coerce.number().int().min(1).max(2000).default(200), source: z.enum(['app', 'supervisor']).optional() })
  .strict();

export const eventsQuery = z.object({ logs: z.enum(['0', '1']).optional() }).strict();

export const demoBody = z.object({ broken: z.boolean().optional() }).strict();

/** Parses with a schema; a failure becomes MOLT_E_VALIDATION naming the input (`body.sha: expected ...`). */
export function parseInput<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, input: unknown, where: 'body' | 'query' | 'params'): T {
  const r = schema.safeParse(input ?? {});
  if (r.success) return r.data;
  const message = r.error.issues.map((i) => `${where}${i.path.length ? '.' + i.path.join('.') : ''}: ${i.message}`).join('; ');
  throw new MoltError('MOLT_E_VALIDATION', message, { context: { where } });
}
