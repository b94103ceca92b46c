import type { CliCommand } from './command.js';
import { AdminClient, CLIENT_EXIT, runClient } from './admin-client.js';
import { outcomeExit, startAndFollow } from './follow-operation.js';
import { EXIT_CODES_HELP, parseFlags } from './status-command.js';
import { parseDuration } from '../../core/duration.js';

export const updateCommand: CliCommand = {
  name: 'update',
  summary: 'update to the branch tip (or a ref/sha) and follow it to the outcome',
  usage: 'molt update [ref|sha] [--json] [--no-follow] [--timeout 30m]',
  help: `Starts an update in the running supervisor, prints each step, and exits when it succeeded or rolled back.\n--no-follow returns after the update was accepted (prints its id). --json prints the API JSON unchanged:\nthe final history row (or {"id"} with --no-follow).\n${EXIT_CODES_HELP}`,
  run: (args, env) =>
    runClient('update', async () => {
      const { values, positionals } = parseFlags(args, { json: { type: 'boolean' }, 'no-follow': { type: 'boolean' }, timeout: { type: 'string' } }, 1);
      const timeoutMs = values.timeout === undefined ? 30 * 60_000 : parseDuration(values.timeout as string);
      if (timeoutMs === undefined) return usage(`--timeout ${values.timeout}: expected a duration like 90s or 30m`);
      const target = positionals[0];
      const body = target === undefined ? {} : /^[0-9a-f]{7,40}$/i.test(target) ? { sha: target } : { ref: target };
      const client = await AdminClient.fromEnv(env);
      const start = () => client.request<{ id: number }>('POST', '/api/update', body).then((r) => r.body);
      if (values['no-follow']) {
        const r = await start();
        process.stdout.write(values.json ? JSON.stringify(r) + '\n' : `update #${r.id} started\n`);
        return 0;
      }
      const row = await startAndFollow(client, start, { quiet: values.json === true, timeoutMs, print: (l) => process.stdout.write(l + '\n') });
      const out = outcomeExit(row);
      process.stdout.write(values.json ? JSON.stringify(row, null, 2) + '\n' : out.line + '\n');
      return out.code;
    }),
};

function usage(msg: string): number {
  process.stderr.write(`molt update: ${msg}\n`);
  return CLIENT_EXIT.USAGE;
}
