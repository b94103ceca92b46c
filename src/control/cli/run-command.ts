import { parseArgs } from 'node:util';
import type { CliCommand } from './command.js';
import { EXIT_CONFIG } from '../../config/load.js';

const FLAG_TO_ENV: Record<string, string> = {
  'app-dir': 'MOLT_APP_DIR',
  'data-dir': 'MOLT_DATA_DIR',
  port: 'MOLT_PORT',
  restart: 'MOLT_RESTART',
  'stop-timeout': 'MOLT_STOP_TIMEOUT',
  'log-level': 'MOLT_LOG_LEVEL',
};

export const runCommand: CliCommand = {
  name: 'run',
  summary: 'supervise the app (the container main process)',
  usage: 'molt run [--app-dir DIR] [--data-dir DIR] [--port N] [--restart POLICY] [--stop-timeout DUR] [--log-level L] [-- <app command...>]',
  help: [
    'Starts the app as a child in its own process group, forwards signals, restarts crashes with backoff,',
    'runs updates when the app exits with code 10, and serves the holding page while the app is down.',
    'Without `-- <command>` the app command comes from MOLT_APP_CMD. Flags override the matching MOLT_* variables.',
    '',
    'Exit status: the app\'s own status (128+signal when it was killed by a signal) after SIGTERM/SIGINT,',
    'the app\'s status when MOLT_RESTART=never or it exited 0 under on-failure, 78 for configuration errors.',
  ].join('\n'),
  async run(args, env) {
    const dd = args.indexOf('--');
    const head = dd === -1 ? args : args.slice(0, dd);
    const command = dd === -1 ? undefined : args.slice(dd + 1);
    let values: Record<string, string | boolean | undefined>;
    try {
      values = parseArgs({ args: head, options: Object.fromEntries(Object.keys(FLAG_TO_ENV).map((k) => [k, { type: 'string' as const }])), strict: true, allowPositionals: false }).values;
    } catch (err) {
      process.stderr.write(`molt run: ${(err as Error).message}\nusage: ${this.usage}\n`);
      return EXIT_CONFIG;
    }
    const overrides: Record<string, string | undefined> = {};
    for (const [flag, name] of Object.entries(FLAG_TO_ENV)) if (typeof values[flag] === 'string') overrides[name] = values[flag] as string;
    // Loaded here, not at import: `molt status` and friends must not pay for the whole supervisor.
    const { runSupervisor } = await import('../../main.js');
    return runSupervisor({ command, overrides, selfArgv: process.argv.slice(1) }, env);
  },
};
