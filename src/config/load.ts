import { resolve, join } from 'node:path';
import { z } from 'zod';
import { VARS, type Config } from './schema.js';
import type { VarSpec } from './fields.js';

export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: string[] };

/** Exit code for configuration errors (EX_CONFIG from sysexits.h). */
export const EXIT_CONFIG = 78;

const shape = Object.fromEntries(Object.entries(VARS).map(([key, spec]) => [key, (spec as VarSpec<unknown>).schema]));
const schema = z.object(shape);

/** Parses the environment (plus CLI overrides keyed by env name) into one typed config; never throws. */
export function loadConfig(env: NodeJS.ProcessEnv, overrides: Record<string, string | undefined> = {}, cwd = process.cwd()): ConfigResult {
  const input: Record<string, string | undefined> = {};
  for (const [key, spec] of Object.entries(VARS)) {
    const name = (spec as VarSpec<unknown>).env;
    input[key] = overrides[name] ?? env[name];
  }
  const parsed = schema.safeParse(input);
  const problems: string[] = parsed.success ? [] : parsed.error.issues.map((i) => i.message);
  if (!parsed.success) return { ok: false, problems };
  const raw = parsed.data as Record<string, unknown>;
  const appDir = resolve(cwd, (raw.appDir as string | undefined) ?? '.');
  const dataDir = raw.dataDir ? resolve(appDir, raw.dataDir as string) : join(appDir, 'data');
  const config = {
    ...raw,
    appDir,
    dataDir,
    backupDir: raw.backupDir ? resolve(appDir, raw.backupDir as string) : join(dataDir, 'backups'),
    appPort: (raw.appPort as number) || (raw.port as number) + 1,
    adminUrl: (raw.adminUrl as string | undefined) ?? `http://127.0.0.1:${raw.adminPort as number}`,
  } as Config;
  problems.push(...crossChecks(config));
  return problems.length ? { ok: false, problems } : { ok: true, config };
}

function crossChecks(c: Config): string[] {
  const p: string[] = [];
  if (c.backoffMaxMs < c.backoffInitialMs) p.push(`MOLT_BACKOFF_MAX=${c.backoffMaxMs}ms: expected at least MOLT_BACKOFF_INITIAL (${c.backoffInitialMs}ms)`);
  if (c.appPort === c.port) p.push(`MOLT_APP_PORT=${c.appPort}: expected a port different from MOLT_PORT`);
  if (c.adminPort !== 0 && (c.adminPort === c.port || c.adminPort === c.appPort))
    p.push(`MOLT_ADMIN_PORT=${c.adminPort}: expected a port different from MOLT_PORT and the app port`);
  if (!isLoopback(c.adminHost) && c.adminPort !== 0 && !c.adminToken)
    p.push(`MOLT_ADMIN_TOKEN: required when MOLT_ADMIN_HOST=${c.adminHost} is not a loopback address`);
  if (c.adminToken !== undefined && c.adminToken.length < 16) p.push('MOLT_ADMIN_TOKEN=<redacted>: expected at least 16 characters');
  if (c.alertErrorRate > c.rollbackErrorRate)
    p.push(`MOLT_ALERT_ERROR_RATE=${c.alertErrorRate}: expected at most MOLT_ROLLBACK_ERROR_RATE (${c.rollbackErrorRate})`);
  if (c.telegramToken && c.telegramAdminIds.length === 0 && c.telegramChatIds.length === 0)
    p.push('TELEGRAM_CHAT_IDS: expected at least one chat id (or TELEGRAM_ADMIN_IDS) when TELEGRAM_BOT_TOKEN is set');
  if (c.requireSigned && !c.allowedSigners) p.push('MOLT_ALLOWED_SIGNERS: required when MOLT_REQUIRE_SIGNED=1');
  return p;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** README table of every variable with its default. */
export function configMarkdown(): string {
  const rows = Object.values(VARS).map((s) => {
    const v = s as VarSpec<unknown>;
    return `| \`${v.env}\` | ${v.default === undefined || v.default === '' ? '—' : `\`${v.default}\``} | ${v.doc} |`;
  });
  return ['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n');
}
