import { z } from 'zod';
import { parseDuration } from '../core/duration.js';

/** A config variable: its env name, the parser of its raw string, default and README description. */
export interface VarSpec<T> {
  env: string;
  schema: z.ZodType<T, z.ZodTypeDef, string | undefined>;
  default: string | undefined;
  doc: string;
  secret?: boolean;
}

function field<T>(expected: string, parse: (raw: string) => T | undefined) {
  return (env: string, def: string | undefined, doc: string, opts: { secret?: boolean } = {}): VarSpec<T> => ({
    env,
    default: def,
    doc,
    secret: opts.secret,
    schema: z
      .string()
      .optional()
      .transform((raw, ctx) => {
        const value = raw === undefined || raw === '' ? def : raw;
        if (value === undefined) return undefined as T;
        const parsed = parse(value);
        if (parsed === undefined) {
          const shown = opts.secret ? '<redacted>' : JSON.stringify(value);
          ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${env}=${shown}: expected ${expected}` });
          return z.NEVER;
        }
        return parsed;
      }) as unknown as z.ZodType<T, z.ZodTypeDef, string | undefined>,
  });
}

export const str = field<string>('a string', (s) => s);
export const optStr = (env: string, doc: string, opts: { secret?: boolean } = {}) =>
  field<string | undefined>('a string', (s) => s)(env, undefined, doc, opts);

export const int = (min: number, max: number) =>
  field<number>(`an integer from ${min} to ${max}`, (s) => {
    if (!/^-?\d+$/.test(s.trim())) return undefined;
    const n = Number(s);
    return n >= min && n <= max ? n : undefined;
  });

export const num = (min: number, max: number) =>
  field<number>(`a number from ${min} to ${max}`, (s) => {
    const n = Number(s);
    return s.trim() !== '' && Number.isFinite(n) && n >= min && n <= max ? n : undefined;
  });

export const duration = (minMs = 0) =>
  field<number>(`a duration like 500ms, 10s, 5m, 1h or a number of seconds${minMs ? ` (at least ${minMs}ms)` : ''}`, (s) => {
    const ms = parseDuration(s);
    return ms !== undefined && ms >= minMs ? ms : undefined;
  });

export const oneOf = <T extends string>(values: readonly T[]) =>
  field<T>(`one of ${values.join(' | ')}`, (s) => ((values as readonly string[]).includes(s) ? (s as T) : undefined));

export const bool = field<boolean>('1, 0, true, false, yes or no', (s) => {
  const v = s.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  return undefined;
});

export const csv = field<string[]>('a comma-separated list', (s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean),
);

export const intList = field<number[]>('a comma-separated list of integers', (s) => {
  const parts = s.split(',').map((x) => x.trim()).filter(Boolean);
  return parts.every((p) => /^-?\d+$/.test(p)) ? parts.map(Number) : undefined;
});

export const url = field<string>('an http(s) URL', (s) => {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:' ? s.replace(/\/+$/, '') : undefined;
  } catch {
    return undefined;
  }
});

/** `HH:MM-HH:MM`, may cross midnight. */
export const timeWindow = field<{ startMin: number; endMin: number } | null>('a window like 02:00-05:00 or "always"', (s) => {
  if (s === 'always') return null;
  const m = /^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$/.exec(s.trim());
  if (!m) return undefined;
  const [h1, m1, h2, m2] = m.slice(1).map(Number);
  if (h1 > 23 || h2 > 24 || m1 > 59 || m2 > 59) return undefined;
  const startMin = h1 * 60 + m1;
  const endMin = h2 * 60 + m2;
  return startMin === endMin ? undefined : { startMin, endMin };
});

export const timeZone = field<string>('an IANA time zone like UTC or Asia/Shanghai', (s) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: s });
    return s;
  } catch {
    return undefined;
  }
});
