import { bool, csv, duration, int, intList, num, oneOf, optStr, str, timeWindow, timeZone, url, type VarSpec } from './fields.js';

/** Every setting molt reads, by concern. README's configuration table is generated from this list (`molt config --markdown`). */
export const VARS = {
  // supervisor core
  appDir: str('MOLT_APP_DIR', undefined, "The app's git working tree. Default: the current directory."),
  dataDir: optStr('MOLT_DATA_DIR', 'Runtime state (journal, history DB, backups). Default: `<MOLT_APP_DIR>/data`.'),
  appCmd: optStr('MOLT_APP_CMD', 'Command that starts the app, e.g. `node server.js` (split on spaces, no shell). `molt run -- <cmd>` overrides it.'),
  port: int(1, 65535)('MOLT_PORT', '3000', 'Public port. The supervisor owns it and gives the app `PORT` (an internal port).'),
  appPort: int(0, 65535)('MOLT_APP_PORT', '0', 'Internal port passed to the app as `PORT`; 0 picks `MOLT_PORT + 1`.'),
  stopTimeoutMs: duration()('MOLT_STOP_TIMEOUT', '10s', 'Grace period between SIGTERM and SIGKILL of the app process group.'),
  restart: oneOf(['on-failure', 'always', 'never'] as const)('MOLT_RESTART', 'on-failure', 'Restart policy for app exits.'),
  backoffInitialMs: duration(1)('MOLT_BACKOFF_INITIAL', '1s', 'First restart delay; doubles per crash (with ±20 % jitter).'),
  backoffMaxMs: duration(1)('MOLT_BACKOFF_MAX', '60s', 'Cap of the restart delay.'),
  minUptimeMs: duration()('MOLT_MIN_UPTIME', '30s', 'Uptime after which the backoff resets; shorter runs count towards a crash loop.'),
  crashLoopRestarts: int(1, 1000)('MOLT_CRASH_LOOP_RESTARTS', '5', 'Exits in a row, each shorter than min uptime, that make a crash loop.'),
  logLevel: oneOf(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const)('MOLT_LOG_LEVEL', 'info', 'pino log level.'),
  tini: optStr('MOLT_TINI', 'Path of tini used when molt is PID 1 (default: found on PATH). `off` disables the re-exec.'),

  // update engine
  remote: str('MOLT_REMOTE', 'origin', 'Git remote updates come from.'),
  branch: str('MOLT_BRANCH', 'main', 'Branch whose tip is the default update target.'),
  installCmd: str('MOLT_INSTALL_CMD', 'npm ci', 'Dependency install command, run only when the lockfile hash changed.'),
  buildCmd: optStr('MOLT_BUILD_CMD', 'Build command run after install, e.g. `npm run build`.'),
  migrateCmd: optStr('MOLT_MIGRATE_CMD', 'Migration command run under the migration lock (SDK apps migrate at boot instead).'),
  lockfile: str('MOLT_LOCKFILE', 'package-lock.json', 'Lockfile whose hash (with Node major, platform, arch) keys the dependency tree.'),
  sqlitePaths: csv('MOLT_SQLITE_PATHS', '', 'SQLite files to back up and restore with each update, relative to the app dir or data dir.'),
  healthPath: str('MOLT_HEALTH_PATH', '/health', 'Path probed on the app port for the health gate.'),
  healthTimeoutMs: duration(100)('MOLT_HEALTH_TIMEOUT', '60s', 'Time a release has to pass its health gate.'),
  healthSuccesses: int(1, 100)('MOLT_HEALTH_SUCCESSES', '3', 'Consecutive 2xx probes that pass the health gate.'),
  healthIntervalMs: duration(10)('MOLT_HEALTH_INTERVAL', '500ms', 'Interval between health probes during the gate.'),
  keepReleases: int(1, 100)('MOLT_KEEP_RELEASES', '5', 'Releases whose backups and dependency trees are kept.'),
  maxAttempts: int(1, 20)('MOLT_MAX_ATTEMPTS', '3', 'Attempts to resume an interrupted update before it is rolled back.'),
  probationMs: duration()('MOLT_PROBATION', '10m', 'Window after commit in which a crash loop or bad metrics roll back automatically.'),

  // traffic
  holdingPage: optStr('MOLT_HOLDING_PAGE', 'HTML file served instead of the built-in holding page.'),
  trafficMode: oneOf(['splice', 'handoff'] as const)('MOLT_TRAFFIC_MODE', 'handoff', 'How released connections reach the app: `handoff` (molt passes each connection to an SDK app that listens with `listen()`, over IPC, and keeps a copy so a crash or stop costs clients nothing; any other app is spliced) or `splice` (molt forwards the bytes of every connection itself, for all apps).'),

  // admin / CLI
  adminHost: str('MOLT_ADMIN_HOST', '127.0.0.1', 'Admin console and API listen address. Non-loopback requires MOLT_ADMIN_TOKEN.'),
  adminPort: int(0, 65535)('MOLT_ADMIN_PORT', '9000', 'Admin console and API port (0 = off).'),
  adminToken: optStr('MOLT_ADMIN_TOKEN', 'Bearer token for the API and password of the console. Generated into data/ if unset on loopback.', { secret: true }),
  adminUrl: optStr('MOLT_ADMIN_URL', 'Where the CLI finds the admin API. Default: `http://127.0.0.1:<MOLT_ADMIN_PORT>`.'),
  demoDir: optStr('MOLT_DEMO_DIR', 'Demo mode (`npm start`): the demo folder whose remote the console\'s "Publish demo release" buttons push to.'),

  // telegram
  telegramToken: optStr('TELEGRAM_BOT_TOKEN', 'Bot token; the bot is off when unset.', { secret: true }),
  telegramChatIds: intList('TELEGRAM_CHAT_IDS', '', 'Chats that receive notifications.'),
  telegramAdminIds: intList('TELEGRAM_ADMIN_IDS', '', 'Telegram user ids allowed to send commands.'),
  telegramApiRoot: url('TELEGRAM_API_ROOT', 'https://api.telegram.org', 'Bot API root (self-hosted Bot API server, tests).'),

  // automatic updates, canary, signing
  autoUpdate: oneOf(['off', 'notify', 'apply'] as const)('MOLT_AUTO_UPDATE', 'off', 'Poll the remote and notify about or apply new commits.'),
  pollIntervalMs: duration(1000)('MOLT_POLL_INTERVAL', '5m', 'Remote polling interval (±10 % jitter).'),
  updateWindow: timeWindow('MOLT_UPDATE_WINDOW', 'always', 'Window for automatic applies, e.g. `02:00-05:00` (may cross midnight).'),
  tz: timeZone('MOLT_TZ', 'UTC', 'Time zone of the update window and backup schedule.'),
  canaryProbability: num(0, 1)('UPDATE_CANARY_PROBABILITY', '1', 'Fraction of a fleet that applies a release before the bake time.'),
  instanceId: optStr('MOLT_INSTANCE_ID', 'Stable instance id for canary bucketing. Default: random, persisted in data/.'),
  canaryBakeMs: duration()('MOLT_CANARY_BAKE', '1h', 'Age a commit must reach before non-canary instances apply it.'),
  requireSigned: bool('MOLT_REQUIRE_SIGNED', '0', 'Apply only commits whose signature verifies (`git verify-commit`).'),
  allowedSigners: optStr('MOLT_ALLOWED_SIGNERS', 'SSH allowed-signers file, or a GPG keyring (.gpg/.kbx) for signature checks.'),

  // scheduled backups
  backupSchedule: str('MOLT_BACKUP_SCHEDULE', '0 3 * * *', 'Cron expression for scheduled backups, or `off`.'),
  backupRetentionMs: duration()('MOLT_BACKUP_RETENTION', '7d', 'Age after which scheduled backups are pruned (the last 3 are always kept).'),
  backupPaths: csv('MOLT_BACKUP_PATHS', '', 'Extra files/folders (uploads, config) included in scheduled backups, relative to the app dir.'),
  backupDir: optStr('MOLT_BACKUP_DIR', 'Where scheduled backups go. Default: `<data>/backups`.'),
  backupMinFree: num(0, 0.99)('MOLT_BACKUP_MIN_FREE', '0.1', 'Refuse a backup that would leave less than this fraction of the disk free.'),
  drillSchedule: str('MOLT_DRILL_SCHEDULE', 'after-backup', 'Restore drill schedule: `after-backup`, a cron expression, or `off`.'),

  // probation analysis
  rollbackErrorRate: num(0, 1)('MOLT_ROLLBACK_ERROR_RATE', '0.10', '5xx share over the analysis window that rolls back a release on probation.'),
  alertErrorRate: num(0, 1)('MOLT_ALERT_ERROR_RATE', '0.05', '5xx share that raises an alert (no rollback).'),
  analysisWindowMs: duration(1000)('MOLT_ANALYSIS_WINDOW', '60s', 'Sliding window for error rate and p95.'),
  analysisMinRequests: int(1, 1_000_000)('MOLT_ANALYSIS_MIN_REQUESTS', '20', 'Requests a window needs before any rate or latency verdict.'),
  alertP95Ms: int(1, 3_600_000)('MOLT_ALERT_P95_MS', '2000', 'p95 latency (ms) that raises an alert.'),
  rollbackP95Factor: num(1, 1000)('MOLT_ROLLBACK_P95_FACTOR', '2', 'Roll back when p95 exceeds this multiple of the previous release baseline.'),
  healthFails: int(1, 1000)('MOLT_HEALTH_FAILS', '2', 'Consecutive failed probes that alert; twice as many roll back.'),
} satisfies Record<string, VarSpec<unknown>>;

type Vars = typeof VARS;
export type Config = { [K in keyof Vars]: Vars[K] extends VarSpec<infer T> ? T : never } & {
  dataDir: string;
  appDir: string;
  backupDir: string;
  adminUrl: string;
  appPort: number;
};
