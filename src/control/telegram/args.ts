import { z } from 'zod';

/** A parsed chat command: `/name@bot arg1 arg2` → { name, args }. */
export interface ParsedCommand {
  name: string;
  args: string[];
}

export interface MessageEntityLike {
  type: string;
  offset: number;
  length: number;
}

/**
 * Parses a command addressed to this bot. Returns null for plain text and for commands addressed to another bot
 * (`/status@other_bot` in a group), so group chatter never gets a reply.
 */
export function parseCommand(text: string, entities: readonly MessageEntityLike[] | undefined, botUsername: string): ParsedCommand | null {
  const first = entities?.[0];
  if (!first || first.type !== 'bot_command' || first.offset !== 0) return null;
  const [cmd, to] = text.slice(1, first.length).split('@');
  if (!cmd) return null;
  if (to !== undefined && to.toLowerCase() !== botUsername.toLowerCase()) return null;
  const rest = text.slice(first.length).trim();
  return { name: cmd.toLowerCase(), args: rest ? rest.split(/\s+/) : [] };
}

export const SHA_RE = /^[0-9a-f]{7,40}$/i;

/** A conservative subset of `git check-ref-format`: nothing that git could read as an option, range or reflog. */
export const refSchema = z
  .string()
  .max(100, 'at most 100 characters')
  .regex(/^[A-Za-z0-9._/-]+$/, 'only letters, digits and . _ / -')
  .refine((s) => !s.startsWith('-'), 'must not start with "-"')
  .refine((s) => !s.includes('..') && !s.includes('//'), 'must not contain ".." or "//"')
  .refine((s) => !s.startsWith('/') && !s.endsWith('/') && !s.endsWith('.') && !s.endsWith('.lock'), 'must not start or end with "/" or end with "." or ".lock"');

export const shaSchema = z.string().regex(SHA_RE, 'a commit sha: 7 to 40 hex digits').transform((s) => s.toLowerCase());

const countSchema = (def: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,4}$/, `a number from 1 to ${max}`)
    .transform(Number)
    .refine((n) => n >= 1 && n <= max, `a number from 1 to ${max}`)
    .optional()
    .transform((n) => n ?? def);

export const HISTORY_MAX = 20;
export const LOGS_MAX = 100;

export type ArgsResult<T> = { ok: true; value: T } | { ok: false; problem: string };

function fail(name: string, usage: string, issues: z.ZodIssue[] | string): ArgsResult<never> {
  const why = typeof issues === 'string' ? issues : issues.map((i) => i.message).join('; ');
  return { ok: false, problem: `${name}: expected ${why}. Usage: ${usage}` };
}

function parseOne<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, input: unknown, name: string, usage: string): ArgsResult<T> {
  const r = schema.safeParse(input);
  const shown = typeof input === 'string' ? ` ${JSON.stringify(input.length > 40 ? `${input.slice(0, 40)}…` : input)}` : '';
  return r.success ? { ok: true, value: r.data } : fail(`${name}${shown}`, usage, r.error.issues);
}

export function parseCountArgs(args: string[], command: string, def: number, max: number): ArgsResult<number> {
  const usage = `/${command} [n]`;
  if (args.length > 1) return fail('arguments', usage, 'at most one argument');
  return parseOne(countSchema(def, max), args[0], 'n', usage);
}

export interface UpdateArgs {
  ref?: string;
}

export function parseUpdateArgs(args: string[]): ArgsResult<UpdateArgs> {
  const usage = '/update [ref]';
  if (args.length > 1) return fail('arguments', usage, 'at most one ref (a branch, tag or sha)');
  if (args.length === 0) return { ok: true, value: {} };
  const r = parseOne(refSchema, args[0], 'ref', usage);
  return r.ok ? { ok: true, value: { ref: r.value } } : r;
}

export interface RollbackArgs {
  sha: string;
  force: boolean;
}

export function parseRollbackArgs(args: string[]): ArgsResult<RollbackArgs> {
  const usage = '/rollback <sha> [force]';
  const force = args.length === 2 && (args[1] === 'force' || args[1] === '--force');
  if (args.length === 0) return fail('sha', usage, 'a commit sha (7 to 40 hex digits); see /history');
  const r = parseOne(shaSchema, args[0], 'sha', usage);
  if (!r.ok) return r;
  if (args.length > 2 || (args.length === 2 && !force)) return fail('arguments', usage, 'a sha, optionally followed by "force"');
  return { ok: true, value: { sha: r.value, force } };
}
