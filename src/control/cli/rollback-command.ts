import type { CliCommand } from './command.js';
import { AdminClient, CLIENT_EXIT, ClientExit, runClient } from './admin-client.js';
import { outcomeExit, startAndFollow } from './follow-operation.js';
import { EXIT_CODES_HELP, parseFlags } from './status-command.js';
import { parseDuration } from '../../core/duration.js';

export const rollbackCommand: CliCommand = {
  name: 'rollback',
  summary: 'roll back to an earlier release and follow it to the outcome',
  usage: 'molt rollback <sha> [--force] [--json] [--no-follow] [--timeout 30m]',
  help: `Rolls back code, dependencies and database to <sha>. The database is migrated down (newer data kept);
if a down migration is missing the rollback is refused unless --force, which restores that release's backup and
discards data written since. --json prints the final history row unchanged.\n${EXIT_CODES_HELP}`,
  run: (args, env) =>
    runClient('rollback', async () => {
      const { values, positionals } = parseFlags(args, { force: { type: 'boolean' }, json: { type: 'boolean' }, 'no-follow': { type: 'boolean' }, timeout: { type: 'string' } }, 1);
      const sha = positionals[0];
      if (!sha) throw new ClientExit(CLIENT_EXIT.USAGE, 'missing <sha>: usage: molt rollback <sha> [--force]');
      if (!/^[0-9a-f]{4,40}$/i.test(sha)) throw new ClientExit(CLIENT_EXIT.USAGE, `"${sha}": expected a commit sha of 4 to 40 hex characters (see molt history)`);
      const timeoutMs = values.timeout === undefined ? 30 * 60_000 : parseDuration(values.timeout as string);
      if (timeoutMs === undefined) throw new ClientExit(CLIENT_EXIT.USAGE, `--timeout ${values.timeout}: expected a duration like 90s or 30m`);
      const client = await AdminClient.fromEnv(env);
      const body = values.force ? { sha, force: true } : { sha };
      const start = () => client.request<{ id: number }>('POST', '/api/rollback', body).then((r) => r.body);
      if (values['no-follow']) {
        const r = await start();
        process.stdout.write(values.json ? JSON.stringify(r) + '\n' : `rollback #${r.id} started\n`);
        return 0;
      }
      const row = await startAndFollow(client, start, { quiet: values.json === true, timeoutMs, print: (l) => process.stdout.write(l + '\n') });
      const out = outcomeExit(row);
      process.stdout.write(values.json ? JSON.stringify(row, null, 2) + '\n' : out.line + '\n');
      return out.code;
    }),
};
