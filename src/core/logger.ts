import { pino, type Logger, type LoggerOptions, type DestinationStream } from 'pino';
import { createRequire } from 'node:module';

export type { Logger };

/** Paths whose values never reach a log line. */
export const REDACT_PATHS = [
  'token', '*.token', 'adminToken', '*.adminToken', 'telegramToken', '*.telegramToken', 'password', '*.password',
  'authorization', '*.authorization', 'headers.authorization', 'req.headers.authorization', 'req.headers.cookie',
  'cookie', '*.cookie', 'config.adminToken', 'config.telegramToken',
];

/** Masks bot tokens and bearer tokens that appear inside free text (URLs in error messages, command output). */
export function redactText(text: string, secrets: (string | undefined)[] = []): string {
  // No \b before the digits: in `/bot123:abc` the token follows a word character.
  let out = text.replace(/(?<!\d)\d{6,}:[A-Za-z0-9_-]{30,}/g, '<redacted>').replace(/(Bearer\s+)[^\s"']+/gi, '$1<redacted>');
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('<redacted>');
  return out;
}

/** The secrets plus their JSON-escaped forms, so a secret with quotes or backslashes is masked inside a JSON record too. */
export function secretForms(secrets: (string | undefined)[]): string[] {
  const out = new Set<string>();
  for (const s of secrets) {
    if (!s || s.length < 4) continue;
    out.add(s);
    out.add(JSON.stringify(s).slice(1, -1));
  }
  return [...out];
}

// Redacting the serialized line (not only string arguments) also catches secrets inside object fields,
// e.g. an error message that quotes a URL with the bot token.
function redactingStream(dest: DestinationStream, secrets: string[]): DestinationStream {
  return { write: (line: string) => dest.write(redactText(line, secrets)) };
}

/** pino JSON on stdout (one record per event); pretty when stdout is a TTY (pino-pretty loaded only then). `destination` is for tests. */
export function createLogger(opts: { level?: string; pretty?: boolean; destination?: NodeJS.WritableStream; secrets?: (string | undefined)[] } = {}): Logger {
  const secrets = secretForms(opts.secrets ?? []);
  const options: LoggerOptions = {
    level: opts.level ?? 'info',
    base: { name: 'molt' },
    redact: { paths: REDACT_PATHS, censor: '<redacted>' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  const usePretty = opts.pretty ?? (opts.destination === undefined && process.stdout.isTTY === true);
  // Synchronous streams (no transport worker): the last records before process.exit are never lost.
  const dest: DestinationStream = usePretty
    ? (createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty'))({ colorize: true, translateTime: 'SYS:HH:MM:ss', sync: true, destination: 1 })
    : ((opts.destination as DestinationStream | undefined) ?? pino.destination({ fd: 1, sync: true }));
  return pino(options, redactingStream(dest, secrets));
}
