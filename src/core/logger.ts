import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/** Paths whose values never reach a log line. */
export const REDACT_PATHS = [
  'token', '*.token', 'adminToken', '*.adminToken', 'telegramToken', '*.telegramToken', 'password', '*.password',
  'authorization', '*.authorization', 'headers.authorization', 'req.headers.authorization', 'req.headers.cookie',
  'cookie', '*.cookie', 'config.adminToken', 'config.telegramToken',
];

/** Masks bot tokens and bearer tokens that appear inside free text (URLs in error messages, command output). */
export function redactText(text: string, secrets: (string | undefined)[] = []): string {
  let out = text.replace(/\b\d{6,}:[A-Za-z0-9_-]{30,}\b/g, '<redacted>').replace(/(Bearer\s+)[^\s"']+/gi, '$1<redacted>');
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('<redacted>');
  return out;
}

/** pino JSON on stdout (one record per event); pretty when stdout is a TTY. `destination` is for tests. */
export function createLogger(opts: { level?: string; pretty?: boolean; destination?: NodeJS.WritableStream; secrets?: (string | undefined)[] } = {}): Logger {
  const secrets = opts.secrets ?? [];
  const options: LoggerOptions = {
    level: opts.level ?? 'info',
    base: { name: 'molt' },
    redact: { paths: REDACT_PATHS, censor: '<redacted>' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    hooks: {
      logMethod(args, method) {
        const masked = args.map((a) => (typeof a === 'string' ? redactText(a, secrets) : a)) as typeof args;
        method.apply(this, masked);
      },
    },
  };
  const pretty = opts.pretty ?? (opts.destination === undefined && process.stdout.isTTY === true);
  if (pretty) {
    return pino({ ...options, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss' } } });
  }
  return pino(options, (opts.destination as pino.DestinationStream | undefined) ?? pino.destination({ fd: 1, sync: true }));
}
